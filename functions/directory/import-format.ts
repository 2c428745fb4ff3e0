import { parse as parseCsvStream } from 'csv-parse';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { Partner } from '../domain/partner.ts';
import type { RateScheduleEntry } from '../domain/rate-schedule.ts';
import { type NewPartner, type OpeningRate, profileOf, scopeKeyOfOpeningRate } from './profile.ts';

/**
 * The directory's import and export formats, pure: a row is a new partner as `newPartnerSchema` accepts it.
 *
 * - JSON Lines (`application/x-ndjson`): one such object per line, `openingRates` whole.
 * - CSV (`text/csv`): a header row, then one partner per record, flat columns (CSV_COLUMNS): at most
 *   CSV_MAX_CONTACTS contacts, `tags` separated by ';', and at most one opening rate, partner-wide
 *   (`ratePct` + `rateEffectiveFrom`). Product- or account-scoped opening rates, more rates or more contacts
 *   have no columns: such partners travel as JSON Lines (an export to CSV leaves them out and names them).
 *
 * Line numbers are the file's: CSV counts the header as line 1; a record spanning lines is reported at its
 * first line. Parsing here only shapes cells into objects; validation is the import's (zod), so both formats
 * are judged by the same schema.
 */

export type ImportFormat = 'csv' | 'jsonl';

export const importMediaTypes = { csv: 'text/csv', jsonl: 'application/x-ndjson' } as const;

export interface FieldProblem {
  field: string;
  reason: string;
}

/** One row of an import file as read: its line, and the value to validate or why it could not be read. */
export type SourceRow =
  | {
      line: number;
      value: Record<string, unknown>;
      /** The row's field name for a schema path (a CSV column; a dotted path for JSON Lines). */
      fieldOf: (path: readonly PropertyKey[]) => string;
    }
  | { line: number; partnerId?: string; problems: FieldProblem[] };

/** A file-level refusal (a CSV header that is not the format's): nothing of the body is read. */
export class ImportFormatError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((problem) => `${problem.field} ${problem.reason}`).join('; '));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The canonical row: what export writes and what a row means, so a round trip compares equal.

/** A partner's opening rates in one order (scope, then day): two files listing them differently mean the same. */
export function sortedOpeningRates(rates: readonly OpeningRate[]): OpeningRate[] {
  return rates
    .map(({ ratePct, effectiveFrom, product, account }) => ({
      ratePct,
      effectiveFrom,
      ...(product !== undefined ? { product } : {}),
      ...(account !== undefined ? { account } : {}),
    }))
    .sort(
      (a, b) =>
        scopeKeyOfOpeningRate(a).localeCompare(scopeKeyOfOpeningRate(b)) ||
        a.effectiveFrom.localeCompare(b.effectiveFrom),
    );
}

/** A row in its one form: fixed key order, tags a sorted set (absent when none), opening rates sorted. */
export function canonicalRow(partner: NewPartner): NewPartner {
  const profile = profileOf(partner);
  const rates = sortedOpeningRates(partner.openingRates ?? []);
  return {
    partnerId: partner.partnerId,
    stage: partner.stage,
    ...profile,
    ...(rates.length > 0 ? { openingRates: rates } : {}),
  };
}

/**
 * The opening rates of a stored partner: the schedule entries it was created with (those no change wrote).
 * Rates a commission change added later are history, not opening rates, and are never exported.
 */
export function openingRatesOf(schedule: readonly RateScheduleEntry[]): OpeningRate[] {
  return sortedOpeningRates(
    schedule
      .filter((entry) => entry.changeId === undefined)
      .map((entry) => {
        const scope = scopeOfOpeningKey(entry.scopeKey);
        return { ratePct: entry.ratePct, effectiveFrom: entry.effectiveFrom, ...scope };
      }),
  );
}

/** An opening rate's scope key holds at most one product and one account (scopeKeyOfOpeningRate). */
function scopeOfOpeningKey(scopeKey: string): { product?: string; account?: string } {
  const scope: { product?: string; account?: string } = {};
  if (scopeKey === 'all') return scope;
  for (const part of scopeKey.split(';')) {
    const [name, value] = part.split(':');
    if (name === 'products' && value) scope.product = value;
    if (name === 'accounts' && value) scope.account = value;
  }
  return scope;
}

