import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditStreamHead } from '../../domain/audit-chain.ts';
import { queryAll } from './all-items.ts';
import type { TableNames } from './table-names.ts';

/** The seq of a stream's head item (entries start at 1). */
export const AUDIT_HEAD_SEQ = 0;

/**
 * Partitions of the `heads` index: every audited step rewrites its stream's head, so spreading heads over a
 * few index partitions keeps one partition's write limit from capping the whole system (AWS); listing all
 * heads costs one Query per shard.
 */
export const AUDIT_HEAD_SHARDS = 8;

/** The `heads` index partition a stream's head lives in: fixed by its name. */
export function auditHeadShard(stream: string): string {
  return `heads#${createHash('sha256').update(stream).digest()[0]! % AUDIT_HEAD_SHARDS}`;
}

/** A stream's head item as stored: seq 0, with the last entry's seq, hash and time. */
export function auditHeadItem(stream: string, head: AuditStreamHead, lastAt: string) {
  return {
    stream,
    seq: AUDIT_HEAD_SEQ,
    lastSeq: head.seq,
    lastHash: head.hash,
    lastAt,
    headShard: auditHeadShard(stream),
  };
}

/**
 * Re-reads of a stream's entries when a writer appended between the entries and the head (a busy stream):
 * each re-read sees at least the entries up to the head read before it, so only a writer committing in every
 * gap could exhaust them — and then the stream reads as a deleted tail, which a later verify clears.
 */
const MAX_STREAM_REREADS = 3;

/** A stream's head as listed: its name, last seq and hash, and when its last entry was written. */
export interface ListedHead extends AuditStreamHead {
  stream: string;
  /** Absent on heads written before heads carried it. */
  lastAt?: string;
}

/** Reads the audit trail as the sealer and the verifier need it: every head, one stream's entries. */
export class AuditStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'auditTrail'>,
  ) {}

  /** Every stream's head, by stream name (the index is eventually consistent: a just-moved head may lag). */
  async heads(): Promise<ListedHead[]> {
    const shards = await Promise.all(
      Array.from({ length: AUDIT_HEAD_SHARDS }, (_, shard) =>
        queryAll<{ stream: string; lastSeq: number; lastHash: string; lastAt?: string }>(
          this.documentClient,
          {
            TableName: this.tables.auditTrail,
            IndexName: 'heads',
            KeyConditionExpression: 'headShard = :shard',
            ExpressionAttributeValues: { ':shard': `heads#${shard}` },
          },
        ),
      ),
    );
    return shards
      .flat()
      .map(({ stream, lastSeq, lastHash, lastAt }) => ({
        stream,
        seq: lastSeq,
        hash: lastHash,
        ...(lastAt ? { lastAt } : {}),
      }))
      .sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  }

  /** One stream's head, read consistently; undefined when it has none. */
  async head(stream: string): Promise<AuditStreamHead | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({
        TableName: this.tables.auditTrail,
        Key: { stream, seq: AUDIT_HEAD_SEQ },
        ConsistentRead: true,
      }),
    );
    return Item ? { seq: Item.lastSeq as number, hash: Item.lastHash as string } : undefined;
  }

  /**
   * One stream's entries and its head as of one moment: the entries are read first and again while the head
   * is past them (a step committed in between), so a live stream does not look like a deleted tail.
   */
  async stream(stream: string): Promise<{ entries: AuditEntry[]; head: AuditStreamHead | undefined }> {
    let entries = await this.entries(stream);
    const head = await this.head(stream);
    for (
      let reread = 1;
      reread <= MAX_STREAM_REREADS && head && (entries.at(-1)?.seq ?? 0) < head.seq;
      reread += 1
    )
      entries = await this.entries(stream);
    return { entries, head };
  }

  /**
   * Entries of one type, newest first, through the `byType` index: `at` from `from` (inclusive) to `to`
   * (inclusive: the caller sorts out the bound), of one actor if given. Reads until `wanted` entries pass
   * `keep`, then on through the entries at the same instant as the last one (the index orders ties
   * arbitrarily, so a page boundary inside them would lose some): `frontier` is that instant, and everything
   * of this type at or after it has been read. No frontier: the type is read to its end.
   */
  async byType(
    type: string,
    options: {
      from?: string;
      to?: string;
      actor?: string;
      wanted: number;
      keep: (entry: AuditEntry) => boolean;
    },
  ): Promise<{ entries: AuditEntry[]; frontier?: string }> {
    const conditions = ['#type = :type'];
    const values: Record<string, string> = { ':type': type };
    if (options.from !== undefined && options.to !== undefined) {
      conditions.push('#at BETWEEN :from AND :to');
      Object.assign(values, { ':from': options.from, ':to': options.to });
    } else if (options.from !== undefined) {
      conditions.push('#at >= :from');
      values[':from'] = options.from;
    } else if (options.to !== undefined) {
      conditions.push('#at <= :to');
      values[':to'] = options.to;
    }
    if (options.actor !== undefined) values[':actor'] = options.actor;
    const entries: AuditEntry[] = [];
    let frontier: string | undefined;
    for await (const page of paginateQuery(
      { client: this.documentClient, pageSize: Math.min(1000, options.wanted * 2) },
      {
        TableName: this.tables.auditTrail,
        IndexName: 'byType',
        KeyConditionExpression: conditions.join(' AND '),
        ...(options.actor !== undefined ? { FilterExpression: 'actor = :actor' } : {}),
        ExpressionAttributeNames: { '#type': 'type', ...(conditions.length > 1 ? { '#at': 'at' } : {}) },
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      },
    )) {
      for (const item of (page.Items ?? []) as AuditEntry[]) {
        if (frontier !== undefined && item.at < frontier) return { entries, frontier };
        if (!options.keep(item)) continue;
        entries.push(item);
        if (frontier === undefined && entries.length >= options.wanted) frontier = item.at;
      }
    }
    return { entries };
  }

  /**
   * One stream's entries after `afterSeq`, in seq order, a page at a time (the export's read: one page in
   * memory whatever the stream's length; eventually consistent, at half the read cost).
   */
  async *entryPages(stream: string, afterSeq = AUDIT_HEAD_SEQ): AsyncGenerator<AuditEntry> {
    for await (const page of paginateQuery(
      { client: this.documentClient, pageSize: 1000 },
      {
        TableName: this.tables.auditTrail,
        KeyConditionExpression: '#stream = :stream AND seq > :after',
        ExpressionAttributeNames: { '#stream': 'stream' },
        ExpressionAttributeValues: { ':stream': stream, ':after': afterSeq },
      },
    ))
      yield* (page.Items ?? []) as AuditEntry[];
  }

  /** One stream's entries in seq order, read consistently. */
  entries(stream: string): Promise<AuditEntry[]> {
    return queryAll<AuditEntry>(this.documentClient, {
      TableName: this.tables.auditTrail,
      KeyConditionExpression: '#stream = :stream AND seq > :head',
      ExpressionAttributeNames: { '#stream': 'stream' },
      ExpressionAttributeValues: { ':stream': stream, ':head': AUDIT_HEAD_SEQ },
      ConsistentRead: true,
    });
  }
}
