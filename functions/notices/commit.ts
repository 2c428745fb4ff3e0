import type { TransactItem } from '../adapters/dynamodb/audited-transaction.ts';
import { commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import type { AuditEntry, AuditEntryDraft, AuditStreamHead } from '../domain/audit-chain.ts';

/** Commits one step of a change: its writes and its audit entry on the change's stream, all or nothing. */
export function commitChangeStep(
  deps: Dependencies,
  changeId: string,
  entry: AuditEntryDraft,
  items: readonly TransactItem[] | ((head: AuditStreamHead) => readonly TransactItem[]),
  knownHead?: AuditStreamHead | null,
): Promise<AuditEntry[]> {
  return commitWithAudit(
    deps.documentClient,
    deps.tables.auditTrail,
    auditStreamOf(changeId),
    [entry],
    items,
    knownHead,
  );
}
