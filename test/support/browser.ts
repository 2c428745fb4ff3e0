import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, installed by `scripts/prepare-test-engines.ts` (which `npm test` runs first). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless real Chromium for the browser tests. A missing browser is a failure with the fix in its message,
 * never a silent skip: a green run must mean the pages were really tried in a browser.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}, so the browser tests cannot run. ` +
        'Run `npm test` once (its scripts/prepare-test-engines.ts installs it with apt-get when run as root), ' +
        'or install it yourself with `sudo apt-get install -y --no-install-recommends chromium`.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
