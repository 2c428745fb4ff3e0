import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, dateInWords, isoDateAfter, realRationale } from '../support/api-client.ts';
import { fitsScreen, launchChromium, PHONE, seriousAxeViolations } from '../support/browser.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * What the partner does, in a real Chromium: open the notice email from the local outbox, click its link, read
 * the notice, press "Acknowledge this notice". Opening (and reopening) the page must never acknowledge — mail
 * scanners open links — and the page is plain HTML: no script, the rationale shown verbatim and escaped.
 */
const screenshotDir = fileURLToPath(new URL('../../.tmp/', import.meta.url));
/** Screenshots the README shows: committed, so they change only when the pages do. */
const docsScreenshotDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

let system: LocalSystem;
let api: ApiClient;
let finance: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  // Launch the browser first: a missing Chromium fails here with the fix in the message.
  browser = await launchChromium();
  ({ system, api, finance } = await startTestSystem());
  context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
}, 90_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await system?.stop();
});

async function submitCut(body: {
  partnerId: string;
  currentRatePct: number;
  newRatePct: number;
  effectiveDate: string;
  rationale: string;
}): Promise<string> {
  const response = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
    token: finance,
    json: body,
  });
  expect(response.status, response.text).toBe(201);
  await api.approve(response.body.changeId);
  return response.body.changeId;
}

async function statusOf(changeId: string): Promise<string> {
  await api.settle();
  const response = await api.request<{ status: string }>('GET', `/api/commission-changes/${changeId}`, {
    token: finance,
  });
  expect(response.status).toBe(200);
  return response.body.status;
}

/** The fact (`<dd>`) under the label `label` in the notice's summary at the top, as the browser renders it. */
function fact(page: Page, label: string) {
  return page
    .locator('dl.facts .fact')
    .filter({ has: page.locator('dt', { hasText: label }) })
    .locator('dd');
}

/** The `<td>` next to the `<th>` labelled `label` in the notice table, as the browser renders it. */
async function cell(page: Page, label: string): Promise<string> {
  const row = page.locator('table.notice tr').filter({ has: page.locator('th', { hasText: label }) });
  return (await row.locator('td').innerText()).trim();
}

function acknowledgeButton(page: Page) {
  return page.getByRole('button', { name: 'Acknowledge this notice' });
}

