/**
 * An import file cut into the bodies POST /api/partner-imports takes: each within the route's limits
 * (functions/directory/import-routes.ts: at most MAX_IMPORT_ROWS rows and MAX_IMPORT_BYTES bytes a call),
 * each with `firstLine`, the file's number of its first row's line, so the report names the file's own lines.
 * A CSV chunk repeats the header (each call parses its body as a file of its own).
 *
 * Records, not lines: a quoted CSV cell may hold a line break, so a record ends at a line break outside
 * quotes (RFC 4180: a quote inside a quoted cell is doubled, which toggles twice and leaves the state as it
 * was). Only the boundaries are found here; reading the cells is the server's (csv-parse), so the console
 * needs no CSV parser of its own.
 */

import type { MAX_IMPORT_ROWS } from '../../../functions/directory/import-routes.ts';

export type ImportMediaType = 'text/csv' | 'application/x-ndjson';

export interface ImportChunk {
  body: string;
  firstLine: number;
  /** Rows in it (blank lines aside): what the progress bar counts. */
  rows: number;
}

/** The route's limit, typed by the server's own constant: when it changes, this stops compiling. */
const ROUTE_MAX_ROWS: typeof MAX_IMPORT_ROWS = 2000;
/** Rows per call: a quarter of the route's limit, so a big file's progress moves in steps a person can see. */
export const ROWS_PER_CHUNK = ROUTE_MAX_ROWS / 4;
/** Bytes per call: half the route's 2 MiB, leaving room for rows far longer than usual. */
export const BYTES_PER_CHUNK = 1024 * 1024;

interface FileRecord {
  text: string;
  line: number;
  bytes: number;
  blank: boolean;
}

const encoder = new TextEncoder();

function recordsOf(text: string, quoted: boolean): FileRecord[] {
  const records: FileRecord[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  let inQuotes = false;
  const push = (end: number) => {
    const piece = text.slice(start, end);
    records.push({
      text: piece,
      line: startLine,
      bytes: encoder.encode(piece).length,
      blank: piece.trim() === '',
    });
  };
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted && char === '"') inQuotes = !inQuotes;
    else if (char === '\n') {
      line += 1;
      if (!inQuotes) {
        push(index + 1);
        start = index + 1;
        startLine = line;
      }
    }
  }
  if (start < text.length) push(text.length);
  return records;
}

/**
 * The chunks of a file's text. An empty result means the file holds no row (a CSV with only its header, or
 * blank lines). A CSV file's first record is its header, repeated at the head of every chunk.
 */
export function importChunks(
  source: string,
  mediaType: ImportMediaType,
  limits: { rows: number; bytes: number } = { rows: ROWS_PER_CHUNK, bytes: BYTES_PER_CHUNK },
): ImportChunk[] {
  const text = source.replace(/^\ufeff/, '');
  const csv = mediaType === 'text/csv';
  const records = recordsOf(text, csv);
  let header: FileRecord | undefined;
  if (csv) {
    while (records.length > 0 && records[0]!.blank) records.shift();
    header = records.shift();
    if (header && !header.text.endsWith('\n')) header = { ...header, text: `${header.text}\n` };
  }
  const headBytes = header ? encoder.encode(header.text).length : 0;
  const chunks: ImportChunk[] = [];
  let current: FileRecord[] = [];
  let rows = 0;
  let bytes = headBytes;
  const flush = () => {
    if (rows > 0) {
      chunks.push({
        body: `${header?.text ?? ''}${current.map((record) => record.text).join('')}`,
        firstLine: current[0]!.line,
        rows,
      });
    }
    current = [];
    rows = 0;
    bytes = headBytes;
  };
  for (const record of records) {
    // A blank line inside a chunk stays (the server counts it, so the lines after it keep their numbers);
    // one before a chunk's first row is left out, as the chunk's firstLine then starts at that row.
    if (record.blank) {
      if (rows > 0) {
        current.push(record);
        bytes += record.bytes;
      }
      continue;
    }
    if (rows > 0 && (rows + 1 > limits.rows || bytes + record.bytes > limits.bytes)) flush();
    current.push(record);
    rows += 1;
    bytes += record.bytes;
  }
  flush();
  return chunks;
}

/** A chunk the API found too big (413) halved: the same rows, in two calls (a one-row chunk cannot be). */
export function halve(chunk: ImportChunk, mediaType: ImportMediaType): ImportChunk[] | undefined {
  if (chunk.rows < 2) return undefined;
  const all = importChunks(chunk.body, mediaType, {
    rows: Math.ceil(chunk.rows / 2),
    bytes: Number.MAX_SAFE_INTEGER,
  });
  // Re-cut from the chunk's own text: its lines count from 1 (CSV: the header is line 1), so shift them.
  const shift = chunk.firstLine - (mediaType === 'text/csv' ? 2 : 1);
  return all.map((part) => ({ ...part, firstLine: part.firstLine + shift }));
}

/** Which format a file is in, by its name (or type); undefined when neither says. */
export function mediaTypeOf(file: { name: string; type: string }): ImportMediaType | undefined {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'text/csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || file.type === 'application/x-ndjson') {
    return 'application/x-ndjson';
  }
  return undefined;
}
