import type { AuditStore } from '../adapters/dynamodb/audit-store.ts';
import type { ChangeStore } from '../adapters/dynamodb/change-store.ts';
import type { AuditEntry } from '../domain/audit-chain.ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { headsInScope } from './anchoring.ts';

/** The last entry an export page ended with: the next page starts after it. */
export interface ExportPosition {
  stream: string;
  seq: number;
}

/**
 * Every entry in scope in verification order — by stream name, then seq — read a page of one stream at a
 * time, so an export of any size holds one page of entries (and the list of stream names) in memory.
 */
export async function* entriesInStreamOrder(
  deps: { audit: AuditStore; changes: Pick<ChangeStore, 'idsOfPartner'> },
  scope: { partnerId?: string },
  after?: ExportPosition,
): AsyncGenerator<AuditEntry> {
  const streams = (await headsInScope(deps, scope.partnerId)).map((head) => head.stream);
  for (const stream of streams) {
    if (after && stream < after.stream) continue;
    const fromSeq = after && stream === after.stream ? after.seq : 0;
    yield* deps.audit.entryPages(stream, fromSeq);
  }
}

/** The CSV columns of an export, one row per entry (`details` as its RFC 8785 JSON). */
export const AUDIT_CSV_COLUMNS = [
  'stream',
  'seq',
  'at',
  'type',
  'actor',
  'details',
  'prevHash',
  'hash',
] as const;

/**
 * A CSV cell (RFC 4180 quoting). A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets
 * a leading apostrophe (OWASP's CSV injection advice): the CSV is for reading; JSON Lines is the verifiable
 * export, untouched.
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function auditCsvHeader(): string {
  return `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
}

export function auditCsvRow(entry: AuditEntry): string {
  return `${[
    entry.stream,
    String(entry.seq),
    entry.at,
    entry.type,
    entry.actor,
    canonicalJson(entry.details),
    entry.prevHash,
    entry.hash,
  ]
    .map(csvCell)
    .join(',')}\r\n`;
}

/**
 * One JSON Lines line of an export: the entry exactly as stored, every attribute (one its hash does not
 * cover is itself tampering, which the standalone verifier must see).
 */
export function auditJsonLine(entry: AuditEntry): string {
  return `${JSON.stringify(entry)}\n`;
}