/** Runs `act` and returns the main-frame document response it caused. */
async function navigation(page: Page, act: () => Promise<unknown>): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForResponse((candidate) => candidate.request().isNavigationRequest()),
    act(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

describe('the notice page in a real browser', () => {
  it('opens from the outbox, never acknowledges on GET, acknowledges on the button, refuses a tampered link', async () => {
    const now = await api.now();
    const effectiveDate = isoDateAfter(now, 31);
    const changeId = await submitCut({
      partnerId: 'northwind-resellers',
      currentRatePct: 12,
      newRatePct: 11,
      effectiveDate,
      rationale: realRationale,
    });
    expect(await statusOf(changeId)).toBe('notice-sent');
    const subject = `Notice of commission reduction: 12% → 11% from ${dateInWords(effectiveDate)}`;

    // The outbox, as a person opens it in a browser (Accept: text/html).
    const page = await context.newPage();
    const outbox = await page.goto(`${system.baseUrl}/dev/outbox`);
    expect(outbox?.status()).toBe(200);
    expect(outbox?.headers()['content-type']).toContain('text/html');
    const message = page.locator('article').filter({ has: page.getByRole('heading', { name: subject }) });
    expect(await message.count()).toBe(1);
    expect(await message.innerText()).toContain('Priya Raman <priya.raman@northwind.example>');
    const link = message.getByRole('link');
    expect(await link.count()).toBe(1);
    const href = (await link.getAttribute('href'))!;
    expect(href).toMatch(new RegExp(`^${system.baseUrl}/notices/[^?]+\\?token=`));

    // A real click on the anchor.
    const opened = await navigation(page, () => link.click());
    expect(opened.status()).toBe(200);
    expect(page.url()).toBe(href);
    expect(opened.headers()['content-security-policy']).toContain("default-src 'none'");

    // The notice as the partner reads it.
    expect(await page.title()).toBe(subject);
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe(subject);
    expect(await cell(page, 'Partner')).toBe('Northwind Resellers (Transactional)');
    expect(await cell(page, 'Current commission rate')).toBe('12%');
    expect(await cell(page, 'New commission rate')).toBe('11%');
    // The change at a glance comes first: the date in words, the money on an example, whom to ask.
    expect((await fact(page, 'Takes effect from').innerText()).trim()).toBe(dateInWords(effectiveDate));
    expect((await fact(page, 'Per $10,000 of bookings').innerText()).trim()).toBe('$1,200 → $1,100');
    expect(await fact(page, 'Your alliance manager').innerText()).toContain('Dana Whitfield');
    expect(
      await fact(page, 'Your alliance manager')
        .getByRole('link', { name: 'dana.whitfield@vendor.example' })
        .getAttribute('href'),
    ).toBe('mailto:dana.whitfield@vendor.example');
    expect(await cell(page, 'Notice period')).toContain('30 days from delivery of this notice');
    const rationale = page.locator('blockquote.rationale');
    expect(await rationale.isVisible()).toBe(true);
    expect(await rationale.innerText()).toBe(realRationale);
    expect(await page.getByText(realRationale, { exact: true }).isVisible()).toBe(true);
    expect(await acknowledgeButton(page).isVisible()).toBe(true);
    expect(await page.getByText('It does not mean you agree with it.').isVisible()).toBe(true);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('[onclick], [onload], [onsubmit]').count()).toBe(0);

    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: `${screenshotDir}notice-page.png`, fullPage: true });
    // On a phone: nothing wider than the screen, the button still there.
    await page.setViewportSize({ width: 360, height: 800 });
    expect(await page.locator('html').evaluate((root) => root.scrollWidth <= root.clientWidth)).toBe(true);
    expect(await acknowledgeButton(page).isVisible()).toBe(true);
    await page.screenshot({ path: `${screenshotDir}notice-page-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1000, height: 900 });

    // Opening did not acknowledge; neither does a reload, nor a second tab left open on the page.
    expect(await statusOf(changeId)).toBe('notice-sent');
    const reloaded = await navigation(page, () => page.reload());
    expect(reloaded.status()).toBe(200);
    expect(await acknowledgeButton(page).isVisible()).toBe(true);
    const staleTab = await context.newPage();
    expect((await staleTab.goto(href))?.status()).toBe(200);
    expect(await statusOf(changeId)).toBe('notice-sent');

    // The partner's deliberate act: the button posts the form (the CSP's form-action must allow it).
    const posted = await navigation(page, () => acknowledgeButton(page).click());
    expect(posted.request().method()).toBe('POST');
    expect(posted.url()).toMatch(/\/notices\/[^/]+\/acknowledgement$/);
    expect(posted.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain(
      'your acknowledgement is recorded',
    );
    const receipt = page.getByRole('status');
    expect(await receipt.isVisible()).toBe(true);
    // The hash is a small reference for the records; the message is when and what happens next.
    expect(await receipt.locator('.reference').innerText()).toMatch(
      /^Reference: sha256:[0-9a-f]{64} \(notice version 1\)$/,
    );
    const next = page.getByRole('region', { name: 'What happens next' });
    expect(await next.innerText()).toContain(`The change takes effect on ${dateInWords(effectiveDate)}.`);
    expect(await next.getByRole('link', { name: 'dana.whitfield@vendor.example' }).getAttribute('href')).toBe(
      'mailto:dana.whitfield@vendor.example',
    );
    // The 64-hex content hash is one unbreakable word: it must wrap inside the receipt box, even on a phone.
    for (const width of [1000, 360]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await receipt.evaluate((box) => box.scrollWidth <= box.clientWidth), `at ${width}px`).toBe(true);
    }
    await page.setViewportSize({ width: 1000, height: 900 });
    await page.screenshot({ path: `${screenshotDir}notice-receipt.png`, fullPage: true });
    expect(await statusOf(changeId)).toBe('scheduled');

    // The stale tab re-submits the form: recorded once, and it says so.
    const resubmitted = await navigation(staleTab, () => acknowledgeButton(staleTab).click());
    expect(resubmitted.status()).toBe(200);
    expect(await staleTab.getByRole('heading', { level: 1 }).innerText()).toContain('Already recorded');
    await staleTab.close();

    // Back to the notice page (no-store: fetched again) and the link opened afresh: a receipt, no button.
    for (const visit of [() => page.goBack(), () => page.goto(href)]) {
      const response = await visit();
      expect(response?.status()).toBe(200);
      expect(page.url()).toBe(href);
      expect(await page.getByText('This notice has already been acknowledged').isVisible()).toBe(true);
      expect(await acknowledgeButton(page).count()).toBe(0);
      expect(await page.locator('blockquote.rationale').innerText()).toBe(realRationale);
    }

    // A tampered link: one character of the signature changed.
    const url = new URL(href);
    const token = url.searchParams.get('token')!;
    const at = token.indexOf('.') + 5;
    url.searchParams.set(
      'token',
      `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`,
    );
    const tampered = await page.goto(url.toString());
    expect(tampered?.status()).toBe(403);
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe('This link is not valid');
    expect(await page.getByRole('alert').isVisible()).toBe(true);
    expect(await acknowledgeButton(page).count()).toBe(0);
    expect(await page.getByText(realRationale).count()).toBe(0);

    expect(await statusOf(changeId)).toBe('scheduled');
    expect(await api.messagesOf(changeId, ['notice'])).toHaveLength(1);
    await page.close();
  });

  it('on a phone (390×844): the notice, its receipt and a refused link fit the screen, pass axe and say what matters', async () => {
    const now = await api.now();
    const effectiveDate = isoDateAfter(now, 33);
    const changeId = await submitCut({
      partnerId: 'adventure-works',
      currentRatePct: 10,
      newRatePct: 9,
      effectiveDate,
      rationale: realRationale,
    });
    expect(await statusOf(changeId)).toBe('notice-sent');
    const href = (await api.messagesOf(changeId, ['notice']))[0]!.links[0]!;
    // axe is injected as a script: only this test context bypasses the pages' script-free CSP.
    const phone = await browser.newContext({ viewport: PHONE, bypassCSP: true, deviceScaleFactor: 2 });
    const page = await phone.newPage();
    const ready = async (name: string) => {
      expect(await fitsScreen(page), `${name}: no sideways scrolling at ${PHONE.width} px`).toBe(true);
      expect(await seriousAxeViolations(page), `${name}: axe`).toEqual([]);
    };

    expect((await page.goto(href))?.status()).toBe(200);
    await ready('notice');
    expect((await fact(page, 'Per $10,000 of bookings').innerText()).trim()).toBe('$1,000 → $900');
    expect((await fact(page, 'Takes effect from').innerText()).trim()).toBe(dateInWords(effectiveDate));
    const mailto = fact(page, 'Your alliance manager').getByRole('link', {
      name: 'dana.whitfield@vendor.example',
    });
    expect(await mailto.isVisible()).toBe(true);
    expect(await mailto.getAttribute('href')).toBe('mailto:dana.whitfield@vendor.example');
    // One primary action, with the concern beside it as a secondary one.
    expect(await page.locator('button.primary').count()).toBe(1);
    expect(await acknowledgeButton(page).isVisible()).toBe(true);
    expect(await page.locator('summary', { hasText: 'Raise a concern' }).isVisible()).toBe(true);
    // A tap target is at least 44 px high (WCAG 2.5.5's size, Apple's and Google's guidance).
    expect((await acknowledgeButton(page).boundingBox())!.height).toBeGreaterThanOrEqual(44);
    mkdirSync(docsScreenshotDir, { recursive: true });
    // The change id differs on every run: hidden, so the committed picture changes only when the page does.
    await page.screenshot({
      path: `${docsScreenshotDir}notice-phone.png`,
      fullPage: true,
      style: '.meta{visibility:hidden}',
    });
    await page.locator('summary', { hasText: 'Raise a concern' }).click();
    expect(await page.getByLabel('Your concern').isVisible()).toBe(true);
    await ready('notice with the concern form open');

    await navigation(page, () => acknowledgeButton(page).click());
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain(
      'your acknowledgement is recorded',
    );
    await ready('receipt');
    const next = page.getByRole('region', { name: 'What happens next' });
    expect(await next.innerText()).toContain(`The change takes effect on ${dateInWords(effectiveDate)}.`);
    expect(await next.getByRole('link', { name: 'dana.whitfield@vendor.example' }).isVisible()).toBe(true);
    await page.screenshot({ path: `${screenshotDir}notice-receipt-phone.png`, fullPage: true });

    // A link cut short and one with a forged signature: how to get a fresh link, and nothing of the notice.
    const url = new URL(href);
    for (const token of ['', `${url.searchParams.get('token')!.split('.')[0]}.forged`]) {
      url.searchParams.set('token', token);
      const refused = await page.goto(url.toString());
      expect(refused?.status()).toBe(403);
      await ready(`refused link "${token.slice(-8)}"`);
      expect(await page.getByRole('heading', { name: 'How to get a fresh link' }).isVisible()).toBe(true);
      expect(await page.getByText('Reply to the notice email you received').isVisible()).toBe(true);
      const shown = await page.locator('body').innerText();
      for (const secret of ['Dana', 'vendor.example', 'Adventure', '10%', changeId]) {
        expect(shown, `a refused link reveals nothing (${secret})`).not.toContain(secret);
      }
    }
    await page.screenshot({ path: `${screenshotDir}link-invalid-phone.png`, fullPage: true });

    // The developer pages, on the same phone: the outbox's notice links are big enough to tap.
    for (const path of ['/dev', '/dev/outbox']) {
      const response = await page.goto(`${system.baseUrl}${path}`);
      expect(response?.status(), path).toBe(200);
      expect(await fitsScreen(page), `${path}: no sideways scrolling at ${PHONE.width} px`).toBe(true);
      expect(await seriousAxeViolations(page), `${path}: axe`).toEqual([]);
    }
    const noticeLinks = page.locator('article a[href*="/notices/"]');
    expect(await noticeLinks.count()).toBeGreaterThan(0);
    for (const box of [await noticeLinks.first().boundingBox(), await noticeLinks.last().boundingBox()]) {
      expect(box!.height).toBeGreaterThanOrEqual(44);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    }
    await page.screenshot({ path: `${screenshotDir}outbox-phone.png` });
    await phone.close();
  });

  it('shows markup in a rationale as literal text, never as markup or script', async () => {
    const rationale =
      'Freight from our <b>bold</b> new distributor costs 7% more since March <script>alert(1)</script>, ' +
      'so the resale margin we share shrinks; a services attach bonus of 2% makes your installs earn more.';
    const now = await api.now();
    const changeId = await submitCut({
      partnerId: 'contoso-value-partners',
      currentRatePct: 15,
      newRatePct: 14,
      effectiveDate: isoDateAfter(now, 46),
      rationale,
    });
    expect(await statusOf(changeId)).toBe('notice-sent');

    const page = await context.newPage();
    await page.goto(`${system.baseUrl}/dev/outbox`);
    expect(await page.locator('script, b').count()).toBe(0);
    // Contoso has two primary contacts: one notice each, and the two approvers' requests quote it too; the
    // rationale is escaped in all four.
    expect(await page.locator('article pre').filter({ hasText: rationale }).count()).toBe(4);
    const href = (await api.outbox()).find((item) => item.changeId === changeId && item.kind === 'notice')!
      .links[0]!;

    const opened = await page.goto(href);
    expect(opened?.status()).toBe(200);
    const shown = page.locator('blockquote.rationale');
    expect(await shown.innerText()).toBe(rationale);
    expect(await shown.locator('*').count()).toBe(0);
    expect(await shown.innerHTML()).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(await page.locator('b, script').count()).toBe(0);
    expect(await page.getByText('<b>bold</b>', { exact: false }).isVisible()).toBe(true);
    expect(await statusOf(changeId)).toBe('notice-sent');
    await page.close();
  });
});
