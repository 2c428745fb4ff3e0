import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../domain/audit-chain.ts';
import type { CommissionChange, RecordedAcknowledgement } from '../../domain/commission-change.ts';
import type { NoticeContent } from '../../domain/notice.ts';
import { queryAll } from './all-items.ts';
import type { TableNames } from './table-names.ts';

/** Item keys in the Changes table: a change, its notices and acknowledgements share one partition. */
export const changeKeys = {
  change: (changeId: string) => ({ pk: `change#${changeId}`, sk: 'change' }),
  notice: (changeId: string, version: number) => ({ pk: `change#${changeId}`, sk: `notice#${version}` }),
  acknowledgement: (changeId: string, noticeId: string) => ({
    pk: `change#${changeId}`,
    sk: `acknowledgement#${noticeId}`,
  }),
  idempotency: (caller: string, key: string) => ({ pk: `idempotency#${caller}#${key}`, sk: 'idempotency' }),
};

export const auditStreamOf = (changeId: string) => `change#${changeId}`;

export interface StoredChange extends CommissionChange {
  /** The callback token of the workflow waiting for this change's acknowledgement, if it waits. */
  acknowledgementTaskToken?: string;
}

export interface StoredNotice {
  noticeId: string;
  changeId: string;
  version: number;
  contentHash: string;
  content: NoticeContent;
  deliveredAt: string;
}

export interface IdempotencyRecord {
  changeId: string;
  requestFingerprint: string;
}

export class ChangeStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  async get(changeId: string): Promise<StoredChange | undefined> {
    const item = await this.item<StoredChange & { workflowPending?: string }>(changeKeys.change(changeId));
    if (!item) return undefined;
    // `workflowPending` is a marker for the pending-workflow index, not part of the change.
    const { workflowPending: _pending, ...change } = item;
    return change;
  }

  notice(changeId: string, version: number): Promise<StoredNotice | undefined> {
    return this.item(changeKeys.notice(changeId, version));
  }

  acknowledgement(changeId: string, noticeId: string): Promise<RecordedAcknowledgement | undefined> {
    return this.item(changeKeys.acknowledgement(changeId, noticeId));
  }

  idempotencyRecord(caller: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.item(changeKeys.idempotency(caller, key));
  }

  /** One item by key, read consistently (each step decides on what the last step wrote), without its keys. */
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

  auditEntries(changeId: string): Promise<AuditEntry[]> {
    return queryAll<AuditEntry>(this.documentClient, {
      TableName: this.tables.auditTrail,
      KeyConditionExpression: '#stream = :stream AND seq > :head',
      ExpressionAttributeNames: { '#stream': 'stream' },
      ExpressionAttributeValues: { ':stream': auditStreamOf(changeId), ':head': 0 },
      ConsistentRead: true,
    });
  }
}
