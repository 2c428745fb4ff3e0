import type { AuditEntry } from '../domain/audit-chain.ts';
import { canonicalJson } from '../domain/canonical-json.ts';

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

/** An entry as stored or as the API answers it (its type a plain string there). */
export type ExportedEntry = Omit<AuditEntry, 'type'> & { type: string };

export function auditCsvRow(entry: ExportedEntry): string {
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
export function auditJsonLine(entry: ExportedEntry): string {
  return `${JSON.stringify(entry)}\n`;
}
