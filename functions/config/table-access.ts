/**
 * Which tables, indexes and kinds of access each deployed function's code needs: the one declaration CDK
 * grants from (infra/tables.ts `grantDeclared`), checked against what each workflow task's real code sends on
 * the local engines (test/e2e/table-access.e2e.test.ts).
 */
import { auditTrailTable, deployedTables, trustLedgerTable } from '../adapters/dynamodb/table-definitions.ts';
import type { NoticeLifecycleTask, PolicyChangeTask } from './workflows.ts';

/** A deployed table's logical name (functions/adapters/dynamodb/table-definitions.ts). */
export type TableName =
  | 'Partners'
  | 'Staff'
  | 'Changes'
  | 'RateSchedule'
  | 'TrustLedger'
  | 'TrustScores'
  | 'AuditTrail'
  | 'Events';

export interface TableGrant {
  /** read: GetItem, BatchGetItem, Query, ConditionCheckItem; readWrite adds PutItem, UpdateItem (and deletes). */
  access: 'read' | 'readWrite';
  /** The indexes it queries, by name (each one of the table's definition); none when omitted. */
  indexes?: readonly string[];
  /** Also dynamodb:Scan (a whole-table read, e.g. a segment of the partner directory). */
  scan?: boolean;
}

/** One function's tables: only those listed are granted at all. */
export type FunctionTableAccess = Partial<Record<TableName, TableGrant>>;

/**
 * Tables whose items are never deleted: nobody gets DeleteItem/BatchWriteItem on them, whatever the access.
 * The audit trail is append-only (PRODUCT.md, principle 8); the trust ledger's entries are immutable and the
 * materialized scores are their sums.
 */
export const appendOnlyTables: ReadonlySet<string> = new Set([
  auditTrailTable.logicalName,
  trustLedgerTable.logicalName,
]);

const readActions = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
] as const;

/** The IAM actions `grant` gives on `table` (sorted). */
export function tableActionsFor(table: string, grant: TableGrant): string[] {
  const reads = [...readActions, ...(grant.scan ? ['dynamodb:Scan'] : [])];
  if (grant.access === 'read') return reads.sort();
  const deletes = appendOnlyTables.has(table) ? [] : ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'];
  return [...reads, ...deletes, 'dynamodb:PutItem', 'dynamodb:UpdateItem'].sort();
}

/** Every deployed table and every index of it, readWrite: for the HTTP API, which serves every use case. */
const everyTable: FunctionTableAccess = Object.fromEntries(
  deployedTables.map((table) => [
    table.logicalName,
    {
      access: 'readWrite',
      indexes: (table.globalSecondaryIndexes ?? []).map((index) => index.indexName),
      scan: true,
    },
  ]),
);

/**
 * Each workflow task's tables, as its code path uses them (checked by test/e2e/table-access.e2e.test.ts).
 * Every task is listed (the type says so): a new task cannot go ungranted, or get everything, unseen.
 */
export const taskTableAccess: Record<NoticeLifecycleTask | PolicyChangeTask, FunctionTableAccess> = {
  // Deadlines: expiry, reminders, escalation (trust penalties), hold; the partner's contacts for the emails.
  AdvanceFunctionArn: {
    Changes: { access: 'readWrite' },
    Partners: { access: 'read' },
    AuditTrail: { access: 'readWrite' },
    Events: { access: 'readWrite' },
    TrustLedger: { access: 'readWrite' },
    TrustScores: { access: 'readWrite' },
  },
  // The notice version (with the rate it replaces, from the schedule) and its emails to the partner's contacts.
  SendNoticeFunctionArn: {
    Changes: { access: 'readWrite' },
    Partners: { access: 'read' },
    RateSchedule: { access: 'read' },
    AuditTrail: { access: 'readWrite' },
    Events: { access: 'readWrite' },
  },
  // Parks the task token on the change.
  AwaitEventFunctionArn: { Changes: { access: 'readWrite' } },
  // The dated rate entry, the trust outcome, the conflict lock released.
  ApplyChangeFunctionArn: {
    Changes: { access: 'readWrite' },
    RateSchedule: { access: 'readWrite' },
    AuditTrail: { access: 'readWrite' },
    Events: { access: 'readWrite' },
    TrustLedger: { access: 'readWrite' },
    TrustScores: { access: 'readWrite' },
  },
  RecordFailureFunctionArn: { Changes: { access: 'readWrite' }, AuditTrail: { access: 'readWrite' } },
  // The segment (a scan of the directory, then the partners of a round by key) into the round's manifest.
  PlanPolicyRoundFunctionArn: {
    Changes: { access: 'readWrite' },
    Partners: { access: 'read', scan: true },
    AuditTrail: { access: 'readWrite' },
  },
  // Each partner's notice state and counters; a partner who stays unreachable costs trust.
  SendPolicyBatchFunctionArn: {
    Changes: { access: 'readWrite' },
    AuditTrail: { access: 'readWrite' },
    TrustLedger: { access: 'readWrite' },
    TrustScores: { access: 'readWrite' },
  },
  CompletePolicyRoundFunctionArn: { Changes: { access: 'readWrite' }, AuditTrail: { access: 'readWrite' } },
  AwaitPolicyEventFunctionArn: { Changes: { access: 'readWrite' } },
  RecordPolicyFailureFunctionArn: { Changes: { access: 'readWrite' }, AuditTrail: { access: 'readWrite' } },
};

/**
 * The functions outside the workflows (the sweep's is checked like the tasks'). The HTTP API serves every staff
 * and partner use case (functions/http), so it reads, scans and writes every table and queries every index;
 * deletes are still refused on the append-only ones. The publisher's (infra/events.ts) and the audit sealer's
 * (infra/audit-anchoring.ts) grants are their constructs' own.
 */
export const handlerTableAccess = {
  httpApi: everyTable,
  // Changes left pending (and approved policy changes), emails left queued: found by their sparse indexes.
  startPendingWorkflows: {
    Changes: { access: 'readWrite', indexes: ['byKind', 'pendingWorkflow', 'undeliveredMessages'] },
  },
  // A bounce or complaint (infra/email.ts): the recipient marked unreachable on the notice (audited), and with
  // no primary contact left the fallback contacts (from the directory) sent the notice.
  emailFeedback: {
    Changes: { access: 'readWrite' },
    Partners: { access: 'read' },
    AuditTrail: { access: 'readWrite' },
  },
} as const satisfies Record<string, FunctionTableAccess>;

/**
 * What SES delivery adds (functions/adapters/email/ses-mailer.ts): a send marker in the Changes table, put
 * before the send and deleted when it fails. Locally the outbox stands in for SES, so the check above cannot
 * see it: CDK adds it to every function that sends email.
 */
export const sesMailerTableAccess: FunctionTableAccess = { Changes: { access: 'readWrite' } };

/** Both declarations at once: every table of either, readWrite where either writes, their indexes and scans. */
export function mergeTableAccess(a: FunctionTableAccess, b: FunctionTableAccess): FunctionTableAccess {
  const merged: FunctionTableAccess = { ...a };
  for (const [name, grant] of Object.entries(b) as [TableName, TableGrant][]) {
    const other = merged[name];
    if (!other) {
      merged[name] = grant;
      continue;
    }
    const indexes = [...new Set([...(other.indexes ?? []), ...(grant.indexes ?? [])])];
    merged[name] = {
      access: other.access === 'readWrite' || grant.access === 'readWrite' ? 'readWrite' : 'read',
      ...(indexes.length > 0 ? { indexes } : {}),
      ...(other.scan || grant.scan ? { scan: true } : {}),
    };
  }
  return merged;
}
