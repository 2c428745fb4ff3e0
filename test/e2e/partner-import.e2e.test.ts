/**
 * The directory's bulk import and export over real HTTP, as the CLI and a CRM integration use them: CSV and
 * JSON Lines bodies, the limits (413 with the reason), the role (403), an export imported again is all
 * unchanged, and `pcn partners import` / `export` as a person runs them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvHeader, formatCsvRow, formatJsonLine } from '../../functions/directory/import-format.ts';
import type { NewPartner } from '../../functions/directory/profile.ts';
import { syntheticPartners } from '../../functions/directory/synthetic.ts';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { type CliResult, runPcn } from '../support/cli.ts';
import { snapshotSettledTables } from '../support/table-snapshot.ts';
import { startTestSystem } from '../support/test-system.ts';

let system: LocalSystem;
let api: ApiClient;
let manager: string;
let finance: string;
let dir: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  manager = await api.token('partner-manager', 'dana');
  dir = await mkdtemp(join(tmpdir(), 'pcn-import-'));
}, 90_000);

afterAll(async () => {
  await system?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Report {
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rows: { line: number; partnerId?: string; fields: { field: string; reason: string }[] }[];
  error?: string;
  message?: string;
  fields?: { field: string; reason: string }[];
}

async function post(
  body: string,
  contentType: string,
  query = '',
  token = manager,
): Promise<{ status: number; body: Report }> {
  const response = await fetch(`${system.baseUrl}/api/partner-imports${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as Report };
}

const directory = (prefix: string, count: number): NewPartner[] =>
  syntheticPartners(count, 9).map((partner, index) => ({
    ...partner,
    partnerId: `${prefix}-${index + 1}`,
    openingRates: partner.openingRates?.slice(0, 1),
  }));

async function exportAll(format: 'csv' | 'jsonl', limit: number): Promise<string> {
  let text = '';
  let cursor: string | undefined;
  let pages = 0;
  do {
    const query = new URLSearchParams({ format, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const page = await api.request<{ text: string; cursor?: string; leftOut: unknown[] }>(
      'GET',
      `/api/partner-exports?${query}`,
      { token: finance },
    );
    expect(page.status, page.text).toBe(200);
    expect(page.body.leftOut).toEqual([]);
    text += page.body.text;
    cursor = page.body.cursor;
    pages += 1;
  } while (cursor);
  expect(pages).toBeGreaterThan(1);
  return text;
}

describe('POST /api/partner-imports', () => {
  it('imports JSON Lines, then CSV; a dry run predicts and writes nothing; chunks keep the file’s line numbers', async () => {
    const partners = directory('api', 6);
    const jsonl = partners.slice(0, 3).map(formatJsonLine).join('');
    const first = await post(jsonl, 'application/x-ndjson');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      dryRun: false,
      created: 3,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      rows: [],
    });

    const csv = csvHeader() + partners.slice(3).map(formatCsvRow).join('').replace('transactional', 'tiny');
    const before = await snapshotSettledTables(system);
    const dry = await post(csv, 'text/csv; charset=utf-8', '?dryRun=true&firstLine=101');
    expect(await snapshotSettledTables(system)).toEqual(before);
    const real = await post(csv, 'text/csv', '?firstLine=101');
    expect(real.status).toBe(200);
    expect({ ...real.body, dryRun: true }).toEqual(dry.body);
    expect(real.body.created + real.body.rejected).toBe(3);
    for (const row of real.body.rows) {
      expect(row.line).toBeGreaterThanOrEqual(101);
      expect(row.fields).toContainEqual({ field: 'stage', reason: expect.stringMatching(/must be one of/) });
    }
  });

  it('answers 422 with the report when every row is refused (nothing written), 400 for a header that is not the format', async () => {
    const refused = await post('{"partnerId":"x"}\n\nnot json\n', 'application/x-ndjson');
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: 'no-row-imported', rejected: 2, created: 0 });
    expect(refused.body.rows.map((row) => row.line)).toEqual([1, 3]);
    expect(refused.body.fields).toContainEqual({ field: 'line 1: name', reason: 'is required' });

    const header = await post('partnerId,name,colour\n', 'text/csv');
    expect(header.status).toBe(400);
    expect(header.body.fields).toContainEqual({
      field: '(header) colour',
      reason: expect.stringMatching(/not a column/),
    });
    const empty = await post('', 'application/x-ndjson');
    expect(empty.status).toBe(400);
    expect(empty.body.fields).toEqual([{ field: '(body)', reason: 'must hold at least one row' }]);
  });

  it('has its own limits: a body over 64 KB is fine, over 2 MB or 2,000 rows is 413 with the reason', async () => {
    const biggerThanAForm = `{"partnerId":"x","name":"${'n'.repeat(700)}"}\n`.repeat(100);
    expect(biggerThanAForm.length).toBeGreaterThan(64 * 1024);
    expect((await post(biggerThanAForm, 'application/x-ndjson')).status).toBe(422);

    const tooManyRows = await post('{}\n'.repeat(2001), 'application/x-ndjson');
    expect(tooManyRows.status).toBe(413);
    expect(tooManyRows.body).toMatchObject({
      error: 'too-many-rows',
      fields: [{ field: '(body)', reason: 'must hold at most 2000 rows' }],
    });
    const tooBig = await post(`${' '.repeat(2 * 1024 * 1024)}\n{}`, 'application/x-ndjson');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.fields).toEqual([
      { field: '(body)', reason: `must be at most ${2 * 1024 * 1024} bytes` },
    ]);
  });

  it('is for partner managers (403 for finance) and takes only CSV or JSON Lines (415)', async () => {
    const forbidden = await post(
      formatJsonLine(directory('role', 1)[0]!),
      'application/x-ndjson',
      '',
      finance,
    );
    expect(forbidden.status).toBe(403);
    expect(await api.request('GET', '/api/partners/role-1', { token: finance })).toMatchObject({
      status: 404,
    });
    const wrongType = await post(formatJsonLine(directory('role', 1)[0]!), 'application/json');
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.fields).toEqual([
      { field: 'content-type', reason: 'must be one of text/csv, application/x-ndjson' },
    ]);
  });
});

describe('export → import', () => {
  it('round trips losslessly in both formats: every row unchanged, no table touched', async () => {
    await post(directory('trip', 12).map(formatJsonLine).join(''), 'application/x-ndjson');
    const before = await snapshotSettledTables(system);
    for (const format of ['jsonl', 'csv'] as const) {
      const file = await exportAll(format, 7);
      if (format === 'csv') expect(file.startsWith(csvHeader())).toBe(true);
      const rows = file.trim().split('\n').length - (format === 'csv' ? 1 : 0);
      const report = await post(file, format === 'csv' ? 'text/csv' : 'application/x-ndjson');
      expect(report.status).toBe(200);
      expect(report.body).toEqual({
        dryRun: false,
        created: 0,
        updated: 0,
        unchanged: rows,
        rejected: 0,
        rows: [],
      });
    }
    expect(await snapshotSettledTables(system)).toEqual(before);
  });
});

function pcn(...args: string[]): Promise<CliResult> {
  return runPcn(system.baseUrl, ...args);
}

describe('pcn partners import / export', () => {
  it('imports a file in chunks and prints the summary and each bad row; a re-run is all unchanged', {
    timeout: 60_000,
  }, async () => {
    const partners = directory('cli', 1203);
    const lines = partners.map(formatJsonLine);
    lines[1100] = lines[1100]!.replace(/"stage":"\w+"/, '"stage":"unknown"');
    const file = join(dir, 'directory.jsonl');
    await writeFile(file, lines.join(''));

    const dry = await pcn('partners', 'import', file, '--dry-run');
    expect(dry.stdout).toMatch(/Dry run of .*directory\.jsonl: 1203 rows .* nothing written/);
    expect(dry.stdout).toMatch(/would be created 1202, updated 0, unchanged 0, rejected 1/);
    expect(dry.code).toBe(1);

    const imported = await pcn('partners', 'import', file);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toMatch(/created 1202, updated 0, unchanged 0, rejected 1/);
    expect(imported.stdout).toMatch(/line 1101 \(cli-1101\): stage: must be one of/);

    lines[1100] = formatJsonLine(partners[1100]!);
    await writeFile(file, lines.join(''));
    const again = await pcn('partners', 'import', file);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/created 1, updated 0, unchanged 1202, rejected 0/);
  });

  it('exports to a file that imports back unchanged; CSV by the file’s extension', {
    timeout: 60_000,
  }, async () => {
    const out = join(dir, 'export.csv');
    const exported = await pcn('partners', 'export', '--out', out);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/Exported \d+ partners to .*export\.csv \(csv\)/);
    expect((await readFile(out, 'utf8')).startsWith('partnerId,name,stage,')).toBe(true);
    const reimported = await pcn('partners', 'import', out, '--json');
    expect(reimported.code, reimported.stderr).toBe(0);
    const summary = JSON.parse(reimported.stdout) as Report;
    expect(summary).toMatchObject({ created: 0, updated: 0, rejected: 0 });
    expect(summary.unchanged).toBeGreaterThan(1000);
  });

  it('explains a missing file and a wrong --format', async () => {
    expect((await pcn('partners', 'import', join(dir, 'nope.csv'))).stderr).toMatch(
      /Cannot read .*no such file/,
    );
    const wrong = await pcn('partners', 'import', join(dir, 'directory.jsonl'), '--format', 'xml');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--format must be 'csv' or 'jsonl'/);
  });
});
