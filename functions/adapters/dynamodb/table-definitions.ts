/**
 * The one definition of each DynamoDB table. The CDK stack builds its tables from these and the local
 * runtime creates the very same tables in DynamoDB Local, so the two can never drift apart.
 * Handlers find a table's name in the environment variable named by `environmentVariable`.
 */
export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  name: string;
  type: AttributeType;
}

export interface TableDefinition {
  /** Logical name: the CDK construct id, and the local table name (after an optional prefix). */
  logicalName: string;
  environmentVariable: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes?: readonly {
    indexName: string;
    partitionKey: KeyAttribute;
    sortKey?: KeyAttribute;
  }[];
  /** Attribute holding an epoch-seconds expiry (DynamoDB Local accepts TTL but never deletes: filter in code). */
  timeToLiveAttribute?: string;
  /** Its DynamoDB stream (the events outbox's: what the publisher is triggered by in AWS). */
  stream?: 'NEW_IMAGE';
  /** Local-only tables emulate an AWS service (the SES outbox, Step Functions executions); CDK skips them. */
  localOnly?: boolean;
}

/** Partner profiles: stage, contacts, alliance manager. */
export const partnersTable: TableDefinition = {
  logicalName: 'Partners',
  environmentVariable: 'PARTNERS_TABLE',
  partitionKey: { name: 'partnerId', type: 'S' },
};

/**
 * Changes with their notice versions, acknowledgements, queued emails, conflict locks and submission
 * idempotency keys (functions/adapters/dynamodb/change-store.ts owns the item shapes).
 */
export const changesTable: TableDefinition = {
  logicalName: 'Changes',
  environmentVariable: 'CHANGES_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'byPartner',
      partitionKey: { name: 'partnerId', type: 'S' },
      sortKey: { name: 'submittedAt', type: 'S' },
    },
    {
      // Lists by kind (the console's and the CLI's change tables), newest first.
      indexName: 'byKind',
      partitionKey: { name: 'kind', type: 'S' },
      sortKey: { name: 'submittedAt', type: 'S' },
    },
    {
      // Lists by status ("everything awaiting approval").
      indexName: 'byStatus',
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'submittedAt', type: 'S' },
    },
    {
      // Sparse: only emails committed but not yet handed to the provider carry `undelivered`; the sweep
      // delivers any left behind by a step that died between its commit and its delivery.
      indexName: 'undeliveredMessages',
      partitionKey: { name: 'undelivered', type: 'S' },
      sortKey: { name: 'queuedAt', type: 'S' },
    },
    {
      // Sparse: only changes recorded but not yet picked up by their workflow carry `workflowPending`.
      indexName: 'pendingWorkflow',
      partitionKey: { name: 'workflowPending', type: 'S' },
      sortKey: { name: 'submittedAt', type: 'S' },
    },
  ],
};

/** The vendor's staff: who approves, who manages which partner, where their email goes. */
export const staffTable: TableDefinition = {
  logicalName: 'Staff',
  environmentVariable: 'STAFF_TABLE',
  partitionKey: { name: 'userId', type: 'S' },
};

/** Each partner's dated commission-rate schedule: entries are only ever added, never overwritten. */
export const rateScheduleTable: TableDefinition = {
  logicalName: 'RateSchedule',
  environmentVariable: 'RATE_SCHEDULE_TABLE',
  partitionKey: { name: 'partnerId', type: 'S' },
  sortKey: { name: 'entryKey', type: 'S' },
};

/** Per-partner trust ledger: one item per trust-affecting event, keyed so a retry cannot count it twice. */
export const trustLedgerTable: TableDefinition = {
  logicalName: 'TrustLedger',
  environmentVariable: 'TRUST_LEDGER_TABLE',
  partitionKey: { name: 'partnerId', type: 'S' },
  sortKey: { name: 'eventId', type: 'S' },
};

/**
 * Each partner's materialized trust score: one item per partner, updated (ADD) in the same transaction as
 * the ledger entries it sums, so reading a score or the whole portfolio needs no ledger query
 * (functions/adapters/dynamodb/trust-store.ts owns the item shape).
 */
export const trustScoresTable: TableDefinition = {
  logicalName: 'TrustScores',
  environmentVariable: 'TRUST_SCORES_TABLE',
  partitionKey: { name: 'partnerId', type: 'S' },
};

/** Append-only, hash-chained audit entries; `seq` 0 of each stream is its head (last seq and hash). */
export const auditTrailTable: TableDefinition = {
  logicalName: 'AuditTrail',
  environmentVariable: 'AUDIT_TRAIL_TABLE',
  partitionKey: { name: 'stream', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  globalSecondaryIndexes: [
    {
      // Sparse: only heads carry `headShard` (one of AUDIT_HEAD_SHARDS, from the stream's name, so no single
      // index partition takes every step's write): the digest sealer and the verifier list every stream here
      // without scanning the entries (functions/adapters/dynamodb/audit-store.ts).
      indexName: 'heads',
      partitionKey: { name: 'headShard', type: 'S' },
      sortKey: { name: 'stream', type: 'S' },
    },
    {
      // Every entry by its type and time, for compliance's search across streams (functions/audit/search.ts);
      // heads carry no `type`, so they stay out. One partition per type: DynamoDB splits a busy one by `at`.
      indexName: 'byType',
      partitionKey: { name: 'type', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
    },
  ],
};

/**
 * The public events' transactional outbox and log (functions/adapters/dynamodb/event-store.ts owns the item
 * shape): one item per event, written in the same transaction as the audit entry it comes from, so an event
 * exists exactly when its step committed. Its stream triggers the publisher in AWS.
 */
export const eventsTable: TableDefinition = {
  logicalName: 'Events',
  environmentVariable: 'EVENTS_TABLE',
  partitionKey: { name: 'eventId', type: 'S' },
  globalSecondaryIndexes: [
    {
      // Sparse: only events not yet published carry `unpublished`; the publisher reads them oldest first
      // (`logKey` starts with the event's time, ties broken by stream and seq).
      indexName: 'unpublished',
      partitionKey: { name: 'unpublished', type: 'S' },
      sortKey: { name: 'logKey', type: 'S' },
    },
    {
      // A change's or a partner's events in order (the event log by subject).
      indexName: 'bySubject',
      partitionKey: { name: 'subject', type: 'S' },
      sortKey: { name: 'logKey', type: 'S' },
    },
  ],
  stream: 'NEW_IMAGE',
};

/** Local mode's email outbox (stands in for SES): one item per message, keyed by its idempotency key. */
export const localOutboxTable: TableDefinition = {
  logicalName: 'LocalOutbox',
  environmentVariable: 'LOCAL_OUTBOX_TABLE',
  partitionKey: { name: 'messageId', type: 'S' },
  localOnly: true,
};

/** Local mode's Step Functions executions, persisted so in-flight changes survive a restart. */
export const localExecutionsTable: TableDefinition = {
  logicalName: 'LocalExecutions',
  environmentVariable: 'LOCAL_EXECUTIONS_TABLE',
  partitionKey: { name: 'executionArn', type: 'S' },
  localOnly: true,
};

export const allTables: readonly TableDefinition[] = [
  partnersTable,
  staffTable,
  changesTable,
  rateScheduleTable,
  trustLedgerTable,
  trustScoresTable,
  auditTrailTable,
  eventsTable,
  localOutboxTable,
  localExecutionsTable,
];

export const deployedTables = allTables.filter((table) => !table.localOnly);
