import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { fitsScreen, launchChromium, PHONE } from '../support/browser.ts';
import { consoleContext, DESKTOP, expectNoSeriousAxeViolations, signIn } from '../support/console.ts';
import { startTestSystem, TEST_SYSTEM_START } from '../support/test-system.ts';

/**
 * The console as its people use it, in a real Chromium against the whole local system: finance submits a cut
 * (fixing the error the form shows), an approver approves it from the inbox, the partner acknowledges from the
 * outbox on a phone, time passes, and the change is applied; a partner's concern is answered from the inbox.
 * Every page is checked with axe on the way.
 */
const screenshots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

let system: LocalSystem;
let api: ApiClient;
let finance: string;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  ({ system, api, finance } = await startTestSystem());
  mkdirSync(screenshots, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function statusShown(page: Page): Promise<string> {
  return (await page.locator('[data-status][data-current]').getAttribute('data-status')) ?? '';
}

/** Reloads the change's page until the workflow has moved it to `status` (it runs on its own, in moments). */
async function waitForStatus(page: Page, status: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await api.settle();
        await page.reload();
        await page.locator('[data-status][data-current]').waitFor();
        return statusShown(page);
      },
      { timeout: 20_000, interval: 250 },
    )
    .toBe(status);
}

describe('the console', () => {
  it('takes a commission cut from submission to applied, each step done by the role it belongs to', async () => {
    // Finance submits, and first gets the form's own error for a date inside the notice period.
    const financeContext = await consoleContext(browser);
    const financePage = await financeContext.newPage();
    await signIn(financePage, system.baseUrl, 'Fiona Grant', 'Finance');
    await expectNoSeriousAxeViolations(financePage, 'inbox (finance)');
    await financePage.getByRole('link', { name: 'Submit a change' }).first().click();
    await financePage.getByRole('heading', { name: 'Submit a commission change' }).waitFor();
    await financePage.getByRole('button', { name: /Partner/ }).click();
    await financePage.getByRole('option', { name: /Northwind Resellers/ }).click();
    await expect.poll(() => financePage.getByTestId('current-rate').textContent()).toBe('12%');
    await financePage.getByLabel('New rate (%)').fill('11');
    const tooEarly = isoDateAfter(TEST_SYSTEM_START, 5);
    await financePage.getByLabel(/Effective date/).fill(tooEarly.replace(/-/g, '/'));
    await financePage.getByLabel('Rationale').fill(realRationale);
    await financePage.getByLabel('New rate (%)').click();
    await financePage.getByRole('button', { name: 'Submit for approval' }).click();
    const dateError = financePage.locator('[id$="-error"]', { hasText: /notice|earliest|days/i });
    await dateError.first().waitFor();
    const earliest =
      (await financePage.getByTestId('earliest-date').locator('time').getAttribute('datetime')) ?? '';
    expect(earliest > tooEarly).toBe(true);
    await expectNoSeriousAxeViolations(financePage, 'submit form with an error');
    await financePage.getByLabel(/Effective date/).fill(earliest.replace(/-/g, '/'));
    await expect.poll(() => financePage.getByTestId('trust-forecast').count()).toBe(1);
    await financePage.getByRole('button', { name: 'Submit for approval' }).click();
    await financePage.waitForURL(/\/changes\/chg_/);
    const changeId = decodeURIComponent(financePage.url().split('/changes/')[1] ?? '');
    await financePage.locator('[data-status][data-current]').waitFor();
    expect(await statusShown(financePage)).toBe('awaiting-approval');
    await expectNoSeriousAxeViolations(financePage, 'change detail (finance)');
    expect(await financePage.getByRole('button', { name: 'Approve or reject' }).count()).toBe(0);

    // The approver finds it in the inbox and approves it, with a confirmation.
    const approverContext = await consoleContext(browser);
    const approverPage = await approverContext.newPage();
    await signIn(approverPage, system.baseUrl, 'Amara Osei', 'Approver');
    await approverPage.getByRole('link', { name: 'Approve or reject' }).first().waitFor();
    await expectNoSeriousAxeViolations(approverPage, 'inbox (approver)');
    await approverPage.getByRole('link', { name: 'Approve or reject' }).first().click();
    await approverPage.getByRole('button', { name: 'Approve or reject' }).click();
    const dialog = approverPage.getByRole('dialog');
    await dialog.getByLabel('Comment').fill('Checked the numbers and the rationale.');
    await expectNoSeriousAxeViolations(approverPage, 'approval dialog');
    await dialog.getByRole('button', { name: 'Record decision' }).click();
    await waitForStatus(approverPage, 'notice-sent');

    // The notice appears, exactly as the partner will see it.
    const notice = approverPage.frameLocator('iframe[title="The notice as the partner sees it"]');
    await notice.getByText(realRationale.slice(0, 60)).waitFor();

    // The partner acknowledges from the email, on a phone.
    const [message] = await api.messagesOf(changeId, ['notice']);
    const link = message?.links[0] ?? '';
    expect(link).toContain('/notices/');
    const phone = await consoleContext(browser, PHONE);
    const partnerPage = await phone.newPage();
    await partnerPage.goto(`${system.baseUrl}/dev/outbox`, { waitUntil: 'load' });
    await partnerPage.locator(`a[href="${link}"]`).first().click();
    await partnerPage.getByRole('button', { name: /Acknowledge/ }).click();
    await partnerPage.getByRole('status').first().waitFor();
    expect(await fitsScreen(partnerPage)).toBe(true);
    await phone.close();

    // Time passes on the virtual clock, from the console's own banner, until the change applies.
    await financePage.goto(`${system.baseUrl}/changes/${encodeURIComponent(changeId)}`);
    await waitForStatus(financePage, 'scheduled');
    for (const days of ['30 days', '7 days']) {
      await financePage.getByRole('button', { name: 'Advance the clock' }).click();
      await financePage.getByRole('menuitem', { name: days }).click();
      await financePage
        .getByRole('button', { name: 'Advance the clock' })
        .and(financePage.locator(':not([aria-disabled="true"])'))
        .waitFor();
    }
    await waitForStatus(financePage, 'applied');
    await financePage
      .getByRole('list', { name: 'Timeline' })
      .getByText(/applied/i)
      .first()
      .waitFor();
    await financePage.screenshot({ path: `${screenshots}console-change-applied.png`, fullPage: true });

    // The changes table, as the README shows it.
    await financePage.goto(`${system.baseUrl}/changes`);
    await financePage.getByRole('link', { name: changeId }).waitFor();
    await expectNoSeriousAxeViolations(financePage, 'changes table');
    await financePage.screenshot({ path: `${screenshots}console-changes.png` });
    await financeContext.close();
    await approverContext.close();
  }, 120_000);

  it('never offers approval of one’s own change, even to a submitter who is also an approver', async () => {
    const response = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token: finance,
      json: {
        partnerId: 'fabrikam-solutions',
        currentRatePct: 18,
        newRatePct: 17,
        effectiveDate: isoDateAfter(await api.now(), 150),
        rationale: realRationale,
      },
    });
    expect(response.status, response.text).toBe(201);
    const { changeId } = response.body;
    const context = await consoleContext(browser);
    const page = await context.newPage();
    for (const [user, offered] of [
      ['fiona', 0],
      ['amara', 1],
    ] as const) {
      const token = await api.token('approver', user);
      await page.goto(`${system.baseUrl}/config.json`);
      await page.evaluate((value) => sessionStorage.setItem('pcn.session', value), token);
      await page.goto(`${system.baseUrl}/changes/${encodeURIComponent(changeId)}`);
      await page.locator('[data-status][data-current]').waitFor();
      expect(await page.getByRole('button', { name: 'Approve or reject' }).count(), user).toBe(offered);
    }
    await context.close();
  }, 60_000);

  it('lets the alliance manager answer a partner’s concern from the inbox', async () => {
    const response = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token: finance,
      json: {
        partnerId: 'contoso-value-partners',
        currentRatePct: 15,
        newRatePct: 14,
        effectiveDate: isoDateAfter(await api.now(), 75),
        rationale: realRationale,
      },
    });
    expect(response.status, response.text).toBe(201);
    const { changeId } = response.body;
    await api.approve(changeId);
    await api.settle();
    const [message] = await api.messagesOf(changeId, ['notice']);
    const phone = await consoleContext(browser, PHONE);
    const partnerPage = await phone.newPage();
    await partnerPage.goto(message?.links[0] ?? '');
    await partnerPage.locator('summary', { hasText: 'Raise a concern' }).click();
    await partnerPage
      .getByLabel('Your concern')
      .fill('This cut lands in our busiest quarter; can it wait until spring?');
    await partnerPage.getByRole('button', { name: 'Send my concern' }).click();
    await partnerPage.getByRole('status').first().waitFor();
    await phone.close();

    const context = await consoleContext(browser);
    const page = await context.newPage();
    await signIn(page, system.baseUrl, 'Luis Ortega', 'Partner manager');
    await page.getByRole('link', { name: 'Answer the partner’s concern' }).first().click();
    await page.getByRole('button', { name: 'Resolve dispute' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('radio', { name: /Upheld/ }).check();
    await dialog
      .getByLabel('Answer to the partner')
      .fill('We keep the date: the supplier increase applies from January for everyone.');
    await dialog.getByRole('button', { name: 'Resolve' }).click();
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('heading', { name: 'Partner’s concern' }).waitFor();
          return page.getByText(/upheld by luis/).count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await context.close();
  }, 90_000);

  it('has no serious accessibility problem and no sideways scrolling on any page, on a phone or a desk', async () => {
    for (const viewport of [PHONE, DESKTOP]) {
      const context = await consoleContext(browser, viewport);
      const page = await context.newPage();
      await page.goto(`${system.baseUrl}/`);
      await page.getByRole('heading', { name: 'Sign in (local)' }).waitFor();
      await expectNoSeriousAxeViolations(page, `sign-in at ${viewport.width}`);
      const token = await api.token('finance', 'fiona');
      await page.evaluate((value) => sessionStorage.setItem('pcn.session', value), token);
      for (const [path, ready] of [
        ['/inbox', 'Inbox'],
        ['/changes', 'Changes'],
        ['/changes/new', 'Submit a commission change'],
        ['/partners', 'Partners'],
        ['/partners/northwind-resellers', 'Northwind Resellers'],
        ['/no-such-page', 'Page not found'],
      ] as const) {
        await page.goto(`${system.baseUrl}${path}`);
        await page.getByRole('heading', { name: ready, level: 1 }).first().waitFor();
        await expectNoSeriousAxeViolations(page, `${path} at ${viewport.width}`);
        expect(await fitsScreen(page), `${path} at ${viewport.width}`).toBe(true);
      }
      await context.close();
    }
  }, 90_000);
});
