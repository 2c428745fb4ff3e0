/**
 * `pcn partners import FILE` and `pcn partners export`: the directory's bulk import and export over the HTTP
 * API. The file is streamed, cut into chunks of whole rows (each a call to POST /api/partner-imports with the
 * file line of its first row, so the report names the file's lines), a few calls in flight; a progress bar
 * on stderr when it is a terminal. `importFile` is also what `npm run bench` times.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import type { ImportReport, RejectedRow } from '../functions/directory/import.ts';
import type { PartnerCommand } from './partners.ts';

export type FileFormat = 'csv' | 'jsonl';

const mediaType: Record<FileFormat, string> = { csv: 'text/csv', jsonl: 'application/x-ndjson' };

/**
 * Rows per call: well under the API's 2,000-row and 2 MB limits, and small enough that the progress bar
 * moves every second or so. Two calls in flight keep the server's write pool (8 per call) busy while one
 * answer is on the wire: 16 transactions at once, where DynamoDB Local's rate levels off (4 in flight measured
 * no faster here, and 1 about a fifth slower).
 */
export const CHUNK_ROWS = 500;
const CHUNK_BYTES = 1024 * 1024;
export const CHUNKS_IN_FLIGHT = 2;

/** What the API answers for each chunk, summed over the file: the server's own report type. */
export type ImportSummary = ImportReport;

/** A record of the file: its text (with its line ending) and the file line it starts on. */
interface FileRecord {
  text: string;
  line: number;
}

/**
 * The file's records, streamed. JSON Lines: each non-blank line. CSV: lines joined while a quote is open
 * (RFC 4180: a record ends at a line break outside quotes, i.e. after an even number of '"'), so a quoted
 * cell spanning lines stays in one record; the server parses the cells (csv-parse). The first CSV record is
 * the header. Blank lines travel with the record after them (and `line` is where they start), so the
 * server, counting lines as the file does, reports the file's line numbers.
 */
export async function* fileRecords(path: string, format: FileFormat): AsyncGenerator<FileRecord> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  let pending: FileRecord | undefined;
  let quotes = 0;
  let open = false;
  for await (const raw of lines) {
    lineNumber += 1;
    const line = lineNumber === 1 ? raw.replace(/^\ufeff/, '') : raw;
    pending ??= { text: '', line: lineNumber };
    pending.text += `${line}\n`;
    if (!open && line.trim() === '') continue;
    if (format === 'csv') {
      quotes += line.split('"').length - 1;
      open = quotes % 2 === 1;
      if (open) continue;
      quotes = 0;
    }
    yield pending;
    pending = undefined;
  }
  // An unclosed quote: the rest goes as it is, and the server reports the record's line.
  if (pending && pending.text.trim() !== '') yield pending;
}

async function countRows(path: string, format: FileFormat): Promise<number> {
  let count = 0;
  for await (const _ of fileRecords(path, format)) count += 1;
  return format === 'csv' ? Math.max(0, count - 1) : count;
}

interface Chunk {
  body: string;
  firstLine: number;
  rows: number;
}

async function* chunksOf(path: string, format: FileFormat): AsyncGenerator<Chunk> {
  let header = '';
  let records: FileRecord[] = [];
  let bytes = 0;
  const chunk = (): Chunk => ({
    body: header + records.map((record) => record.text).join(''),
    firstLine: records[0]!.line,
    rows: records.length,
  });
  for await (const record of fileRecords(path, format)) {
    if (format === 'csv' && header === '') {
      header = record.text;
      continue;
    }
    if (records.length > 0 && (records.length >= CHUNK_ROWS || bytes + record.text.length > CHUNK_BYTES)) {
      yield chunk();
      records = [];
      bytes = 0;
    }
    records.push(record);
    bytes += record.text.length;
  }
  if (records.length > 0) yield chunk();
}

export class ImportCallError extends Error {}

export interface ImportOptions {
  baseUrl: string;
  token: string;
  path: string;
  format: FileFormat;
  dryRun: boolean;
  /** Calls in flight (default CHUNKS_IN_FLIGHT). */
  inFlight?: number;
  /** After each chunk's answer: the rows done and the sums so far. */
  onProgress?: (done: number, sums: ImportSummary) => void;
}