/** A stored partner as an export row. */
export function rowOfPartner(partner: Partner, schedule: readonly RateScheduleEntry[]): NewPartner {
  const openingRates = openingRatesOf(schedule);
  return canonicalRow({
    partnerId: partner.partnerId,
    stage: partner.stage,
    ...profileOf(partner),
    ...(openingRates.length > 0 ? { openingRates } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------
// JSON Lines

export function formatJsonLine(row: NewPartner): string {
  return `${JSON.stringify(canonicalRow(row))}\n`;
}

const dotted = (path: readonly PropertyKey[]) => (path.length === 0 ? '(row)' : path.map(String).join('.'));

function jsonLineRow(text: string, line: number): SourceRow | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return {
      line,
      problems: [{ field: '(line)', reason: `is not valid JSON (${(error as Error).message})` }],
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      line,
      problems: [{ field: '(line)', reason: 'must be one JSON object (a partner), not an array or a value' }],
    };
  }
  return { line, value: value as Record<string, unknown>, fieldOf: dotted };
}

/**
 * The rows of a JSON Lines text, numbered from `firstLine` (the file's number of the text's first line).
 * Blank lines are skipped but counted; a BOM and CRLF endings are accepted.
 */
export function* parseJsonLines(text: string, firstLine = 1): Generator<SourceRow> {
  const lines = text.replace(/^\ufeff/, '').split('\n');
  for (const [index, content] of lines.entries()) {
    const row = jsonLineRow(content, firstLine + index);
    if (row) yield row;
  }
}

// ---------------------------------------------------------------------------------------------------------
// CSV

/** More contacts than this have no CSV columns (JSON Lines carries up to the directory's own limit). */
export const CSV_MAX_CONTACTS = 5;

const contactFields = { contactId: 'Id', name: 'Name', email: 'Email', role: 'Role' } as const;
const contactColumns = (slot: number) =>
  Object.values(contactFields).map((suffix) => `contact${slot}${suffix}`);

export const CSV_COLUMNS: readonly string[] = [
  'partnerId',
  'name',
  'stage',
  'region',
  'tier',
  'tags',
  'allianceManagerId',
  'allianceManagerName',
  'allianceManagerEmail',
  ...Array.from({ length: CSV_MAX_CONTACTS }, (_, index) => contactColumns(index + 1)).flat(),
  'ratePct',
  'rateEffectiveFrom',
];

const REQUIRED_COLUMNS = [
  'partnerId',
  'name',
  'stage',
  'allianceManagerId',
  'allianceManagerName',
  'allianceManagerEmail',
  ...contactColumns(1),
];

const TAG_SEPARATOR = ';';

/**
 * CSV injection (a cell a spreadsheet would run as a formula): a cell starting with = + - @ tab or CR is
 * written with a leading apostrophe, which spreadsheets show as text. To read every cell back exactly, a cell
 * that already starts with an apostrophe followed by one of those (or by another apostrophe) gets one more;
 * reading strips one apostrophe only in those two cases, so "'Quoted'" reads as itself. (csv-stringify's
 * escape_formulas prefixes the same characters but not the apostrophe case, so it would not read back.)
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const ESCAPED_START = /^'[=+\-@\t\r']/;

export function escapeCell(text: string): string {
  return FORMULA_START.test(text) || ESCAPED_START.test(text) ? `'${text}` : text;
}

export function unescapeCell(text: string): string {
  return ESCAPED_START.test(text) ? text.slice(1) : text;
}

/** Why a partner cannot be a CSV row (empty when it can): CSV has columns for a subset of the directory. */
export function csvMisfits(row: NewPartner): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (row.contacts.length > CSV_MAX_CONTACTS) {
    problems.push({
      field: 'contacts',
      reason: `has ${row.contacts.length} contacts; CSV carries at most ${CSV_MAX_CONTACTS} (use JSON Lines)`,
    });
  }
  const rates = row.openingRates ?? [];
  if (rates.length > 1 || rates.some((rate) => rate.product !== undefined || rate.account !== undefined)) {
    problems.push({
      field: 'openingRates',
      reason:
        'CSV carries one partner-wide opening rate; product- or account-scoped or several rates need JSON Lines',
    });
  }
  for (const tag of row.tags ?? []) {
    if (tag.includes(TAG_SEPARATOR)) {
      problems.push({
        field: 'tags',
        reason: `tag "${tag}" contains ';', CSV's tag separator (use JSON Lines)`,
      });
    }
  }
  return problems;
}

export function csvHeader(): string {
  return stringifyCsv([CSV_COLUMNS]);
}

/** One CSV record (with its line ending); the caller checks csvMisfits first. */
export function formatCsvRow(input: NewPartner): string {
  const row = canonicalRow(input);
  const misfits = csvMisfits(row);
  if (misfits.length > 0) throw new Error(`${row.partnerId} cannot be a CSV row: ${misfits[0]!.reason}`);
  const cells: Record<string, string> = {
    partnerId: row.partnerId,
    name: row.name,
    stage: row.stage,
    region: row.region ?? '',
    tier: row.tier ?? '',
    tags: (row.tags ?? []).join(TAG_SEPARATOR),
    allianceManagerId: row.allianceManager.userId,
    allianceManagerName: row.allianceManager.name,
    allianceManagerEmail: row.allianceManager.email,
    ratePct: row.openingRates?.[0] ? String(row.openingRates[0].ratePct) : '',
    rateEffectiveFrom: row.openingRates?.[0]?.effectiveFrom ?? '',
  };
  row.contacts.forEach((contact, index) => {
    for (const [field, suffix] of Object.entries(contactFields)) {
      cells[`contact${index + 1}${suffix}`] = contact[field as keyof typeof contactFields];
    }
  });
  return stringifyCsv([CSV_COLUMNS.map((column) => escapeCell(cells[column] ?? ''))]);
}

const CONTACT_COLUMN = /^contact(\d{1,3})(Id|Name|Email|Role)$/;

/** Checks a header record: every required column, no unknown or repeated one. Returns the column names. */
export function checkCsvHeader(cells: readonly string[]): string[] {
  const columns = cells.map((cell) => cell.trim());
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    const contact = CONTACT_COLUMN.exec(column);
    const known = CSV_COLUMNS.includes(column) || (contact !== null && Number(contact[1]) > CSV_MAX_CONTACTS);
    if (!known) {
      problems.push({
        field: column || '(empty column name)',
        reason: /^rate/i.test(column)
          ? 'is not a column of the CSV import format: CSV carries one partner-wide opening rate (ratePct, rateEffectiveFrom); product- or account-scoped opening rates need JSON Lines'
          : `is not a column of the CSV import format (${CSV_COLUMNS.join(', ')})`,
      });
    }
    if (seen.has(column)) problems.push({ field: column, reason: 'appears twice in the header' });
    seen.add(column);
  }
  for (const column of REQUIRED_COLUMNS) {
    if (!seen.has(column)) problems.push({ field: column, reason: 'is a required column of the header' });
  }
  if (problems.length > 0)
    throw new ImportFormatError(problems.map((p) => ({ ...p, field: `(header) ${p.field}` })));
  return columns;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** A CSV record (cells by column) as the object the schema validates, with the path → column mapping. */
function csvRow(columns: readonly string[], cells: readonly string[], line: number): SourceRow {
  const partnerIdCell = cells[columns.indexOf('partnerId')]?.trim();
  const withId = partnerIdCell ? { partnerId: partnerIdCell } : {};
  if (cells.length !== columns.length) {
    return {
      line,
      ...withId,
      problems: [{ field: '(row)', reason: `has ${cells.length} cells; the header has ${columns.length}` }],
    };
  }
  const cell: Record<string, string> = {};
  columns.forEach((column, index) => {
    cell[column] = unescapeCell(cells[index] ?? '');
  });
  const present = (column: string) => (cell[column] ?? '').trim() !== '';
  const problems: FieldProblem[] = [];
  for (const column of columns) {
    const contact = CONTACT_COLUMN.exec(column);
    if (contact && Number(contact[1]) > CSV_MAX_CONTACTS && present(column)) {
      problems.push({
        field: column,
        reason: `CSV carries at most ${CSV_MAX_CONTACTS} contacts: import a partner with more as JSON Lines`,
      });
    }
  }
  if (problems.length > 0) return { line, ...withId, problems };

  const value: Record<string, unknown> = {};
  const put = (target: Record<string, unknown>, key: string, column: string) => {
    if (present(column)) target[key] = cell[column];
  };
  put(value, 'partnerId', 'partnerId');
  put(value, 'name', 'name');
  put(value, 'stage', 'stage');
  put(value, 'region', 'region');
  put(value, 'tier', 'tier');
  if (present('tags')) value.tags = cell.tags!.split(TAG_SEPARATOR);
  const allianceManager: Record<string, unknown> = {};
  put(allianceManager, 'userId', 'allianceManagerId');
  put(allianceManager, 'name', 'allianceManagerName');
  put(allianceManager, 'email', 'allianceManagerEmail');
  value.allianceManager = allianceManager;
  /** Which CSV slot (1-based) each contact of the array came from: a gap in the slots is allowed. */
  const slots: number[] = [];
  const contacts: Record<string, unknown>[] = [];
  for (let slot = 1; slot <= CSV_MAX_CONTACTS; slot += 1) {
    const names = contactColumns(slot);
    if (!names.some(present)) continue;
    const contact: Record<string, unknown> = {};
    for (const [field, suffix] of Object.entries(contactFields))
      put(contact, field, `contact${slot}${suffix}`);
    contacts.push(contact);
    slots.push(slot);
  }
  value.contacts = contacts;
  if (present('ratePct') || present('rateEffectiveFrom')) {
    const rate: Record<string, unknown> = {};
    if (present('ratePct')) {
      const text = cell.ratePct!.trim();
      rate.ratePct = NUMBER.test(text) ? Number(text) : text;
    }
    put(rate, 'effectiveFrom', 'rateEffectiveFrom');
    value.openingRates = [rate];
  }
  const fieldOf = (path: readonly PropertyKey[]): string => {
    const [head, index, field] = path;
    if (head === 'allianceManager' && index !== undefined) {
      return (
        { userId: 'allianceManagerId', name: 'allianceManagerName', email: 'allianceManagerEmail' }[
          String(index)
        ] ?? 'allianceManager'
      );
    }
    if (head === 'contacts' && typeof index === 'number') {
      const slot = slots[index] ?? index + 1;
      return field !== undefined && String(field) in contactFields
        ? `contact${slot}${contactFields[String(field) as keyof typeof contactFields]}`
        : `contact${slot}Id`;
    }
    if (head === 'openingRates') return field === 'effectiveFrom' ? 'rateEffectiveFrom' : 'ratePct';
    if (head === 'tags') return 'tags';
    return path.length === 0 ? '(row)' : String(head);
  };
  return { line, value, fieldOf };
}

/** Where a record starts: the line after the previous record's end, past the blank lines its raw text begins with. */
function startLineOf(raw: string, endLine: number): number {
  const body = raw.replace(/^(\r?\n)+/, '').replace(/\r?\n$/, '');
  return endLine - (body.match(/\n/g)?.length ?? 0);
}

/**
 * The text with CRLF line endings as LF, across chunk boundaries. csv-parse counts the CR and the LF of a CRLF
 * inside a quoted cell as two lines, which would number that record and every later one a line too late. No
 * cell of a valid row holds a line break (every field refuses control characters), so nothing a row may say
 * is lost.
 */
async function* withLfEndings(source: string | AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  if (typeof source === 'string') {
    yield source.replace(/\r\n/g, '\n');
    return;
  }
  let held = '';
  // Streaming, so a character split across two Buffer chunks is decoded whole.
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source) {
    const text = held + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    // A chunk ending in CR may be the first half of a CRLF: keep it for the next chunk.
    held = text.endsWith('\r') ? '\r' : '';
    yield (held ? text.slice(0, -1) : text).replace(/\r\n/g, '\n');
  }
  if (held) yield held;
}

