import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { seriousAxeViolations } from './browser.ts';

export const DESKTOP = { width: 1280, height: 900 } as const;

/**
 * A browser context for the console. `bypassCSP` lets the test inject axe-core; the console's own policy
 * (local/console-files.ts) forbids inline script, which the console never needs. Reduced motion (which
 * Cloudscape honours by dropping its fades): axe reads colours at one instant, and an alert still fading in
 * on a loaded machine read as low contrast (CI, 2026-12-04) though its final colours pass.
 */
export function consoleContext(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<BrowserContext> {
  return browser.newContext({ viewport, bypassCSP: true, reducedMotion: 'reduce' });
}

/** Signs in through the local dev sign-in page, as a person would: choose the person, the role, press Sign in. */
export async function signIn(page: Page, baseUrl: string, person: string, role: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('heading', { name: 'Sign in (local)' }).waitFor();
  await page.getByRole('button', { name: /Person/ }).click();
  await page.getByRole('option', { name: new RegExp(person) }).click();
  await page.getByRole('radio', { name: role }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
}

/** Axe's serious and critical findings on the page as it is now: the ones a release must not have. */
export async function expectNoSeriousAxeViolations(page: Page, where: string): Promise<void> {
  const violations = await seriousAxeViolations(page);
  expect(violations, `${where}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

/** Where the README's console screenshots are written. */
export const README_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** A full-page screenshot for the README, from the top (scrolled, the sticky top bar would be drawn mid-page). */
export async function readmeScreenshot(page: Page, file: string): Promise<void> {
  mkdirSync(README_SCREENSHOTS, { recursive: true });
  await page.evaluate(() =>
    (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
  );
  await page.screenshot({ path: `${README_SCREENSHOTS}${file}`, fullPage: true });
}
