import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { fitsScreen, launchChromium, PHONE, seriousAxeViolations } from '../support/browser.ts';
import { policyRequest } from '../support/policy.ts';
import { startTestSystem, TEST_SYSTEM_START } from '../support/test-system.ts';

/**
 * A partner reading a policy notice in a real Chromium, on a phone and on a desk: the link from the outbox,
 * the page (no horizontal scrolling, no serious axe finding), "Acknowledge this policy change" pressed, the
 * receipt. Opening the page never acknowledges.
 */
let system: LocalSystem;
let api: ApiClient;
let browser: Browser;
const links = new Map<string, string>();

beforeAll(async () => {
  browser = await launchChromium();
  ({ system, api } = await startTestSystem());
  const manager = await api.token('partner-manager', 'dana');
  const submitted = await api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
    token: manager,
    json: policyRequest('EMEA', isoDateAfter(TEST_SYSTEM_START, 10), {
      rationale: `${realRationale} <script>alert(1)</script>`,
    }),
  });
  expect(submitted.status, submitted.text).toBe(201);
  await system.settle();
  for (const message of await system.outbox.list()) {
    if (message.changeId === submitted.body.policyChangeId && message.kind === 'notice')
      links.set(new URL(message.links[0]!).pathname.split('/').at(-1)!, message.links[0]!);
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('the policy notice page in Chromium', () => {
  for (const [width, partnerId] of [
    [PHONE.width, 'northwind-resellers'],
    [1280, 'fabrikam-solutions'],
  ] as const) {
    it(`at ${width} px: readable, axe-clean, acknowledged by pressing the button`, async () => {
      // bypassCSP lets the test inject axe-core; the page itself runs no script.
      const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
      try {
        const page = await context.newPage();
        const response = await page.goto(links.get(partnerId)!);
        expect(response?.status()).toBe(200);
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
          'Deal registration',
        );
        // The markup in the rationale is shown as text, never run.
        await expect(page.getByText('<script>alert(1)</script>', { exact: false }).count()).resolves.toBe(1);
        expect(await fitsScreen(page)).toBe(true);
        expect(await seriousAxeViolations(page)).toEqual([]);
        expect(
          (
            await system.deps.policyRecipients.get(
              new URL(links.get(partnerId)!).pathname.split('/')[2]!,
              partnerId,
            )
          )?.state,
        ).toBe('opened');

        await page.getByRole('button', { name: 'Acknowledge this policy change' }).click();
        await page.waitForLoadState('load');
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
          'your acknowledgement is recorded',
        );
        expect(await fitsScreen(page)).toBe(true);
        expect(await seriousAxeViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    }, 60_000);
  }
});
