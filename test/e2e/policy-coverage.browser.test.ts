import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { axeViolations, fitsScreen, launchChromium, PHONE } from '../support/browser.ts';
import { consoleContext, DESKTOP } from '../support/console.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * A policy change's live coverage in the console, in a real Chromium against the whole local system: a
 * favourable change to the EMEA partners of the seed directory (northwind-resellers and fabrikam-solutions)
 * is approved at submission, the workflow sends its notice round, and the detail page shows how far it
 * reached (the progress bars, the counts, the rounds) and the partners, filterable by state. The list and the
 * detail page have no axe violations on a phone or a desk, and nothing scrolls sideways.
 */
let system: LocalSystem;
let api: ApiClient;
let browser: Browser;
let policyChangeId: string;
const title = 'Faster MDF reimbursement';

beforeAll(async () => {
  browser = await launchChromium();
  ({ system, api } = await startTestSystem());
  const dana = await api.token('partner-manager', 'dana');
  const submitted = await api.request<{ policyChangeId: string; status: string }>(
    'POST',
    '/api/policy-changes',
    {
      token: dana,
      json: {
        title,
        summary: 'Market development fund claims are now reimbursed within 15 days instead of 45.',
        policyText: 'Section 4.3. Approved MDF claims are paid within 15 days of approval.',
        rationale: realRationale,
        adverse: false,
        effectiveDate: isoDateAfter(await api.now(), 7),
        segment: { by: 'region', regions: ['EMEA'] },
      },
    },
  );
  expect(submitted.status, submitted.text).toBe(201);
  expect(submitted.body.status).toBe('approved');
  policyChangeId = submitted.body.policyChangeId;
  // The workflow sends the notice round and waits for the first reminder day: everything due now is done.
  await api.settle();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('a policy change’s coverage in the console', () => {
  it('lists the change, shows how far its notice reached with the partners by state, on a phone and a desk', async () => {
    const compliance = await api.token('compliance', 'colin');
    const coverage = await api.request<{ targeted: number; notified: number; status: string }>(
      'GET',
      `/api/policy-changes/${policyChangeId}/coverage`,
      { token: compliance },
    );
    expect(coverage.status, coverage.text).toBe(200);
    expect(coverage.body).toMatchObject({ targeted: 2, notified: 2, status: 'notified' });

    for (const viewport of [PHONE, DESKTOP]) {
      const where = viewport === PHONE ? 'phone' : 'desktop';
      const context = await consoleContext(browser, viewport);
      const page = await context.newPage();
      await page.goto(`${system.baseUrl}/config.json`);
      const token = await api.token('compliance', 'colin');
      await page.evaluate((value) => sessionStorage.setItem('pcn.session', value), token);

      await page.goto(`${system.baseUrl}/policy-changes`);
      await page.getByRole('heading', { name: 'Policy changes', level: 1 }).waitFor();
      const link = page.getByTestId('policy-changes').getByRole('link', { name: title });
      await link.waitFor();
      expect(await axeViolations(page), `list on a ${where}`).toEqual([]);
      expect(await fitsScreen(page), `list on a ${where}`).toBe(true);
      await link.click();

      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      await expect.poll(() => page.getByTestId('policy-status').textContent()).toBe('Notified');
      const acknowledged = page.getByTestId('acknowledged-progress');
      await acknowledged.getByText('0 of 2 partners').waitFor();
      expect(await acknowledged.getByRole('progressbar').getAttribute('value')).toBe('0');
      const notified = page.getByTestId('notified-progress');
      await notified.getByText('2 of 2 partners').waitFor();
      expect(await notified.getByRole('progressbar').getAttribute('value')).toBe('100');
      await expect.poll(() => page.getByTestId('coverage-chart').locator('svg').count()).toBeGreaterThan(0);
      const rounds = page.getByTestId('policy-rounds');
      await rounds.getByText('v1-notice').waitFor();

      const partners = page.getByTestId('policy-recipients');
      const rows = partners.locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(2);
      for (const name of ['Northwind', 'Fabrikam'])
        await expect.poll(() => partners.getByText(name).count()).toBeGreaterThan(0);
      expect(await axeViolations(page), `detail on a ${where}`).toEqual([]);
      expect(await fitsScreen(page), `detail on a ${where}`).toBe(true);

      // Nobody has acknowledged yet: that filter is empty, and the address keeps it.
      await partners.getByRole('button', { name: /State/ }).click();
      await page.getByRole('option', { name: 'Acknowledged' }).click();
      await partners.getByText('No partner is acknowledged').waitFor();
      expect(new URL(page.url()).searchParams.get('state')).toBe('acknowledged');
      await partners.getByRole('button', { name: /State/ }).click();
      await page.getByRole('option', { name: 'Delivered' }).click();
      await expect.poll(() => rows.count()).toBe(2);
      for (const row of await rows.all()) expect(await row.textContent()).toContain('Delivered');
      expect(await axeViolations(page), `filtered detail on a ${where}`).toEqual([]);
      await context.close();
    }
  }, 120_000);
});
