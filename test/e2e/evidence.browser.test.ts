import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { launchChromium } from '../support/browser.ts';
import { DESKTOP, signIn } from '../support/console.ts';
import { removeRendered, renderPdf } from '../support/pdf.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The console's evidence-pack buttons on a change's page, in a real Chromium under the console's own content
 * policy: compliance downloads the PDF and the JSON of an acknowledged, sealed change; a finance person who
 * did not submit the change is not offered them (the API would refuse).
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let browser: Browser;
let changeId: string;
const scratch: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  ({ system, api, finance } = await startTestSystem());
  const cut = await api.approvedCut(finance, 'northwind-resellers', 12, 61);
  changeId = cut.changeId;
  expect((await api.acknowledgeLink(cut.link)).status).toBe(200);
  await api.settle();
  expect((await api.request('POST', '/dev/audit/seal')).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  for (const dir of scratch) await removeRendered(dir);
});

async function changePage(person: string, role: string): Promise<Page> {
  // No bypassCSP: the download must work under the policy the console is served with.
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, system.baseUrl, person, role);
  await page.goto(`${system.baseUrl}/changes/${encodeURIComponent(changeId)}`);
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();
  return page;
}

describe('the evidence pack in the console', () => {
  it('downloads the PDF and the JSON for compliance, named by the change', { timeout: 60_000 }, async () => {
    const page = await changePage('Carla Ruiz', 'Compliance');
    const [pdfDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Evidence pack (PDF)' }).click(),
    ]);
    expect(pdfDownload.suggestedFilename()).toBe(`${changeId}.evidence.pdf`);
    const pdfPath = await pdfDownload.path();
    const rendered = await renderPdf(pdfPath, `${pdfPath}-png`);
    scratch.push(`${pdfPath}-png`);
    expect(rendered.pages.length).toBeGreaterThanOrEqual(2);
    for (const expected of [changeId, 'Northwind Resellers', 'Acknowledged by', 'Digest 1', 'Result: intact'])
      expect(rendered.text).toContain(expected);

    const [jsonDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Evidence pack (JSON)' }).click(),
    ]);
    expect(jsonDownload.suggestedFilename()).toBe(`${changeId}.evidence.json`);
    const pack = JSON.parse(await readFile(await jsonDownload.path(), 'utf8'));
    expect(pack).toMatchObject({
      changeId,
      verification: { intact: true },
      digest: { sealed: true, number: 1 },
    });
    await page.context().close();
  });

  it('offers no evidence buttons to a finance person who did not submit the change', {
    timeout: 60_000,
  }, async () => {
    const page = await changePage('Felix Moreau', 'Finance');
    expect(await page.getByRole('button', { name: /Evidence pack/ }).count()).toBe(0);
    await page.context().close();
    const submitter = await changePage('Fiona Grant', 'Finance');
    expect(await submitter.getByRole('button', { name: /Evidence pack/ }).count()).toBe(2);
    await submitter.context().close();
  });
});
