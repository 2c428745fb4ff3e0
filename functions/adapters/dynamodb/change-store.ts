import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditStreamHead } from '../../domain/audit-chain.ts';
import type { AcknowledgementRecord, Change } from '../../domain/change.ts';
import {
  assertTransition,
  type ChangeStatus,
  isTerminal,
  type LifecycleEvent,
  terminalStatuses,
} from '../../domain/lifecycle.ts';
import type { NoticeContent } from '../../domain/notice.ts';
import type { OutgoingEmail } from '../email/notice-mailer.ts';
import { queryAll } from './all-items.ts';
import type { TransactItem } from './audited-transaction.ts';
import type { TableNames } from './table-names.ts';
import { isConditionFailed } from './transaction-errors.ts';

/** DynamoDB's limit on the items of one TransactWriteItems request. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * The Changes table's item shapes, owned here: a change and everything that belongs to it share one partition
 * (`change#<id>`): its notice versions, acknowledgements and queued emails. Use cases never spell a DynamoDB
 * expression; they call the named writes below, which return transaction items for `commitChangeStep`.
 */
export const changeKeys = {
  change: (changeId: string) => ({ pk: `change#${changeId}`, sk: 'change' }),
  notice: (changeId: string, version: number) => ({
    pk: `change#${changeId}`,
    sk: `notice#${String(version).padStart(4, '0')}`,
  }),
  acknowledgement: (changeId: string, noticeId: string) => ({
    pk: `change#${changeId}`,
    sk: `acknowledgement#${noticeId}`,
  }),
  /** The first open of a notice version's link by one recipient (written once; a repeat writes nothing). */
  opened: (changeId: string, noticeId: string, contactId: string) => ({
    pk: `change#${changeId}`,
    sk: `opened#${noticeId}#${contactId}`,
  }),
  /** A manager's handover note on an alliance-manager reassignment (one per side, written once). */
  handover: (changeId: string, side: HandoverSide) => ({
    pk: `change#${changeId}`,
    sk: `handover#${side}`,
  }),
  message: (changeId: string, messageId: string) => ({
    pk: `change#${changeId}`,
    sk: `message#${messageId}`,
  }),
  idempotency: (caller: string, key: string) => ({ pk: `idempotency#${caller}#${key}`, sk: 'idempotency' }),
  conflict: (partnerId: string, conflictKey: string) => ({
    pk: `conflict#${partnerId}#${conflictKey}`,
    sk: 'conflict',
  }),
};

const PENDING = 'pending';

/** The two managers of a reassignment's handover. */
export type HandoverSide = 'outgoing' | 'incoming';

/** One manager's record of the handover, kept in the change's partition. */
export interface HandoverRecord {
  side: HandoverSide;
  userId: string;
  note: string;
  recordedAt: string;
}
const UNDELIVERED = 'queued';

export const auditStreamOf = (changeId: string) => `change#${changeId}`;

/** Notice ids name their change and version: `<changeId>-v<version>`. */
export function noticeIdOf(changeId: string, version: number): string {
  return `${changeId}-v${version}`;
}

export function parseNoticeId(noticeId: string): { changeId: string; version: number } | undefined {
  const match = /^(.+)-v(\d{1,4})$/.exec(noticeId);
  if (!match) return undefined;
  return { changeId: match[1]!, version: Number(match[2]) };
}

/** A change as stored, with the workflow's bookkeeping. */
export interface StoredChange<Terms = unknown> extends Change<Terms> {
  /** The callback token of the workflow waiting on this change, and the revision it waits on. */
  taskToken?: string;
  taskTokenRevision?: number;
  /** Which execution of the workflow runs it (1, then 2 after an operator's retry …). */
  workflowAttempt?: number;
  /** Its audit stream's head as of its last step: the next step chains from it without reading the head. */
  auditHead?: AuditStreamHead;
}

export interface StoredNotice {
  noticeId: string;
  changeId: string;
  version: number;
  contentHash: string;
  content: NoticeContent;
  issuedAt: string;
}

