import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvHeader, formatCsvRow, formatJsonLine } from '../../functions/directory/import-format.ts';
import type { NewPartner } from '../../functions/directory/profile.ts';
import { syntheticPartners } from '../../functions/directory/synthetic.ts';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, realRationale } from '../support/api-client.ts';
import { fitsScreen, launchChromium, PHONE } from '../support/browser.ts';
import {
  consoleContext,
  DESKTOP,
  expectNoSeriousAxeViolations,
  readmeScreenshot,
  signIn,
} from '../support/console.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The console's partner directory in a real Chromium against the whole local system: a partner manager
 * searches and filters the list, edits a partner while someone else saves it (the 409, reload, save), adds a
 * partner, moves a stage with the API's preview, and imports a CSV with one bad row (the dry-run preview names
 * its line and field; the import creates the others); finance only reads. Each page is checked with axe and
 * for sideways scrolling on a phone and a desk.
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

/** The partner names the list shows now, once it has loaded. */
async function listedNames(page: Page): Promise<string[]> {
  await page.locator('table tbody tr').first().waitFor();
  return page.locator('table tbody tr th a, table tbody tr td a').allTextContents();
}

async function expectListed(page: Page, names: string[]): Promise<void> {
  await expect.poll(() => listedNames(page), { timeout: 10_000 }).toEqual(names);
}

function importRow(id: string, name: string, email: string): NewPartner {
  return {
    partnerId: id,
    name,
    stage: 'transactional',
    region: 'APAC',
    tier: 'registered',
    tags: ['imported'],
    allianceManager: { userId: 'rita', name: 'Rita Okafor', email: 'rita.okafor@vendor.example' },
    contacts: [{ contactId: `${id}-ops`, name: 'Kai Tan', email, role: 'primary' }],
    openingRates: [{ ratePct: 10, effectiveFrom: '2026-01-01' }],
  };
}

