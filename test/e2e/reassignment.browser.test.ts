import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter } from '../support/api-client.ts';
import { launchChromium } from '../support/browser.ts';
import { consoleContext, expectNoSeriousAxeViolations, signIn } from '../support/console.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The reassignment in a real Chromium: Dana reassigns Northwind to Rita from the partner page (the dry run's
 * preview in the dialog), and, once the partner is told, records her handover from the change page.
 */
let system: LocalSystem;
let api: ApiClient;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  ({ system, api } = await startTestSystem());
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

const rationale =
  'Dana moves to lead our new distributor programme in March, so Rita, who already runs the three resellers ' +
  'next to you in the region, takes over your account because she knows your market and your products well.';

describe('the console’s reassignment', () => {
  it('reassigns from the partner page and records the outgoing manager’s handover on the change page', async () => {
    const context = await consoleContext(browser);
    const page = await context.newPage();
    await signIn(page, system.baseUrl, 'Dana Whitfield', 'Partner manager');
    await page.goto(`${system.baseUrl}/partners/northwind-resellers`);
    await page.getByRole('button', { name: 'Reassign alliance manager' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New alliance manager').fill('rita');
    await dialog.getByLabel('Handover date').fill(isoDateAfter(await api.now(), 35));
    await dialog.getByLabel('Rationale').fill(rationale);
    await dialog.getByText('Before you reassign').waitFor();
    await expectNoSeriousAxeViolations(page, 'reassign dialog');
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    const submitted = page.getByText(/Reassignment submitted as/);
    await submitted.waitFor();
    const changeId = (await submitted.getByRole('link').textContent()) ?? '';
    expect(changeId).toMatch(/^chg_/);

    await api.approve(changeId);
    await api.settle();
    await page.goto(`${system.baseUrl}/changes/${encodeURIComponent(changeId)}`);
    await page.getByRole('heading', { name: 'Handover' }).waitFor();
    await page.getByRole('button', { name: 'Record handover' }).click();
    await page
      .getByRole('dialog')
      .getByLabel('Handover note')
      .fill('Introduced Rita to Priya on the quarterly call.');
    await page.getByRole('dialog').getByRole('button', { name: 'Record handover' }).click();
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('heading', { name: 'Handover' }).waitFor();
          return page.getByText('Introduced Rita to Priya on the quarterly call.').count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await expectNoSeriousAxeViolations(page, 'reassignment change page');
    await context.close();
  }, 90_000);
});