/**
 * The rows of a CSV text (a string, or chunks of one as a file stream gives them), streamed through
 * csv-parse. `firstLine` is the file's number of the line that follows the header (2 when the text is the
 * whole file). A record csv-parse cannot read (an unclosed quote, a stray quote) is a row with a problem at
 * the line it starts on; the header is checked first (ImportFormatError).
 */
export async function* parseCsv(
  source: string | AsyncIterable<string | Buffer>,
  firstLine = 2,
): AsyncGenerator<SourceRow> {
  const skipped: SourceRow[] = [];
  let lastEnd = 0;
  const parser = parseCsvStream({
    bom: true,
    raw: true,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    // Called in the parser's order (ahead of the consumer): where the last good record ended.
    on_record: (record, context) => {
      lastEnd = context.lines;
      return record;
    },
    on_skip: (error) => {
      skipped.push({
        line: lastEnd + 1,
        problems: [{ field: '(row)', reason: `is not valid CSV (${error?.message ?? 'unreadable'})` }],
      });
      return undefined;
    },
  });
  const feed = (async () => {
    for await (const text of withLfEndings(source))
      if (!parser.write(text)) await new Promise((r) => parser.once('drain', r));
    parser.end();
  })();
  let columns: string[] | undefined;
  let headerEnd = 1;
  const fileLine = (line: number) => line - headerEnd - 1 + firstLine;
  try {
    for await (const { record, raw, info } of parser as AsyncIterable<{
      record: string[];
      raw: string;
      info: { lines: number };
    }>) {
      const start = startLineOf(raw, info.lines);
      if (!columns) {
        columns = checkCsvHeader(record);
        headerEnd = info.lines;
        continue;
      }
      yield csvRow(columns, record, fileLine(start));
    }
  } finally {
    await feed.catch(() => undefined);
  }
  if (!columns) {
    if (skipped.length > 0) throw new ImportFormatError([{ field: '(header)', reason: 'is not valid CSV' }]);
    throw new ImportFormatError([
      {
        field: '(header)',
        reason: `is required: the first line names the columns (${REQUIRED_COLUMNS.join(', ')}, …)`,
      },
    ]);
  }
  for (const row of skipped) yield { ...row, line: fileLine(row.line) };
}
