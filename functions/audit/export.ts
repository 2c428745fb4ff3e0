import type { AuditStore } from '../adapters/dynamodb/audit-store.ts';
import type { ChangeStore } from '../adapters/dynamodb/change-store.ts';
import type { AuditEntry } from '../domain/audit-chain.ts';
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

// The formats live in their own module (no store imports), so the console writes the same CSV and JSON Lines.
export { AUDIT_CSV_COLUMNS, auditCsvHeader, auditCsvRow, auditJsonLine } from './export-format.ts';
