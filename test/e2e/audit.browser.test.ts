import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { AuditTamperer } from '../support/audit-tampering.ts';
import { fitsScreen, launchChromium, PHONE } from '../support/browser.ts';
import {
  consoleContext,
  DESKTOP,
  expectNoSeriousAxeViolations,
  readmeScreenshot,
  signIn,
} from '../support/console.ts';
import { removeRendered, renderPdf } from '../support/pdf.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The console's audit page in a real Chromium against the whole local system, after a cut's notice was
 * opened and acknowledged and a digest sealed: compliance searches one partner's history (the filters in the
 * address, a bad date refused at its field), opens the acknowledgement and sees its evidence in plain words
 * and its proof, opens the open and is told it is no acknowledgement, verifies the partner's chains against
 * the digest, and downloads the export. Checked with axe and for sideways scrolling on a phone and a desk.
 */
const partnerId = 'northwind-resellers';
const partnerName = 'Northwind Resellers';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AuditTest/1.0';

interface Entry {
  stream: string;
  seq: number;
  type: string;
  details: Record<string, unknown>;
  hash: string;
}

let system: LocalSystem;
let api: ApiClient;
let browser: Browser;
let compliance: string;
let acknowledgement: Entry;
let changeId: string;
let digestNumber: number;

beforeAll(async () => {
  browser = await launchChromium();
  let finance: string;
  ({ system, api, finance } = await startTestSystem());
  const cut = await api.approvedCut(finance, partnerId, 12, 31);
  changeId = cut.changeId;
  const { link } = cut;
  // The link opened (as a scanner or the partner would), then the button pressed from a browser.
  await api.request('GET', `${link.pathname}${link.search}`, { headers: { 'user-agent': BROWSER_UA } });
  const acknowledged = await api.request('POST', `${link.pathname}/acknowledgement`, {
    form: { token: link.searchParams.get('token') ?? '' },
    headers: { 'user-agent': BROWSER_UA },
  });
  expect(acknowledged.status).toBeLessThan(400);
  await api.settle();
  compliance = await api.token('compliance', 'carla');
  const sealed = await api.request('POST', '/dev/audit/seal');
  expect(sealed.status).toBe(200);
  const digests = await api.request<{ digests: { number: number }[] }>('GET', '/api/audit/digests', {
    token: compliance,
  });
  digestNumber = digests.body.digests.at(-1)?.number ?? 0;
  expect(digestNumber).toBeGreaterThan(0);
  const chain = await api.request<{ entries: Entry[] }>('GET', `/api/audit?changeId=${changeId}`, {
    token: compliance,
  });
  const found = chain.body.entries.find((entry) => entry.type === 'acknowledgement-recorded');
  if (!found) throw new Error(`no acknowledgement entry: ${chain.text}`);
  acknowledgement = found;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

/** The rows of the entries table, once it has some. */
function rows(page: Page) {
  return page.getByTestId('audit-entries').locator('tbody tr');
}

/** The text a field's aria-describedby points at: where its error (and its description) is read out. */
async function describedBy(page: Page, field: Locator): Promise<string> {
  const ids = (await field.getAttribute('aria-describedby'))?.split(/\s+/).filter(Boolean) ?? [];
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

describe('the console’s audit page', () => {
  it('lets compliance search a partner’s history, open an acknowledgement’s evidence, verify and export, on a phone and a desk', async () => {
    for (const viewport of [PHONE, DESKTOP]) {
      const name = viewport === PHONE ? 'phone' : 'desktop';
      const context = await consoleContext(browser, viewport);
      const page = await context.newPage();
      await signIn(page, system.baseUrl, 'Carla Ruiz', 'Compliance');
      if (viewport === PHONE) await page.goto(`${system.baseUrl}/audit`);
      else await page.getByRole('link', { name: 'Audit trail', exact: true }).click();
      await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
      await rows(page).first().waitFor();

      // A bad date: the API's reason lands under the field it is about, and nothing else is searched.
      const from = page.getByRole('textbox', { name: /^From/ });
      await from.fill('yesterday');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByText('must be a date YYYY-MM-DD or an ISO 8601 time').first().waitFor();
      expect(await describedBy(page, from)).toContain('must be a date YYYY-MM-DD or an ISO 8601 time');
      expect(await describedBy(page, page.getByRole('textbox', { name: /^Actor/ }))).not.toContain(
        'must be a date',
      );
      expect(new URL(page.url()).searchParams.get('from')).toBe('yesterday');
      await expectNoSeriousAxeViolations(page, `audit search refused at ${viewport.width}`);
      await from.fill('');

      // One partner: the table becomes its history, and the search is in the address.
      await page.getByRole('button', { name: /^Partner/ }).click();
      await page.getByPlaceholder('Search by name or id').fill('northwind');
      await page.getByRole('option', { name: new RegExp(partnerName) }).click();
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('heading', { name: `History of ${partnerName}`, level: 1 }).waitFor();
      const address = new URL(page.url());
      expect(address.searchParams.get('partnerId')).toBe(partnerId);
      expect(address.searchParams.get('from')).toBeNull();
      for (const type of ['Notice sent', 'Notice opened', 'Acknowledgement recorded'])
        await expect.poll(() => rows(page).filter({ hasText: type }).count()).toBeGreaterThan(0);
      expect(await rows(page).count()).toBe(7);
      expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      await expectNoSeriousAxeViolations(page, `partner history at ${viewport.width}`);
      expect(await fitsScreen(page), `partner history at ${viewport.width}`).toBe(true);
      await readmeScreenshot(page, `console-audit-${name}.png`);

      // The acknowledgement opened: who, when, from where, of which words, and its place in the chain.
      await page.getByRole('button', { name: 'Acknowledgement recorded', exact: true }).click();
      const modal = page.getByRole('dialog');
      const evidence = modal.getByTestId('acknowledgement-evidence');
      await evidence.waitFor();
      const evidenceRows: [string, string][] = [
        ['IP address', String(acknowledgement.details.sourceIp)],
        ['User agent (browser)', BROWSER_UA],
        ['Content hash of the notice shown', String(acknowledgement.details.contentHash)],
        ['Notice version', String(acknowledgement.details.noticeVersion)],
        ['Recipient (contact)', String(acknowledgement.details.contactId)],
      ];
      for (const [label, value] of evidenceRows) {
        await evidence.getByText(label, { exact: true }).waitFor();
        await evidence.getByText(value, { exact: true }).waitFor();
      }
      await modal.getByText(acknowledgement.hash, { exact: true }).waitFor();
      await modal.getByText('Sequence number').waitFor();
      await modal.getByText('Previous hash').waitFor();
      await modal.getByRole('button', { name: 'Evidence pack (PDF)' }).waitFor();
      await expectNoSeriousAxeViolations(page, `acknowledgement entry at ${viewport.width}`);
      await readmeScreenshot(page, `console-audit-entry-${name}.png`);
      await modal.getByRole('button', { name: 'Close', exact: true }).click();
      await modal.waitFor({ state: 'hidden' });

      // An open is shown for what it is: maybe a scanner, never an acknowledgement.
      await page.getByRole('button', { name: 'Notice opened', exact: true }).click();
      await page.getByRole('dialog').getByText('An open is not an acknowledgement').waitFor();
      expect(await page.getByRole('dialog').getByTestId('acknowledgement-evidence').count()).toBe(0);
      await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();

      // Verify the partner's chains: intact, anchored in the sealed digest.
      await page.getByRole('button', { name: 'Verify this partner’s chains' }).click();
      const verification = page.getByTestId('verification');
      await verification.getByText('The audit trail is intact').waitFor();
      await verification.getByText(`Digest ${digestNumber}`, { exact: true }).waitFor();
      await expectNoSeriousAxeViolations(page, `verification at ${viewport.width}`);
      expect(await fitsScreen(page), `verification at ${viewport.width}`).toBe(true);

      // The export, page by page into one JSON Lines file: every line an entry of this partner.
      await page.getByRole('button', { name: 'Download export' }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('menuitem', { name: 'JSON Lines (verifiable)' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`audit-export-${partnerId}.jsonl`);
      const lines = readFileSync(await download.path(), 'utf8')
        .trimEnd()
        .split('\n');
      const entries = lines.map((line) => JSON.parse(line) as Entry);
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.some((entry) => entry.hash === acknowledgement.hash)).toBe(true);
      await page.getByText(`Exported ${entries.length} entries as JSON Lines.`).waitFor();
      if (viewport === DESKTOP) {
        // Three at a time (the page size in the address): Load more reads on from the cursor, to the end.
        await page.goto(`${system.baseUrl}/audit?partnerId=${partnerId}&limit=3`);
        await page.getByRole('heading', { name: `History of ${partnerName}`, level: 1 }).waitFor();
        await expect.poll(() => rows(page).count(), { timeout: 15_000 }).toBe(3);
        const firstPage = await rows(page).allTextContents();
        await page.getByRole('button', { name: 'Load more' }).click();
        await expect.poll(() => rows(page).count()).toBe(6);
        expect((await rows(page).allTextContents()).slice(0, 3)).toEqual(firstPage);
        await page.getByRole('button', { name: 'Load more' }).click();
        await expect.poll(() => rows(page).count()).toBe(7);
        await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
        const all = await rows(page).allTextContents();
        expect(new Set(all).size).toBe(7);
        // A change's id alone: its whole chain, verified, with the evidence pack beside it.
        await page.getByRole('button', { name: 'Clear filters' }).click();
        await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
        await page.getByRole('textbox', { name: 'Change id' }).fill(changeId);
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.getByRole('heading', { name: `Audit of change ${changeId}`, level: 1 }).waitFor();
        await page.getByText('This change’s chain is intact').waitFor();
        const [pdf] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: 'Evidence pack (PDF)' }).click(),
        ]);
        expect(pdf.suggestedFilename()).toBe(`${changeId}.evidence.pdf`);
        // Rendered as a reader would (pdftoppm to PNG, pdftotext for its words).
        const pngDir = mkdtempSync(join(tmpdir(), 'pcn-audit-pdf-'));
        const rendered = await renderPdf(readFileSync(await pdf.path()), pngDir);
        expect(rendered.pages.length).toBeGreaterThanOrEqual(1);
        expect(rendered.pages[0]!.bytes).toBeGreaterThan(5_000);
        expect(rendered.text).toContain(changeId);
        expect(rendered.text).toContain(acknowledgement.details.contentHash as string);
        await removeRendered(pngDir);
        await expect.poll(() => rows(page).count()).toBe(6);
        await expectNoSeriousAxeViolations(page, 'a change’s chain');
        await page.getByRole('button', { name: 'Download export' }).click();
        const [csv] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('menuitem', { name: 'CSV (for spreadsheets)' }).click(),
        ]);
        const text = readFileSync(await csv.path(), 'utf8');
        expect(text.split('\r\n')[0]).toBe('stream,seq,at,type,actor,details,prevHash,hash');
        expect(text).toContain(acknowledgement.hash);
      }
      await context.close();
    }
  }, 120_000);

  it('offers the audit trail to compliance only', async () => {
    const context = await consoleContext(browser);
    const page = await context.newPage();
    await signIn(page, system.baseUrl, 'Fiona Grant', 'Finance');
    await page.getByRole('link', { name: 'Changes', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Audit trail', exact: true }).count()).toBe(0);
    await page.goto(`${system.baseUrl}/audit`);
    await page.getByText('The audit trail is compliance’s to search').waitFor();
    expect(await page.getByRole('button', { name: 'Search', exact: true }).count()).toBe(0);
    await expectNoSeriousAxeViolations(page, 'audit page for finance');
    await context.close();
  });

  // Last: it tampers with the record the other tests read.
  it('names a tampered entry in the verification’s problem table, with a red verdict', async () => {
    const tamper = new AuditTamperer(system.deps.documentClient, system.deps.tables.auditTrail);
    await tamper.edit(acknowledgement.stream, acknowledgement.seq, { sourceIp: '203.0.113.9' });
    const context = await consoleContext(browser);
    const page = await context.newPage();
    await signIn(page, system.baseUrl, 'Carla Ruiz', 'Compliance');
    await page.goto(`${system.baseUrl}/audit?partnerId=${partnerId}`);
    await page.getByRole('heading', { name: `History of ${partnerName}`, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Verify this partner’s chains' }).click();
    const verification = page.getByTestId('verification');
    await verification.getByText('The audit trail has been tampered with').waitFor();
    const problem = verification
      .getByRole('table')
      .locator('tbody tr')
      .filter({ hasText: acknowledgement.stream });
    await expect.poll(() => problem.count()).toBeGreaterThan(0);
    const cells = await problem.first().locator('th, td').allTextContents();
    expect(cells[0]).toBe(acknowledgement.stream);
    expect(cells[1]).toBe(String(acknowledgement.seq));
    expect(cells[3]?.length).toBeGreaterThan(0);
    await expectNoSeriousAxeViolations(page, 'a tampered verification');
    await readmeScreenshot(page, 'console-audit-tampered.png');
    // The verdict was of this partner: another search starts without it.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
    expect(await page.getByTestId('verification').count()).toBe(0);
    await context.close();
  }, 60_000);
});