export interface IdempotencyRecord {
  changeId: string;
  requestFingerprint: string;
}

/** An email committed with the step that caused it, delivered right after (and re-tried until delivered). */
export interface QueuedMessage {
  messageId: string;
  changeId: string;
  deliveryStatus: 'queued' | 'delivered';
  queuedAt: string;
  deliveredAt?: string;
  email: OutgoingEmail;
}

export interface ChangeListQuery {
  kind?: string | undefined;
  /** The kinds a list of every kind merges (when nothing else narrows it): the registered kinds. */
  kinds?: readonly string[] | undefined;
  status?: ChangeStatus | undefined;
  partnerId?: string | undefined;
  submittedBy?: string | undefined;
  /** Submitted on or after (ISO instant or date). */
  from?: string | undefined;
  /** Submitted before (ISO instant or date). */
  to?: string | undefined;
  /** Not submitted by this person (an approver's inbox: maker-checker). Not an HTTP filter. */
  notSubmittedBy?: string | undefined;
  /** Only changes with a partner's concern still unanswered (an inbox). Not an HTTP filter. */
  openDispute?: boolean | undefined;
  limit: number;
  cursor?: Record<string, NativeAttributeValue> | undefined;
}

export interface ChangePage {
  items: StoredChange[];
  cursor?: Record<string, NativeAttributeValue>;
}

/** The index a list reads through: the one that narrows most (partner, status, kind). */
function listIndexOf(query: ChangeListQuery): { name: string; key: string; value: string } {
  return query.partnerId
    ? { name: 'byPartner', key: 'partnerId', value: query.partnerId }
    : query.status
      ? { name: 'byStatus', key: 'status', value: query.status }
      : { name: 'byKind', key: 'kind', value: query.kind ?? 'commission-change' };
}

/**
 * Whether a cursor can start this list's query: exactly the keys a page of this index ends with (as `list`
 * returns them), for the same partition, inside the same submission dates. Anything else (forged, or from a
 * list with other filters) would make DynamoDB refuse the query.
 */
function cursorFits(
  cursor: Record<string, NativeAttributeValue>,
  index: { key: string; value: string },
  query: Pick<ChangeListQuery, 'from' | 'to'>,
): boolean {
  const names = ['pk', 'sk', index.key, 'submittedAt'];
  const keys = Object.keys(cursor);
  if (keys.length !== names.length || !names.every((name) => keys.includes(name))) return false;
  if (!names.every((name) => typeof cursor[name] === 'string' && cursor[name].length > 0)) return false;
  if (cursor[index.key] !== index.value) return false;
  const submittedAt = cursor.submittedAt as string;
  if (query.from && submittedAt < query.from) return false;
  if (query.to && (query.from ? submittedAt > query.to : submittedAt >= query.to)) return false;
  return true;
}

/** Top-level attributes a transition may set besides status and revision. */
type ChangePatch = Partial<Omit<StoredChange, 'changeId' | 'status' | 'revision'>> & {
  /** Marks the change for the pending-workflow sweep again (an operator's retry). */
  workflowPending?: typeof PENDING;
};
type Removable = keyof ChangePatch | 'workflowPending';

export interface TransitionOptions {
  remove?: readonly Removable[];
  /** The workflow itself acts: the change no longer waits for its workflow to start. */
  fromWorkflow?: boolean;
  /**
   * The workflow's parked task token as the step was decided on (null: none parked). The step then commits
   * only if no other token was parked meanwhile, so the caller knows, without reading back, which wait to
   * resume (parking does not move the revision; see parkTaskToken).
   */
  taskTokenSeen?: string | null;
}

/** What a transition removes: the caller's attributes, and the pending-start marker once the workflow acts or the change ends. */
function removalsOf(to: ChangeStatus, options: TransitionOptions): Removable[] {
  return [
    ...new Set([
      ...(options.remove ?? []),
      ...(options.fromWorkflow || isTerminal(to) ? ['workflowPending' as const] : []),
    ]),
  ];
}

