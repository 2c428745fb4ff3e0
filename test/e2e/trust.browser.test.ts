import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { fitsScreen, launchChromium, PHONE } from '../support/browser.ts';
import {
  consoleContext,
  DESKTOP,
  expectNoSeriousAxeViolations,
  readmeScreenshot,
} from '../support/console.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The console's trust pages in a real Chromium against the whole local system, after a cut has travelled
 * the lifecycle (acknowledged, applied on the virtual clock): a partner's trust page draws the score over time
 * with a marker per event and lists the ledger beside it; the portfolio lists every partner lowest score first
 * under the per-stage health. Each page is checked with axe and for sideways scrolling on a phone and a desk.
 */
const partnerId = 'northwind-resellers';

let system: LocalSystem;
let api: ApiClient;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  let finance: string;
  ({ system, api, finance } = await startTestSystem());
  // A cut through the whole lifecycle: it leaves a prompt acknowledgement, the cut and the full notice.
  const { link } = await api.approvedCut(finance, partnerId, 12, 31);
  await api.acknowledgeLink(link);
  await api.advance(32);
  await api.settle();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('the console’s trust pages', () => {
  it('draw a partner’s score with its event markers beside the ledger, and the portfolio by score, on a phone and a desk', async () => {
    for (const viewport of [PHONE, DESKTOP]) {
      const context = await consoleContext(browser, viewport);
      const page = await context.newPage();
      await page.goto(`${system.baseUrl}/config.json`);
      const token = await api.token('finance', 'fiona');
      await page.evaluate((value) => sessionStorage.setItem('pcn.session', value), token);
      const name = viewport === PHONE ? 'phone' : 'desktop';

      await page.goto(`${system.baseUrl}/partners/${partnerId}/trust`);
      await page.getByRole('heading', { name: /Trust:/, level: 1 }).waitFor();
      const chart = page.getByTestId('trust-chart');
      await chart.waitFor();
      // One marker per instant an event moved the score: the acknowledgement and the apply.
      expect(Number(await chart.getAttribute('data-markers'))).toBeGreaterThanOrEqual(2);
      await expect.poll(() => chart.locator('svg').count()).toBeGreaterThan(0);
      const ledger = page.getByTestId('trust-ledger');
      for (const rule of [
        'Commission rate cut',
        'Notice given with the full notice period',
        'Partner acknowledged before the first reminder',
      ])
        await expect.poll(() => ledger.getByText(rule).count()).toBeGreaterThan(0);
      await expectNoSeriousAxeViolations(page, `trust page at ${viewport.width}`);
      expect(await fitsScreen(page), `trust page at ${viewport.width}`).toBe(true);
      await readmeScreenshot(page, `console-partner-trust-${name}.png`);

      await page.goto(`${system.baseUrl}/trust`);
      await page.getByRole('heading', { name: 'Trust portfolio', level: 1 }).waitFor();
      const rows = page.getByTestId('trust-portfolio').locator('tbody tr');
      await rows.first().waitFor();
      // Lowest score first: Northwind, the one with the cut, leads.
      await expect.poll(() => rows.first().textContent()).toContain('Northwind');
      await page.getByRole('button', { name: 'Download CSV' }).waitFor();
      await expectNoSeriousAxeViolations(page, `portfolio at ${viewport.width}`);
      expect(await fitsScreen(page), `portfolio at ${viewport.width}`).toBe(true);
      await readmeScreenshot(page, `console-trust-portfolio-${name}.png`);
      await context.close();
    }
  }, 120_000);
});