/** Imports the file in chunks (CHUNKS_IN_FLIGHT at once); the summed report, bad rows by line. */
export async function importFile(options: ImportOptions): Promise<ImportSummary> {
  const sums: ImportSummary = {
    dryRun: options.dryRun,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    rows: [],
  };
  let done = 0;
  const chunks = chunksOf(options.path, options.format);
  let failure: Error | undefined;
  const send = async (chunk: Chunk) => {
    const query = new URLSearchParams({ dryRun: String(options.dryRun), firstLine: String(chunk.firstLine) });
    const response = await fetch(`${options.baseUrl}/api/partner-imports?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': mediaType[options.format] },
      body: chunk.body,
    }).catch((error: Error) => {
      throw new ImportCallError(`Cannot reach the API at ${options.baseUrl} (${error.message}).`);
    });
    const text = await response.text();
    let payload: Partial<ImportSummary> & {
      error?: string;
      message?: string;
      fields?: RejectedRow['fields'];
    };
    try {
      payload = JSON.parse(text);
    } catch {
      throw new ImportCallError(`${response.status}: ${text.slice(0, 300)}`);
    }
    // 422: every row of this chunk was refused; its report is the same shape.
    if (response.status !== 200 && response.status !== 422) {
      const lines = [`${response.status} ${payload.error ?? ''}: ${payload.message ?? text.slice(0, 300)}`];
      for (const field of payload.fields ?? []) lines.push(`  ${field.field}: ${field.reason}`);
      throw new ImportCallError(lines.join('\n'));
    }
    sums.created += payload.created ?? 0;
    sums.updated += payload.updated ?? 0;
    sums.unchanged += payload.unchanged ?? 0;
    sums.rejected += payload.rejected ?? 0;
    sums.rows.push(...(payload.rows ?? []));
    done += chunk.rows;
    options.onProgress?.(done, sums);
  };
  // A small pool over the lazily read chunks: the file is never held whole.
  const worker = async () => {
    for (;;) {
      if (failure) return;
      const next = await chunks.next();
      if (next.done) return;
      await send(next.value).catch((error: Error) => {
        failure ??= error;
      });
    }
  };
  await Promise.all(Array.from({ length: options.inFlight ?? CHUNKS_IN_FLIGHT }, worker));
  if (failure) throw failure;
  sums.rows.sort((a, b) => a.line - b.line);
  return sums;
}

export function formatOfPath(path: string, flag: string | undefined): FileFormat | undefined {
  if (flag === 'csv' || flag === 'jsonl') return flag;
  if (flag !== undefined) return undefined;
  return /\.csv$/i.test(path) ? 'csv' : 'jsonl';
}

/** Runs the import with a progress bar on a terminal (stderr); the summary lines to print. */
export async function importWithProgress(options: Omit<ImportOptions, 'onProgress'>): Promise<{
  summary: ImportSummary;
  seconds: number;
}> {
  await stat(options.path);
  const total = await countRows(options.path, options.format);
  const began = performance.now();
  const bar = process.stderr.isTTY
    ? new SingleBar({
        stream: process.stderr,
        format:
          '{action} |{bar}| {value}/{total} rows | {rate} rows/s | created {created} · updated {updated} · unchanged {unchanged} · rejected {rejected}',
        barsize: 30,
        barCompleteChar: '\u2588',
        barIncompleteChar: '\u2591',
        hideCursor: true,
        clearOnComplete: false,
      })
    : undefined;
  const payload = (sums: ImportSummary, done: number) => ({
    action: options.dryRun ? 'dry run' : 'importing',
    rate: Math.round(done / Math.max(0.001, (performance.now() - began) / 1000)),
    created: sums.created,
    updated: sums.updated,
    unchanged: sums.unchanged,
    rejected: sums.rejected,
  });
  bar?.start(
    total,
    0,
    payload({ dryRun: options.dryRun, created: 0, updated: 0, unchanged: 0, rejected: 0, rows: [] }, 0),
  );
  try {
    const summary = await importFile({
      ...options,
      onProgress: (done, sums) => bar?.update(done, payload(sums, done)),
    });
    return { summary, seconds: (performance.now() - began) / 1000 };
  } finally {
    bar?.stop();
  }
}

/** The summary and each bad row's fields, as the CLI prints them. */
export function summaryText(path: string, summary: ImportSummary, seconds: number): string {
  const rows = summary.created + summary.updated + summary.unchanged + summary.rejected;
  const lines = [
    `${summary.dryRun ? 'Dry run of' : 'Imported'} ${path}: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001))} rows/s)${summary.dryRun ? ' — nothing written' : ''}`,
    `  ${summary.dryRun ? 'would be ' : ''}created ${summary.created}, updated ${summary.updated}, unchanged ${summary.unchanged}, rejected ${summary.rejected}`,
  ];
  if (summary.rows.length > 0) {
    lines.push('', 'Rejected rows (nothing of them was written):');
    for (const row of summary.rows) {
      for (const field of row.fields) {
        lines.push(
          `  line ${row.line}${row.partnerId ? ` (${row.partnerId})` : ''}: ${field.field}: ${field.reason}`,
        );
      }
    }
  }
  return lines.join('\n');
}

export interface ExportPage {
  format: FileFormat;
  text: string;
  rows: number;
  leftOut: { partnerId: string; fields: { field: string; reason: string }[] }[];
  cursor?: string;
}

/** Writes every page of the export to `out` (a file, else stdout); the partners CSV could not carry. */
export async function exportDirectory(options: {
  request: (path: string) => Promise<ExportPage>;
  format: FileFormat;
  out?: string | undefined;
}): Promise<{ rows: number; leftOut: ExportPage['leftOut'] }> {
  const stream = options.out ? createWriteStream(options.out) : process.stdout;
  const leftOut: ExportPage['leftOut'] = [];
  let rows = 0;
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ format: options.format, ...(cursor ? { cursor } : {}) });
    const page = await options.request(`/api/partner-exports?${query}`);
    if (!stream.write(page.text)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    rows += page.rows;
    leftOut.push(...page.leftOut);
    cursor = page.cursor;
  } while (cursor);
  if (options.out) {
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  return { rows, leftOut };
}

export const importCommand: PartnerCommand = async (cli, { values, positionals }, print) => {
  const path = positionals[1];
  if (!path)
    return cli.fail('FILE is required: pcn partners import FILE [--dry-run] [--format csv|jsonl]', 2);
  const format = formatOfPath(path, values.format);
  if (!format) return cli.fail("--format must be 'csv' or 'jsonl'.", 2);
  await stat(path).catch(() => cli.fail(`Cannot read ${path}: no such file`));
  const { summary, seconds } = await importWithProgress({
    baseUrl: cli.serverUrl(),
    token: await cli.token('partner-manager', values.user),
    path,
    format,
    dryRun: values['dry-run'] === true,
  }).catch((error: Error) => cli.fail(error.message));
  print(summary, () => summaryText(path, summary, seconds));
  if (summary.rejected > 0) process.exitCode = 1;
};

export const exportCommand: PartnerCommand = async (cli, { values }) => {
  const format =
    values.format === undefined
      ? values.out && /\.csv$/i.test(values.out)
        ? 'csv'
        : 'jsonl'
      : values.format;
  if (format !== 'csv' && format !== 'jsonl') return cli.fail("--format must be 'csv' or 'jsonl'.", 2);
  const { rows, leftOut } = await exportDirectory({
    request: (path) => cli.request<ExportPage>('partner-manager', 'GET', path, { user: values.user }),
    format,
    out: values.out,
  });
  if (values.out) console.error(`Exported ${rows} partners to ${values.out} (${format}).`);
  if (leftOut.length > 0) {
    console.error(
      `${leftOut.length} partners left out: CSV cannot carry them (export as JSON Lines to keep them):`,
    );
    for (const partner of leftOut)
      console.error(
        `  ${partner.partnerId}: ${partner.fields.map((f) => `${f.field} ${f.reason}`).join('; ')}`,
      );
    process.exitCode = 1;
  }
};
