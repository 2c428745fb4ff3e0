import type { TransactItem } from '../adapters/dynamodb/audited-transaction.ts';
import { commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import type { AuditEntry, AuditEntryDraft, AuditStreamHead } from '../domain/audit-chain.ts';
import type { ChangeFacts } from '../domain/lifecycle-events.ts';
import { countCommitted } from '../domain/product-metrics.ts';

/**
 * Commits one step of a change: its writes, its audit entry on the change's stream and the public events the
 * entry maps to, all or nothing. `change` is the change as the step decided on it, with its status after the
 * step: the events carry its partner and kind without another read.
 */
export async function commitChangeStep(
  deps: Dependencies,
  change: ChangeFacts,
  entry: AuditEntryDraft,
  items: readonly TransactItem[] | ((head: AuditStreamHead) => readonly TransactItem[]),
  knownHead?: AuditStreamHead | null,
): Promise<AuditEntry[]> {
  const entries = await commitWithAudit(
    deps.documentClient,
    deps.tables,
    auditStreamOf(change.changeId),
    [entry],
    items,
    knownHead,
    change,
  );
  countCommitted(deps.metrics, entries);
  return entries;
}
