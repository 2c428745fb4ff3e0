import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AuditEntry,
  type AuditEntryDraft,
  type AuditStreamHead,
  chainEntries,
} from '../../domain/audit-chain.ts';
import { type ChangeFacts, integrationEventsOf } from '../../domain/lifecycle-events.ts';
import { AuditStore, auditHeadItem } from './audit-store.ts';
import { EventStore } from './event-store.ts';
import type { TableNames } from './table-names.ts';
import { ConditionNotMet, failedConditionIndexes } from './transaction-errors.ts';
import { MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ITEMS } from './transaction-limits.ts';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

export type { TransactItem };

/**
 * A writer loses the head race only when another writer committed in between, so in a burst of N concurrent
 * appends to one stream none loses more than N − 1 times (transaction conflicts aside): this many attempts
 * lets a burst of that many writers through instead of failing the unlucky ones.
 */
const MAX_HEAD_RACES = 32;
/** Cap of the exponential back-off (full jitter) between head races, in milliseconds. */
const MAX_BACKOFF_MS = 100;

export async function readAuditHead(
  documentClient: DynamoDBDocumentClient,
  auditTable: string,
  stream: string,
): Promise<AuditStreamHead | undefined> {
  return new AuditStore(documentClient, { auditTrail: auditTable }).head(stream);
}

/**
 * The items of one audited write on `stream` as its transaction holds them: the caller's items first, then the
 * stream head moved from `head` (under a condition on it), the chained entries and their public events.
 */
function auditedItems(
  tables: Pick<TableNames, 'auditTrail' | 'events'>,
  stream: string,
  head: AuditStreamHead | undefined,
  drafts: readonly AuditEntryDraft[],
  withHead: readonly TransactItem[] | ((head: AuditStreamHead) => readonly TransactItem[]),
  change?: ChangeFacts,
): { entries: AuditEntry[]; own: readonly TransactItem[]; all: TransactItem[] } {
  const auditTable = tables.auditTrail;
  const { entries, head: newHead } = chainEntries(stream, head, drafts);
  // The caller's writes may record the new head (a change keeps its own, to pass as knownHead next time).
  const own = typeof withHead === 'function' ? withHead(newHead) : withHead;
  const headWrite: TransactItem = {
    Put: {
      TableName: auditTable,
      Item: auditHeadItem(stream, newHead, entries.at(-1)?.at ?? ''),
      // `stream` is a DynamoDB reserved word: always through a name placeholder.
      ConditionExpression: head ? 'lastSeq = :previous' : 'attribute_not_exists(#stream)',
      ...(head
        ? { ExpressionAttributeValues: { ':previous': head.seq } }
        : { ExpressionAttributeNames: { '#stream': 'stream' } }),
    },
  };
  const entryWrites: TransactItem[] = entries.map((entry) => ({
    Put: { TableName: auditTable, Item: entry, ConditionExpression: 'attribute_not_exists(seq)' },
  }));
  const eventWrites = entries.flatMap((entry) =>
    integrationEventsOf(entry, change).map((event) => EventStore.record(tables.events, event)),
  );
  return { entries, own, all: [...own, headWrite, ...entryWrites, ...eventWrites] };
}

/**
 * Commits domain writes, their audit entries and the public events those entries map to
 * (functions/domain/lifecycle-events.ts) in one DynamoDB transaction, so a step, its audit entry and its
 * events exist together or not at all: the events table is a transactional outbox, and no event is ever
 * published for a write that did not commit, nor lost for one that did. The stream head (seq 0) is updated
 * under a condition on its previous value: two writers racing on one stream cannot both link to the same
 * predecessor; the loser re-chains and retries.
 * A failed condition on one of the caller's own items is not retried: it surfaces as ConditionNotMet.
 */