export class ChangeStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  // ---- reads (consistent: each step decides on what the last step wrote) ----

  async get<Terms = unknown>(changeId: string): Promise<StoredChange<Terms> | undefined> {
    const item = await this.item<StoredChange<Terms> & { workflowPending?: string }>(
      changeKeys.change(changeId),
    );
    if (!item) return undefined;
    // `workflowPending` is a marker for the pending-workflow index, not part of the change.
    const { workflowPending: _pending, ...change } = item;
    return change;
  }

  /**
   * A change and one of its notice versions in one request (a partner's link shows both). Keys the batch
   * leaves unprocessed (throttling) are read one by one, so the answer never depends on the batch.
   */
  async changeWithNotice(
    changeId: string,
    version: number,
  ): Promise<{ change?: StoredChange; notice?: StoredNotice }> {
    const changeKey = changeKeys.change(changeId);
    const noticeKey = changeKeys.notice(changeId, version);
    const { Responses, UnprocessedKeys } = await this.documentClient.send(
      new BatchGetCommand({
        RequestItems: { [this.tables.changes]: { Keys: [changeKey, noticeKey], ConsistentRead: true } },
      }),
    );
    if ((UnprocessedKeys?.[this.tables.changes]?.Keys?.length ?? 0) > 0) {
      const [change, notice] = await Promise.all([this.get(changeId), this.notice(changeId, version)]);
      return { ...(change ? { change } : {}), ...(notice ? { notice } : {}) };
    }
    const items = Responses?.[this.tables.changes] ?? [];
    const found = (sk: string) => items.find((item) => item.sk === sk);
    const changeItem = found(changeKey.sk);
    const noticeItem = found(noticeKey.sk);
    const { pk: _pk, sk: _sk, workflowPending: _pending, ...change } = changeItem ?? {};
    const { pk: _npk, sk: _nsk, ...notice } = noticeItem ?? {};
    return {
      ...(changeItem ? { change: change as StoredChange } : {}),
      ...(noticeItem ? { notice: notice as StoredNotice } : {}),
    };
  }

  notice(changeId: string, version: number): Promise<StoredNotice | undefined> {
    return this.item(changeKeys.notice(changeId, version));
  }

  acknowledgement(changeId: string, noticeId: string): Promise<AcknowledgementRecord | undefined> {
    return this.item(changeKeys.acknowledgement(changeId, noticeId));
  }

  /** Whether this recipient's link to this notice version was opened before (its first open recorded). */
  async wasOpened(changeId: string, noticeId: string, contactId: string): Promise<boolean> {
    return (await this.item(changeKeys.opened(changeId, noticeId, contactId))) !== undefined;
  }

  /** The handover records of a reassignment, outgoing and incoming (either may be missing). */
  async handovers(changeId: string): Promise<HandoverRecord[]> {
    const items = await queryAll<HandoverRecord & { pk: string; sk: string }>(this.documentClient, {
      TableName: this.tables.changes,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :handover)',
      ExpressionAttributeValues: { ':pk': changeKeys.change(changeId).pk, ':handover': 'handover#' },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...record }) => record);
  }

  idempotencyRecord(caller: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.item(changeKeys.idempotency(caller, key));
  }

  async conflictHolder(partnerId: string, conflictKey: string): Promise<string | undefined> {
    const item = await this.item<{ changeId: string }>(changeKeys.conflict(partnerId, conflictKey));
    return item?.changeId;
  }

  async messages(changeId: string, onlyQueued = false): Promise<QueuedMessage[]> {
    const items = await queryAll<QueuedMessage & { pk: string; sk: string; undelivered?: string }>(
      this.documentClient,
      {
        TableName: this.tables.changes,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :message)',
        ...(onlyQueued ? { FilterExpression: 'deliveryStatus = :queued' } : {}),
        ExpressionAttributeValues: {
          ':pk': changeKeys.change(changeId).pk,
          ':message': 'message#',
          ...(onlyQueued ? { ':queued': 'queued' } : {}),
        },
        ConsistentRead: true,
      },
    );
    return items.map(({ pk: _pk, sk: _sk, undelivered: _undelivered, ...message }) => message);
  }

  auditEntries(changeId: string): Promise<AuditEntry[]> {
    return queryAll<AuditEntry>(this.documentClient, {
      TableName: this.tables.auditTrail,
      KeyConditionExpression: '#stream = :stream AND seq > :head',
      ExpressionAttributeNames: { '#stream': 'stream' },
      ExpressionAttributeValues: { ':stream': auditStreamOf(changeId), ':head': 0 },
      ConsistentRead: true,
    });
  }

  /**
   * A partner's changes that have not ended (pending, in notice, disputed, scheduled, failed): what a new
   * submission for the partner is weighed against. Reads the partner's whole partition of the byPartner index,
   * which holds only that partner's changes (tens a year), never other partners'.
   */
  async openOfPartner(partnerId: string): Promise<StoredChange[]> {
    const ended = [...terminalStatuses];
    const items = await queryAll<StoredChange & { pk: string; sk: string }>(this.documentClient, {
      TableName: this.tables.changes,
      IndexName: 'byPartner',
      KeyConditionExpression: 'partnerId = :partnerId',
      FilterExpression: `sk = :change AND NOT #status IN (${ended.map((_, i) => `:ended${i}`).join(', ')})`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':partnerId': partnerId,
        ':change': 'change',
        ...Object.fromEntries(ended.map((status, i) => [`:ended${i}`, status])),
      },
    });
    return items.map(({ pk: _pk, sk: _sk, ...change }) => change as StoredChange);
  }

  /** The ids of every change to a partner, of any kind and status (whose audit streams are the partner's). */
  async idsOfPartner(partnerId: string): Promise<string[]> {
    const items = await queryAll<{ changeId: string }>(this.documentClient, {
      TableName: this.tables.changes,
      IndexName: 'byPartner',
      KeyConditionExpression: 'partnerId = :partnerId',
      FilterExpression: 'sk = :change',
      ExpressionAttributeValues: { ':partnerId': partnerId, ':change': 'change' },
      ProjectionExpression: 'changeId',
    });
    return items.map((item) => item.changeId);
  }

  /**
   * Every change of one kind for a partner, oldest first (e.g. its stage moves, for its stage history). Reads
   * the partner's partition of the byPartner index, which holds only that partner's changes.
   */
  async ofPartnerAndKind(partnerId: string, kind: string): Promise<StoredChange[]> {
    const items = await queryAll<StoredChange & { pk: string; sk: string }>(this.documentClient, {
      TableName: this.tables.changes,
      IndexName: 'byPartner',
      KeyConditionExpression: 'partnerId = :partnerId',
      FilterExpression: 'sk = :change AND #kind = :kind',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':partnerId': partnerId, ':change': 'change', ':kind': kind },
      ScanIndexForward: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...change }) => change as StoredChange);
  }

  /** Changes starting their workflow's sweep: recorded before `cutoff` and not picked up by a workflow yet. */
  pendingWorkflows(cutoff: string): Promise<{ changeId: string; workflowAttempt?: number }[]> {
    return queryAll(this.documentClient, {
      TableName: this.tables.changes,
      IndexName: 'pendingWorkflow',
      KeyConditionExpression: 'workflowPending = :pending AND submittedAt <= :cutoff',
      ExpressionAttributeValues: { ':pending': PENDING, ':cutoff': cutoff },
    });
  }

  /** Emails committed before `cutoff` and still not handed to the provider (their step died in between). */
  undeliveredMessages(cutoff: string): Promise<{ changeId: string; messageId: string }[]> {
    return queryAll(this.documentClient, {
      TableName: this.tables.changes,
      IndexName: 'undeliveredMessages',
      KeyConditionExpression: 'undelivered = :queued AND queuedAt <= :cutoff',
      ExpressionAttributeValues: { ':queued': UNDELIVERED, ':cutoff': cutoff },
    });
  }

  /**
   * A page of changes, newest first, through the index that narrows most (partner, status, kind), the other
   * filters applied on the way; pages are filled up to `limit` and the cursor is the last item returned. A
   * cursor that cannot start this query (see cursorFits) is answered 'invalid-cursor'. With nothing that
   * narrows (no partner, status or kind), the kinds' pages are merged (see listAcrossKinds).
   */
  async list(query: ChangeListQuery): Promise<ChangePage | 'invalid-cursor'> {
    if (!query.partnerId && !query.status && query.kind === undefined && query.kinds) {
      return this.listAcrossKinds(query, query.kinds);
    }
    const index = listIndexOf(query);
    if (query.cursor && !cursorFits(query.cursor, index, query)) return 'invalid-cursor';
    const items: StoredChange[] = [];
    for await (const { change, key } of this.listed(query, index, { startKey: query.cursor })) {
      items.push(change);
      if (items.length === query.limit) return { items, cursor: key };
    }
    return { items };
  }

  /**
   * Every kind's changes, newest first: one query of the byKind index per kind, merged. The cursor is the last
   * item returned (a byKind key, as a single kind's list ends with); the next page reads each kind from that
   * instant on and keeps what comes after it in the order (submittedAt, then pk, both descending), so items
   * submitted in the same millisecond are neither lost nor repeated across pages.
   */
  private async listAcrossKinds(
    query: ChangeListQuery,
    kinds: readonly string[],
  ): Promise<ChangePage | 'invalid-cursor'> {
    const cursor = query.cursor;
    if (
      cursor &&
      !(
        typeof cursor.kind === 'string' &&
        kinds.includes(cursor.kind) &&
        cursorFits(cursor, { key: 'kind', value: cursor.kind }, query)
      )
    ) {
      return 'invalid-cursor';
    }
    const after = cursor ? { submittedAt: cursor.submittedAt as string, pk: cursor.pk as string } : undefined;
    const isAfterCursor = (key: Record<string, NativeAttributeValue>) =>
      !after ||
      key.submittedAt < after.submittedAt ||
      (key.submittedAt === after.submittedAt && key.pk < after.pk);
    const perKind = await Promise.all(
      kinds.map(async (kind) => {
        const found: { change: StoredChange; key: Record<string, NativeAttributeValue> }[] = [];
        const index = { name: 'byKind', key: 'kind', value: kind };
        for await (const item of this.listed(query, index, { upTo: after?.submittedAt })) {
          if (!isAfterCursor(item.key)) continue;
          // Past `limit`, only the items tied with the last one kept can still belong on this page.
          const last = found[query.limit - 1];
          if (last && item.key.submittedAt !== last.key.submittedAt) break;
          found.push(item);
        }
        return found;
      }),
    );
    const merged = perKind
      .flat()
      .sort(
        (a, b) =>
          b.key.submittedAt.localeCompare(a.key.submittedAt) || (b.key.pk as string).localeCompare(a.key.pk),
      )
      .slice(0, query.limit);
    const items = merged.map(({ change }) => change);
    const last = merged.at(-1);
    return items.length === query.limit && last ? { items, cursor: last.key } : { items };
  }

  /**
   * The changes of one index partition that pass the list's filters, newest first, each with the key a page
   * ending on it is resumed from. `startKey` resumes a single index's page; `upTo` bounds submittedAt
   * (inclusive) instead, for the merged list.
   */
  private async *listed(
    query: ChangeListQuery,
    index: { name: string; key: string; value: string },
    resume: { startKey?: Record<string, NativeAttributeValue> | undefined; upTo?: string | undefined },
  ): AsyncGenerator<{ change: StoredChange; key: Record<string, NativeAttributeValue> }> {
    const names: Record<string, string> = { '#key': index.key };
    const values: Record<string, NativeAttributeValue> = { ':key': index.value };
    let keyCondition = '#key = :key';
    // The merged list's bound comes from an item inside the query's dates, so it replaces the upper one.
    const upper = resume.upTo !== undefined ? { at: resume.upTo, inclusive: true } : undefined;
    if (upper) values[':upTo'] = upper.at;
    if (query.from && (upper || query.to)) {
      keyCondition += upper
        ? ' AND submittedAt BETWEEN :from AND :upTo'
        : ' AND submittedAt BETWEEN :from AND :to';
      values[':from'] = query.from;
      if (!upper) values[':to'] = query.to;
    } else if (query.from) {
      keyCondition += ' AND submittedAt >= :from';
      values[':from'] = query.from;
    } else if (upper) {
      keyCondition += ' AND submittedAt <= :upTo';
    } else if (query.to) {
      keyCondition += ' AND submittedAt < :to';
      values[':to'] = query.to;
    }
    const filters = ['sk = :change'];
    values[':change'] = 'change';
    const filter = (attribute: string, value: string | undefined) => {
      if (value === undefined || attribute === index.key) return;
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      filters.push(`#${attribute} = :${attribute}`);
    };
    filter('kind', query.kind);
    filter('status', query.status);
    filter('submittedBy', query.submittedBy);
    if (query.notSubmittedBy !== undefined) {
      names['#submittedBy'] = 'submittedBy';
      values[':notSubmittedBy'] = query.notSubmittedBy;
      filters.push('#submittedBy <> :notSubmittedBy');
    }
    if (query.openDispute) {
      // A favourable change keeps its status when disputed: the dispute itself is what an inbox looks for.
      names['#dispute'] = 'dispute';
      names['#resolution'] = 'resolution';
      filters.push('attribute_exists(#dispute) AND attribute_not_exists(#dispute.#resolution)');
    }
    let startKey = resume.startKey;
    // Each round reads one DynamoDB page; a page may hold fewer matches than asked (filters), so keep reading.
    // A full page's cursor is its last item (the next page may then turn out empty: that is the end).
    for (;;) {
      const input: QueryCommandInput = {
        TableName: this.tables.changes,
        IndexName: index.name,
        KeyConditionExpression: keyCondition,
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: Math.max(query.limit * 2, 25),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      };
      const page = await this.documentClient.send(new QueryCommand(input));
      for (const item of (page.Items ?? []) as (StoredChange & { pk: string; sk: string })[]) {
        const { pk, sk, ...change } = item;
        yield {
          change: change as StoredChange,
          key: { pk, sk, [index.key]: item[index.key as keyof typeof item], submittedAt: item.submittedAt },
        };
      }
      if (!page.LastEvaluatedKey) return;
      startKey = page.LastEvaluatedKey;
    }
  }

  // ---- named writes: each returns one transaction item ----

  /** A new change, marked for the pending-workflow sweep until its workflow first acts on it. */
  create(change: StoredChange): TransactItem {
    assertTransition('submit', undefined, change.status);
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...changeKeys.change(change.changeId), ...change, workflowPending: PENDING },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Moves `change` by `event` to `to` (allowed by the lifecycle's transition table, or this throws), setting
   * `patch`; conditioned on the status and revision it was decided on, and bumping the revision.
   * `fromWorkflow` clears the pending-workflow marker: the workflow has evidently picked the change up. So
   * does an end (applied, withdrawn, rejected, expired): an ended change needs no workflow, and one ended by a
   * person before its workflow ever parked or moved it (a withdrawal racing the first wait, or made while
   * Step Functions was down) would otherwise be "started" again by every pending-workflow sweep.
   */
  transition(
    change: Pick<StoredChange, 'changeId' | 'status' | 'revision'>,
    event: LifecycleEvent,
    to: ChangeStatus,
    patch: ChangePatch = {},
    options: TransitionOptions = {},
  ): TransactItem {
    assertTransition(event, change.status, to);
    const names: Record<string, string> = { '#status': 'status', '#revision': 'revision' };
    const values: Record<string, NativeAttributeValue> = {
      ':from': change.status,
      ':to': to,
      ':rev': change.revision,
      ':next': change.revision + 1,
    };
    const sets = ['#status = :to', '#revision = :next'];
    let n = 0;
    for (const [attribute, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      n += 1;
      names[`#a${n}`] = attribute;
      values[`:a${n}`] = value;
      sets.push(`#a${n} = :a${n}`);
    }
    const removeNames = removalsOf(to, options).map((attribute, index) => {
      names[`#r${index}`] = attribute;
      return `#r${index}`;
    });
    const conditions = ['#status = :from', '#revision = :rev'];
    if (options.taskTokenSeen === null) conditions.push('attribute_not_exists(taskToken)');
    else if (options.taskTokenSeen !== undefined) {
      conditions.push('taskToken = :seenToken');
      values[':seenToken'] = options.taskTokenSeen;
    }
    return {
      Update: {
        TableName: this.tables.changes,
        Key: changeKeys.change(change.changeId),
        UpdateExpression: `SET ${sets.join(', ')}${removeNames.length > 0 ? ` REMOVE ${removeNames.join(', ')}` : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * The change as `transition` leaves it, without reading it back: the same status, revision, patch and
   * removals, applied in memory to the version it was decided on.
   */
  static afterTransition(
    change: StoredChange,
    to: ChangeStatus,
    patch: ChangePatch = {},
    options: TransitionOptions = {},
  ): StoredChange {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const next: Record<string, unknown> = {
      ...change,
      ...defined,
      status: to,
      revision: change.revision + 1,
    };
    for (const attribute of removalsOf(to, options)) delete next[attribute];
    return next as unknown as StoredChange;
  }

  /** A notice version's content, exactly as the partner sees it; written once. */
  saveNotice(notice: StoredNotice): TransactItem {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...changeKeys.notice(notice.changeId, notice.version), ...notice },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** One acknowledgement per notice version: the first click wins, a repeat finds it. */
  saveAcknowledgement(changeId: string, acknowledgement: AcknowledgementRecord): TransactItem {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...changeKeys.acknowledgement(changeId, acknowledgement.noticeId), ...acknowledgement },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** A manager's handover record: once per side, the first wins, a repeat finds it. */
  saveHandover(changeId: string, record: HandoverRecord): TransactItem {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...changeKeys.handover(changeId, record.side), ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** The marker of a recipient's first open of a notice version: the first GET wins, a repeat finds it. */
  markOpened(
    changeId: string,
    open: { noticeId: string; contactId: string; openedAt: string },
  ): TransactItem {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...changeKeys.opened(changeId, open.noticeId, open.contactId), ...open },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Records the audit stream's new head on the change after a step that does not move it (an open), so its
   * next step chains without a lost head race. Unconditional on the revision: the head write in the same
   * transaction already guarantees this head is the newest.
   */
  noteAuditHead(changeId: string, auditHead: AuditStreamHead): TransactItem {
    return {
      Update: {
        TableName: this.tables.changes,
        Key: changeKeys.change(changeId),
        UpdateExpression: 'SET auditHead = :head',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':head': auditHead },
      },
    };
  }

  claimIdempotencyKey(caller: string, key: string, record: IdempotencyRecord): TransactItem {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...changeKeys.idempotency(caller, key), ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Held while the change is pending: a second change with the same conflict key for the partner fails. */
  lockConflict(partnerId: string, conflictKey: string, changeId: string): TransactItem {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...changeKeys.conflict(partnerId, conflictKey), changeId },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Released when the change ends (applied, withdrawn, rejected, expired); only by the change holding it. */
  releaseConflict(partnerId: string, conflictKey: string, changeId: string): TransactItem {
    return {
      Delete: {
        TableName: this.tables.changes,
        Key: changeKeys.conflict(partnerId, conflictKey),
        ConditionExpression: 'attribute_not_exists(pk) OR changeId = :changeId',
        ExpressionAttributeValues: { ':changeId': changeId },
      },
    };
  }

  /** An email to send once the step commits (the transactional outbox): never sent before the step exists. */
  queueMessage(email: OutgoingEmail, queuedAt: string): TransactItem {
    const message: QueuedMessage = {
      messageId: email.messageId,
      changeId: email.changeId,
      deliveryStatus: 'queued',
      queuedAt,
      email,
    };
    return {
      Put: {
        TableName: this.tables.changes,
        Item: {
          ...changeKeys.message(email.changeId, email.messageId),
          ...message,
          undelivered: UNDELIVERED,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  // ---- single bookkeeping writes (no lifecycle transition) ----

  /**
   * Parks the workflow's task token, only if the change is still at the revision the workflow decided on to
   * wait; false means something happened since, and the caller resumes the workflow itself.
   */
  async parkTaskToken(changeId: string, taskToken: string, revision: number): Promise<boolean> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tables.changes,
          Key: changeKeys.change(changeId),
          UpdateExpression: 'SET taskToken = :token, taskTokenRevision = :rev REMOVE workflowPending',
          ConditionExpression: '#revision = :rev',
          ExpressionAttributeNames: { '#revision': 'revision' },
          ExpressionAttributeValues: { ':token': taskToken, ':rev': revision },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async markMessageDelivered(changeId: string, messageId: string, deliveredAt: string): Promise<void> {
    try {
      await this.documentClient.send(new UpdateCommand(this.deliveredMark(changeId, messageId, deliveredAt)));
    } catch (error) {
      // Another delivery attempt marked it first: the message went out once either way (messageId is idempotent).
      if (!isConditionFailed(error)) throw error;
    }
  }

  /**
   * Marks a step's emails delivered in one request (a transaction of up to 100 marks). If another delivery
   * attempt marked one first, the transaction is refused as a whole: then each is marked on its own.
   */
  async markMessagesDelivered(changeId: string, deliveredAt: ReadonlyMap<string, string>): Promise<void> {
    const marks = [...deliveredAt];
    if (marks.length === 1 || marks.length > MAX_TRANSACTION_ITEMS) {
      for (const [messageId, at] of marks) await this.markMessageDelivered(changeId, messageId, at);
      return;
    }
    try {
      await this.documentClient.send(
        new TransactWriteCommand({
          TransactItems: marks.map(([messageId, at]) => ({
            Update: this.deliveredMark(changeId, messageId, at),
          })),
        }),
      );
    } catch (error) {
      // Cancelled: one mark's condition failed (or a conflict); marking each alone settles which.
      if (!(error instanceof Error && error.name === 'TransactionCanceledException')) throw error;
      for (const [messageId, at] of marks) await this.markMessageDelivered(changeId, messageId, at);
    }
  }

  /**
   * Marks a message delivered inside the step that records the delivery, so the mark costs no request of its
   * own. Unconditional on the status: a concurrent mark (the sweep) must not cancel that step, and the first
   * delivery time is kept.
   */
  markDeliveredWithin(changeId: string, messageId: string, deliveredAt: string): TransactItem {
    return {
      Update: {
        TableName: this.tables.changes,
        Key: changeKeys.message(changeId, messageId),
        UpdateExpression:
          'SET deliveryStatus = :delivered, deliveredAt = if_not_exists(deliveredAt, :at) REMOVE undelivered',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':delivered': 'delivered', ':at': deliveredAt },
      },
    };
  }

  private deliveredMark(changeId: string, messageId: string, deliveredAt: string) {
    return {
      TableName: this.tables.changes,
      Key: changeKeys.message(changeId, messageId),
      UpdateExpression: 'SET deliveryStatus = :delivered, deliveredAt = :at REMOVE undelivered',
      ConditionExpression: 'deliveryStatus = :queued',
      ExpressionAttributeValues: { ':delivered': 'delivered', ':queued': 'queued', ':at': deliveredAt },
    };
  }

  /** One item by key, read consistently, without its keys. */
  private async item<T extends object = Record<string, unknown>>(key: {
    pk: string;
    sk: string;
  }): Promise<T | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tables.changes, Key: key, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = Item;
    return rest as T;
  }
}
