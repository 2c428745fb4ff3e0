import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { axeViolations, launchChromium, PHONE } from '../support/browser.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The partner's pages in a real Chromium at a phone's width (390 px) and a desktop's, checked with axe: the
 * notice with its two actions, raising a concern, the receipt of a concern, the notice once answered and
 * revised (the old version says it was replaced), and the problem pages.
 */
const screenshotDir = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const widths = { phone: PHONE.width, desktop: 1280 } as const;
const heights = { phone: PHONE.height, desktop: 900 } as const;

let system: LocalSystem;
let api: ApiClient;
let finance: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  ({ system, api, finance } = await startTestSystem());
  // axe is injected as a script: only this test context bypasses the pages' script-free CSP.
  context = await browser.newContext({ viewport: { width: widths.desktop, height: 900 }, bypassCSP: true });
  mkdirSync(screenshotDir, { recursive: true });
}, 90_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await system?.stop();
});

/** The page passes axe and fits the screen at both widths; a screenshot of each is kept in .tmp/. */
async function checkAtBothWidths(page: Page, name: string) {
  for (const device of ['phone', 'desktop'] as const) {
    await page.setViewportSize({ width: widths[device], height: heights[device] });
    expect(
      await page.locator('html').evaluate((root) => root.scrollWidth <= root.clientWidth),
      `${name} fits ${device}`,
    ).toBe(true);
    expect(await axeViolations(page), `${name} on a ${device}`).toEqual([]);
    await page.screenshot({ path: `${screenshotDir}${name}-${device}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: widths.desktop, height: 900 });
}

describe('raising a concern in a real browser', () => {
  it('from the notice page: the comment is required, the concern is recorded and shown, and the notice is paused', async () => {
    const changeId = (
      await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
        token: finance,
        json: {
          partnerId: 'northwind-resellers',
          currentRatePct: 12,
          newRatePct: 11,
          effectiveDate: isoDateAfter(await api.now(), 31),
          rationale: realRationale,
          internalNote: 'Do not mention the Q4 margin target to partners.',
        },
      })
    ).body.changeId;
    await api.approve(changeId);
    const href = (await api.messagesOf(changeId, ['notice']))[0]!.links[0]!;

    const page = await context.newPage();
    expect((await page.goto(href))?.status()).toBe(200);
    await checkAtBothWidths(page, 'notice');
    // The internal note never reaches the partner.
    expect(await page.content()).not.toContain('Q4 margin target');
    expect(await page.getByRole('button', { name: 'Acknowledge this notice' }).isVisible()).toBe(true);
    // The concern is the secondary action beside Acknowledge: its form opens on demand, without script.
    const comment = page.getByLabel('Your concern');
    expect(await comment.isVisible()).toBe(false);
    await page.locator('summary', { hasText: 'Raise a concern' }).click();
    expect(await comment.isVisible()).toBe(true);
    await checkAtBothWidths(page, 'notice-concern-open');

    // The browser itself refuses an empty concern (required), and nothing is sent.
    await page.getByRole('button', { name: 'Send my concern' }).click();
    expect(
      await comment.evaluate(
        (field) => (field as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing,
      ),
    ).toBe(true);
    expect(page.url()).toBe(href);

    await comment.fill('We have three deals in closing at 12%; moving them now would cost us the quarter.');
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => candidate.request().isNavigationRequest()),
      page.getByRole('button', { name: 'Send my concern' }).click(),
    ]);
    expect(response.status()).toBe(200);
    await page.waitForLoadState('load');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('your concern is recorded');
    expect(await page.getByRole('status').innerText()).toMatch(
      /Dana Whitfield, dana\.whitfield@vendor\.example owns it and will answer by \d{1,2} [A-Z][a-z]+ \d{4}\./,
    );
    expect(await page.getByRole('region', { name: 'What happens next' }).innerText()).toContain(
      'the change is paused',
    );
    await checkAtBothWidths(page, 'concern-recorded');
    expect((await api.view(changeId, finance)).status).toBe('disputed');

    // Back on the notice: the concern is shown instead of a second form; acknowledging is still possible.
    await page.goto(href);
    expect(await page.getByText('Your concern is being handled').isVisible()).toBe(true);
    expect(await page.getByLabel('Your concern').count()).toBe(0);
    expect(await page.locator('summary', { hasText: 'Raise a concern' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Acknowledge this notice' }).isVisible()).toBe(true);

    // Revised after the concern: the old link's page says so, without buttons; the new one works.
    const revised = await api.request('POST', `/api/changes/${changeId}/dispute-resolution`, {
      token: await api.token('partner-manager', 'dana'),
      json: {
        outcome: 'revised',
        answer: 'Deals in closing keep 12%: we narrowed the cut and kept the date you were given.',
        revision: { newRatePct: 11.5 },
        rationale: realRationale,
      },
    });
    expect(revised.status, revised.text).toBe(200);
    await api.settle();
    await page.goto(href);
    expect(await page.getByText('This notice has been replaced').isVisible()).toBe(true);
    expect(await page.getByRole('button').count()).toBe(0);
    await checkAtBothWidths(page, 'notice-replaced');
    const v2 = (await api.messagesOf(changeId, ['notice'])).find((message) =>
      message.messageId.includes('-v2#'),
    )!;
    await page.goto(v2.links[0]!);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(
      /^Revised notice of commission reduction: 12% → 11.5%/,
    );
    expect(await page.getByText('Replaces notice version 1').isVisible()).toBe(true);
    await checkAtBothWidths(page, 'notice-revised');
    await page.close();
  });

  it('the problem pages pass axe and fit a phone', async () => {
    const page = await context.newPage();
    const tampered = await page.goto(`${system.baseUrl}/notices/chg_x-v1?token=abc.def`);
    expect(tampered?.status()).toBe(403);
    await checkAtBothWidths(page, 'link-invalid');
    await page.close();
  });

  // Last: the clock moves past the change's date and the link's validity after it.
  it('an expired link names the alliance manager to ask for a fresh one (the signature is ours)', async () => {
    const changeId = (
      await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
        token: finance,
        json: {
          partnerId: 'adventure-works',
          currentRatePct: 10,
          newRatePct: 9,
          effectiveDate: isoDateAfter(await api.now(), 31),
          rationale: realRationale,
        },
      })
    ).body.changeId;
    await api.approve(changeId);
    const href = (await api.messagesOf(changeId, ['notice']))[0]!.links[0]!;
    await api.advance(31 + 61);

    const page = await context.newPage();
    expect((await page.goto(href))?.status()).toBe(410);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('This link has expired');
    const fresh = page.getByRole('heading', { name: 'How to get a fresh link' }).locator('..');
    expect(await fresh.innerText()).toContain('Dana Whitfield');
    expect(
      await fresh.getByRole('link', { name: 'dana.whitfield@vendor.example' }).getAttribute('href'),
    ).toBe('mailto:dana.whitfield@vendor.example');
    await checkAtBothWidths(page, 'link-expired');
    await page.close();
  }, 120_000);
});