export async function commitWithAudit(
  documentClient: DynamoDBDocumentClient,
  tables: Pick<TableNames, 'auditTrail' | 'events'>,
  stream: string,
  drafts: readonly AuditEntryDraft[],
  withHead: readonly TransactItem[] | ((head: AuditStreamHead) => readonly TransactItem[]),
  /**
   * The head as the caller last saw it (`null`: the stream is new), to save reading it; a stale one only
   * costs a lost head race, after which the head is read.
   */
  knownHead?: AuditStreamHead | null,
  /** The change a change stream's entries belong to, as the step knows it: its events carry these facts. */
  change?: ChangeFacts,
): Promise<AuditEntry[]> {
  for (let attempt = 1; ; attempt += 1) {
    const head =
      attempt === 1 && knownHead !== undefined
        ? (knownHead ?? undefined)
        : await readAuditHead(documentClient, tables.auditTrail, stream);
    const { entries, own: items, all } = auditedItems(tables, stream, head, drafts, withHead, change);
    try {
      await documentClient.send(new TransactWriteCommand({ TransactItems: all }));
      return entries;
    } catch (error) {
      const failed = failedConditionIndexes(error);
      if (!failed) throw error;
      const own = failed.filter((index) => index < items.length);
      if (own.length > 0) throw new ConditionNotMet(`Guarded write failed on ${stream}`, own);
      // Otherwise the head moved or a concurrent transaction touched the same items: re-chain and retry.
      if (attempt >= MAX_HEAD_RACES) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)),
      );
    }
  }
}

/** One audited write of a group: as commitWithAudit's arguments, the head known (`null`: a new stream). */
export interface AuditedWrite {
  stream: string;
  drafts: readonly AuditEntryDraft[];
  items: readonly TransactItem[];
  head: AuditStreamHead | null;
}

/** Each write of a group: committed with its entries, or not written (its transaction was cancelled). */
export type GroupedWriteOutcome = { committed: true; entries: AuditEntry[] } | { committed: false };

/**
 * Commits audited writes on distinct streams several to a transaction (packed in order up to DynamoDB's 100
 * items and well under its 4 MB), each write whole with its head, entries and events exactly as
 * commitWithAudit would write it alone. A transaction is all-or-nothing, so the writes it packs are too: if it
 * is cancelled (a write's condition failed, a head raced, a conflict), none of its writes is written and each is
 * reported `committed: false`, for the caller to redo one by one (commitWithAudit), where each gets its own
 * outcome. The saving is per request: DynamoDB Local serves fewer, bigger transactions faster (see the bench).
 * The writes must not touch the same keys (distinct streams and items): DynamoDB refuses such a transaction.
 */
export async function commitAuditedTogether(
  documentClient: DynamoDBDocumentClient,
  tables: Pick<TableNames, 'auditTrail' | 'events'>,
  writes: readonly AuditedWrite[],
): Promise<GroupedWriteOutcome[]> {
  const outcomes: GroupedWriteOutcome[] = [];
  const built = writes.map((write) => {
    const { entries, all } = auditedItems(
      tables,
      write.stream,
      write.head ?? undefined,
      write.drafts,
      write.items,
    );
    return { entries, all, bytes: Buffer.byteLength(JSON.stringify(all)) };
  });
  let start = 0;
  while (start < built.length) {
    let end = start;
    let items = 0;
    let bytes = 0;
    // At least one write per transaction: one too big for a transaction fails alone, as it would unpacked.
    while (
      end < built.length &&
      (end === start ||
        (items + built[end]!.all.length <= MAX_TRANSACTION_ITEMS &&
          bytes + built[end]!.bytes <= MAX_TRANSACTION_BYTES))
    ) {
      items += built[end]!.all.length;
      bytes += built[end]!.bytes;
      end += 1;
    }
    const pack = built.slice(start, end);
    try {
      await documentClient.send(
        new TransactWriteCommand({ TransactItems: pack.flatMap((write) => write.all) }),
      );
      for (const write of pack) outcomes.push({ committed: true, entries: write.entries });
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      for (const _ of pack) outcomes.push({ committed: false });
    }
    start = end;
  }
  return outcomes;
}