describe('the console’s partner directory', () => {
  it('lets a partner manager find, edit, add, move and import partners', async () => {
    const context = await consoleContext(browser);
    const page = await context.newPage();
    await signIn(page, system.baseUrl, 'Luis Ortega', 'Partner manager');
    await page.getByRole('link', { name: 'Partners', exact: true }).click();
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    await expectListed(page, [
      'Adventure Works Distribution',
      'Contoso Value Partners',
      'Fabrikam Solutions',
      'Northwind Resellers',
      'Tailspin MSP Alliance',
    ]);
    await readmeScreenshot(page, 'console-partners.png');

    // Search, then filters: each lands in the address, so the view can be shared.
    await page.getByPlaceholder('Name or id').fill('north');
    await expectListed(page, ['Northwind Resellers']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('north');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('button', { name: /Stage/ }).click();
    await page.getByRole('option', { name: 'Enhanced' }).click();
    await expectListed(page, ['Contoso Value Partners']);
    expect(new URL(page.url()).searchParams.get('stage')).toBe('enhanced');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('textbox', { name: 'Region', exact: true }).fill('EMEA');
    await expectListed(page, ['Fabrikam Solutions', 'Northwind Resellers']);
    await page.getByRole('textbox', { name: 'Tier', exact: true }).fill('gold');
    await expectListed(page, ['Fabrikam Solutions']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('textbox', { name: 'Tag', exact: true }).fill('cloud');
    await expectListed(page, ['Contoso Value Partners']);
    expect(new URL(page.url()).searchParams.get('tag')).toBe('cloud');

    // The partner's page, then its edit form.
    await page.getByRole('link', { name: 'Contoso Value Partners' }).click();
    await page.getByRole('heading', { name: 'Contoso Value Partners', level: 1 }).waitFor();
    expect(await page.getByTestId('partner-version').textContent()).toBe('1');
    await page.getByRole('heading', { name: 'Stage history' }).waitFor();
    await readmeScreenshot(page, 'console-partner-detail.png');
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit Contoso Value Partners', level: 1 }).waitFor();

    // The API's reason lands on the field it is about.
    await page.getByLabel('Contact 1 email').fill('not-an-email');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .locator('[id*="error"]', { hasText: /valid email/ })
      .first()
      .waitFor();
    await expectNoSeriousAxeViolations(page, 'edit form with an error');
    await page.getByLabel('Contact 1 email').fill('maya.chen@contoso.example');
    await page.getByLabel('Tier (optional)').fill('gold');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.getByLabel('Contact 4 name').fill('Noor Haddad');
    await page.getByLabel('Contact 4 email').fill('noor.haddad@contoso.example');

    // Meanwhile someone else saves the partner.
    const other = await api.token('partner-manager', 'dana');
    const theirs = await api.request('PUT', '/api/partners/contoso-value-partners', {
      token: other,
      json: {
        version: 1,
        name: 'Contoso Value Partners Ltd',
        region: 'NA',
        tier: 'silver',
        tags: ['cloud', 'var'],
        allianceManager: { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
        contacts: [
          { contactId: 'cv-finance', name: 'Maya Chen', email: 'maya.chen@contoso.example', role: 'primary' },
          {
            contactId: 'cv-office',
            name: 'Ines Duarte',
            email: 'ines.duarte@contoso.example',
            role: 'fallback',
          },
        ],
      },
    });
    expect(theirs.status, theirs.text).toBe(200);
    await page.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByText('Someone else changed this partner');
    await conflict.waitFor();
    await page.getByText('Contoso Value Partners Ltd').first().waitFor();
    await expectNoSeriousAxeViolations(page, 'edit form after a conflict');
    await readmeScreenshot(page, 'console-partner-edit-conflict.png');
    await page.getByRole('button', { name: 'Reload their version' }).click();
    await expect.poll(() => conflict.count()).toBe(0);
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Contoso Value Partners Ltd');
    await page.getByLabel('Tier (optional)').fill('gold');
    await page.getByRole('button', { name: 'Remove contact Ines Duarte' }).click();
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.getByLabel('Contact 2 name').fill('Noor Haddad');
    await page.getByLabel('Contact 2 email').fill('noor.haddad@contoso.example');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved: Contoso Value Partners Ltd is at version 3.').waitFor();
    const saved = await api.request<{ tier: string; contacts: { name: string; role: string }[] }>(
      'GET',
      '/api/partners/contoso-value-partners',
      { token: other },
    );
    expect(saved.body.tier).toBe('gold');
    expect(saved.body.contacts.map((contact) => `${contact.name}:${contact.role}`)).toEqual([
      'Maya Chen:primary',
      'Noor Haddad:fallback',
    ]);

    // A stage move down, previewed by the API before anything is recorded.
    await page.getByRole('button', { name: 'Move stage' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('radio', { name: /Transactional/ }).check();
    await dialog.getByLabel('Effective date').fill('2026-12-01');
    await dialog.getByTestId('stage-earliest-date').waitFor();
    const earliest =
      (await dialog.getByTestId('stage-earliest-date').locator('time').getAttribute('datetime')) ?? '';
    expect(earliest > '2026-12-01').toBe(true);
    await dialog.getByLabel('Effective date').fill(earliest);
    await dialog.getByLabel('Rationale').fill(realRationale);
    await dialog.getByText('Adverse').waitFor();
    await expectNoSeriousAxeViolations(page, 'stage move dialog');
    await dialog.getByRole('button', { name: 'Move stage' }).click();
    await page.getByText(/Stage move submitted as/).waitFor();
    // The dialog closes on success; until it has, it covers the navigation the next step clicks.
    await dialog.waitFor({ state: 'hidden' });
    const history = page.getByRole('table', { name: 'Stage history' });
    await history.getByRole('row', { name: /Enhanced → Transactional.*Awaiting approval/ }).waitFor();

    // A partner added by hand: the API's reasons first, then the partner's page.
    await page.getByRole('link', { name: 'Add partner' }).first().click();
    await page.getByRole('heading', { name: 'Add a partner', level: 1 }).waitFor();
    await page.getByLabel('Partner id').fill('litware-systems');
    await page.getByRole('button', { name: /^Stage/ }).click();
    await page.getByRole('option', { name: 'Collaborative' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Litware Systems');
    await page.getByLabel('Contact 1 name').fill('Ana Silva');
    await page.getByLabel('Contact 1 email').fill('ana.silva@litware.example');
    await page.getByRole('button', { name: 'Add partner' }).click();
    await page
      .locator('[id*="error"]', { hasText: /must not be empty/ })
      .first()
      .waitFor();
    await expectNoSeriousAxeViolations(page, 'add-partner form with errors');
    await page.getByLabel('Alliance manager’s user id').fill('luis');
    await page.getByLabel('Alliance manager’s name').fill('Luis Ortega');
    await page.getByLabel('Alliance manager’s email').fill('luis.ortega@vendor.example');
    await page.getByLabel('Rate (%)').fill('14');
    await page.getByLabel('From (UTC day)').fill('2026-12-01');
    await page.getByRole('button', { name: 'Add partner' }).click();
    await page.getByRole('heading', { name: 'Litware Systems', level: 1 }).waitFor();

    // An import: the dry run names the bad row's line and field; the import then writes the good rows.
    await page.getByRole('link', { name: 'Import partners' }).click();
    await page.getByRole('heading', { name: 'Import partners', level: 1 }).waitFor();
    const csv =
      csvHeader() +
      formatCsvRow(importRow('wingtip-toys', 'Wingtip Toys', 'kai.tan@wingtip.example')) +
      formatCsvRow(importRow('bad-email-co', 'Bad Email Co', 'no-at-sign')) +
      formatCsvRow(importRow('woodgrove-it', 'Woodgrove IT', 'kai.tan@woodgrove.example'));
    await page
      .locator('input[type="file"]')
      .setInputFiles({ name: 'partners.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Preview of the import' }).waitFor();
    expect(await page.getByTestId('import-created').textContent()).toBe('2');
    expect(await page.getByTestId('import-rejected').textContent()).toBe('1');
    const bad = page.locator('table tbody tr');
    await expect.poll(() => bad.count()).toBe(1);
    expect(await bad.locator('th, td').allTextContents()).toEqual([
      '3',
      'contact1Email',
      expect.stringMatching(/valid email/),
      'bad-email-co',
    ]);
    await expectNoSeriousAxeViolations(page, 'import preview');
    await readmeScreenshot(page, 'console-import-preview.png');
    expect((await api.request('GET', '/api/partners/wingtip-toys', { token: other })).status).toBe(404);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    expect(await page.getByTestId('import-created').textContent()).toBe('2');
    expect(await page.getByTestId('import-rejected').textContent()).toBe('1');
    await page.goto(`${system.baseUrl}/partners?tag=imported`);
    await expectListed(page, ['Woodgrove IT', 'Wingtip Toys'].sort());
    await context.close();
  }, 180_000);

  it('shows finance the directory without a way to change it', async () => {
    const context = await consoleContext(browser);
    const page = await context.newPage();
    await signIn(page, system.baseUrl, 'Fiona Grant', 'Finance');
    await page.goto(`${system.baseUrl}/partners`);
    await listedNames(page);
    for (const name of ['Add partner', 'Import']) {
      expect(await page.getByRole('link', { name, exact: true }).count(), name).toBe(0);
    }
    expect(await page.getByRole('link', { name: 'Import partners' }).count()).toBe(0);
    await page.goto(`${system.baseUrl}/partners/northwind-resellers`);
    await page.getByRole('heading', { name: 'Northwind Resellers', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Submit a change' }).first().waitFor();
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Move stage' }).count()).toBe(0);
    await page.goto(`${system.baseUrl}/import-partners`);
    await page.getByText('Partner managers import partners').waitFor();

    // The submit form's partner picker searches the directory through the API rather than listing it all.
    await page.goto(`${system.baseUrl}/changes/new`);
    await page.getByRole('button', { name: /Partner/ }).click();
    await expect.poll(() => page.getByRole('option').count()).toBeGreaterThanOrEqual(5);
    await page.getByLabel('Search partners').fill('tail');
    await expect
      .poll(() => page.getByRole('option').allTextContents())
      .toEqual([expect.stringMatching(/^Tailspin MSP Alliance/)]);
    await context.close();
  }, 60_000);

  it('sends a file bigger than one call in chunks and names a bad row by its line in the file', async () => {
    // 1,200 partners are three calls of 500 rows; the bad one sits in the third.
    const partners = syntheticPartners(1200, 7);
    const lines = partners.map((partner, index) =>
      index === 1100
        ? formatJsonLine({ ...partner, stage: 'platinum' as NewPartner['stage'] })
        : formatJsonLine(partner),
    );
    const context = await consoleContext(browser);
    const page = await context.newPage();
    await page.goto(`${system.baseUrl}/config.json`);
    const token = await api.token('partner-manager', 'luis');
    await page.evaluate((value) => sessionStorage.setItem('pcn.session', value), token);
    const calls: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/partner-imports')) calls.push(new URL(request.url()).search);
    });
    await page.goto(`${system.baseUrl}/import-partners`);
    await page.locator('input[type="file"]').setInputFiles({
      name: 'directory.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(lines.join('')),
    });
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Preview of the import' }).waitFor({ timeout: 60_000 });
    await page.getByText('All 1200 rows checked').first().waitFor();
    expect(calls).toEqual([
      '?dryRun=true&firstLine=1',
      '?dryRun=true&firstLine=501',
      '?dryRun=true&firstLine=1001',
    ]);
    expect(await page.getByTestId('import-created').textContent()).toBe('1199');
    expect(await page.getByTestId('import-rejected').textContent()).toBe('1');
    expect(await page.locator('table tbody tr').first().locator('th, td').allTextContents()).toEqual([
      '1101',
      'stage',
      expect.stringMatching(/must be one of/),
      partners[1100]!.partnerId,
    ]);
    await context.close();
  }, 120_000);

  it('has no serious accessibility problem and no sideways scrolling on its pages, on a phone or a desk', async () => {
    for (const viewport of [PHONE, DESKTOP]) {
      const context = await consoleContext(browser, viewport);
      const page = await context.newPage();
      await page.goto(`${system.baseUrl}/config.json`);
      const token = await api.token('partner-manager', 'luis');
      await page.evaluate((value) => sessionStorage.setItem('pcn.session', value), token);
      const name = viewport === PHONE ? 'phone' : 'desktop';
      for (const [path, ready, shot] of [
        ['/partners', 'Partners', 'partners'],
        ['/partners?stage=partnership', 'Partners', undefined],
        ['/partners?q=nothing-matches-this', 'Partners', undefined],
        ['/partners/fabrikam-solutions', 'Fabrikam Solutions', 'partner-detail'],
        ['/partners/fabrikam-solutions/edit', 'Edit Fabrikam Solutions', 'partner-edit'],
        ['/partners/no-such-partner', undefined, undefined],
        ['/add-partner', 'Add a partner', undefined],
        ['/import-partners', 'Import partners', undefined],
      ] as const) {
        await page.goto(`${system.baseUrl}${path}`);
        if (ready) await page.getByRole('heading', { name: ready, level: 1 }).first().waitFor();
        else await page.getByText('This partner could not be loaded').waitFor();
        await page
          .getByText(/Loading/)
          .first()
          .waitFor({ state: 'detached' })
          .catch(() => undefined);
        await expectNoSeriousAxeViolations(page, `${path} at ${viewport.width}`);
        expect(await fitsScreen(page), `${path} at ${viewport.width}`).toBe(true);
        if (shot && viewport === PHONE) {
          await readmeScreenshot(page, `console-${shot}-${name}.png`);
        }
      }
      // The import preview with a bad row, on this screen.
      await page.getByRole('radio', { name: /JSON Lines/ }).check();
      await page
        .getByLabel('Or paste the rows')
        .fill(
          [
            JSON.stringify({ ...importRow('phone-row', 'Phone Row', 'kai@phone.example'), partnerId: 'p1' }),
            JSON.stringify({ partnerId: 'p2', name: 'Missing Everything' }),
          ].join('\n'),
        );
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByRole('heading', { name: 'Preview of the import' }).waitFor();
      await expectNoSeriousAxeViolations(page, `import preview at ${viewport.width}`);
      expect(await fitsScreen(page), `import preview at ${viewport.width}`).toBe(true);
      if (viewport === PHONE) {
        await readmeScreenshot(page, 'console-import-preview-phone.png');
      }
      await context.close();
    }
  }, 120_000);
});
