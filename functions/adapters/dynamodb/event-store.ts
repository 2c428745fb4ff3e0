import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IntegrationEvent } from '../../domain/lifecycle-events.ts';
import { scanAll } from './all-items.ts';
import type { TransactItem } from './audited-transaction.ts';
import { isConditionFailed } from './transaction-errors.ts';
import { MAX_TRANSACTION_ITEMS } from './transaction-limits.ts';

const UNPUBLISHED = 'pending';

/** An event as the Events table holds it: the envelope, its log position and whether it was published. */
export interface StoredEvent extends IntegrationEvent {
  logKey: string;
  publishedAt?: string;
}

/**
 * The log's order: by time, then by audit stream and seq (a subject's events keep their audit order), then
 * by the event's index within its entry. Sorts as text.
 */
export function logKeyOf(event: Pick<IntegrationEvent, 'time' | 'auditRef' | 'eventId'>): string {
  const index = /:(\d+):(\d+)$/.exec(event.eventId)?.[2] ?? '0';
  return `${event.time}#${event.auditRef.stream}#${String(event.auditRef.seq).padStart(10, '0')}#${index.padStart(2, '0')}`;
}

function withoutMarkers(item: Record<string, unknown>): StoredEvent {
  const { unpublished: _unpublished, ...event } = item;
  return event as unknown as StoredEvent;
}

export interface EventLogQuery {
  type?: string | undefined;
  subject?: string | undefined;
  /** Only events after this one in the log's order. */
  afterLogKey?: string | undefined;
  limit: number;
}

/**
 * The Events table's item shape, owned here (table definition: eventsTable). Events are written only through
 * `record`, inside the transaction of the step they come from (functions/adapters/dynamodb/audited-transaction.ts);
 * the publisher reads the unpublished ones and marks them published.
 */
export class EventStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The outbox write committed with the audit entry: once per eventId, marked unpublished. */
  static record(table: string, event: IntegrationEvent): TransactItem {
    return {
      Put: {
        TableName: table,
        Item: { ...event, logKey: logKeyOf(event), unpublished: UNPUBLISHED },
        ConditionExpression: 'attribute_not_exists(eventId)',
      },
    };
  }

  async get(eventId: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.table, Key: { eventId }, ConsistentRead: true }),
    );
    return Item ? withoutMarkers(Item) : undefined;
  }

  /**
   * Up to `limit` events not yet published, oldest first: only those logged up to `cutoff` (ISO instant) and
   * after `afterLogKey` (where the caller's previous page ended), if given.
   */
  async unpublished(
    limit: number,
    range: { cutoff?: string | undefined; afterLogKey?: string | undefined } = {},
  ): Promise<StoredEvent[]> {
    const conditions = ['unpublished = :pending'];
    const values: Record<string, NativeAttributeValue> = { ':pending': UNPUBLISHED };
    // '~' sorts after the '#' that follows the time in a log key: an event at exactly `cutoff` is included.
    if (range.cutoff && range.afterLogKey) {
      conditions.push('logKey BETWEEN :after AND :cutoff');
      values[':after'] = `${range.afterLogKey}!`;
      values[':cutoff'] = `${range.cutoff}~`;
    } else if (range.cutoff) {
      conditions.push('logKey <= :cutoff');
      values[':cutoff'] = `${range.cutoff}~`;
    } else if (range.afterLogKey) {
      conditions.push('logKey > :after');
      values[':after'] = range.afterLogKey;
    }
    const { Items } = await this.documentClient.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'unpublished',
        KeyConditionExpression: conditions.join(' AND '),
        ExpressionAttributeValues: values,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(withoutMarkers);
  }

  /**
   * Marks events published, each only if still unpublished (a concurrent publisher may have marked it first:
   * then it was published either way). One request for up to 100 marks; a cancelled one is redone mark by mark.
   */
  async markPublished(eventIds: readonly string[], publishedAt: string): Promise<void> {
    for (let start = 0; start < eventIds.length; start += MAX_TRANSACTION_ITEMS) {
      const chunk = eventIds.slice(start, start + MAX_TRANSACTION_ITEMS);
      if (chunk.length === 1) {
        await this.markOne(chunk[0]!, publishedAt);
        continue;
      }
      try {
        await this.documentClient.send(
          new TransactWriteCommand({
            TransactItems: chunk.map((eventId) => ({ Update: this.publishedMark(eventId, publishedAt) })),
          }),
        );
      } catch (error) {
        if (!(error instanceof Error && error.name === 'TransactionCanceledException')) throw error;
        for (const eventId of chunk) await this.markOne(eventId, publishedAt);
      }
    }
  }

  private async markOne(eventId: string, publishedAt: string): Promise<void> {
    try {
      await this.documentClient.send(new UpdateCommand(this.publishedMark(eventId, publishedAt)));
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  private publishedMark(eventId: string, publishedAt: string) {
    return {
      TableName: this.table,
      Key: { eventId },
      UpdateExpression: 'SET publishedAt = :at REMOVE unpublished',
      ConditionExpression: 'unpublished = :pending',
      ExpressionAttributeValues: { ':at': publishedAt, ':pending': UNPUBLISHED },
    };
  }

  /**
   * The event log in order, filtered by type and subject, after a position: through the bySubject index for a
   * subject, otherwise the whole table read and sorted (the local event log: a developer's, small).
   */
  async list(query: EventLogQuery): Promise<StoredEvent[]> {
    if (query.subject) {
      const events: StoredEvent[] = [];
      let startKey: Record<string, NativeAttributeValue> | undefined;
      do {
        const input: QueryCommandInput = {
          TableName: this.table,
          IndexName: 'bySubject',
          KeyConditionExpression: query.afterLogKey
            ? '#subject = :subject AND logKey > :after'
            : '#subject = :subject',
          ...(query.type ? { FilterExpression: '#type = :type' } : {}),
          ExpressionAttributeNames: { '#subject': 'subject', ...(query.type ? { '#type': 'type' } : {}) },
          ExpressionAttributeValues: {
            ':subject': query.subject,
            ...(query.afterLogKey ? { ':after': query.afterLogKey } : {}),
            ...(query.type ? { ':type': query.type } : {}),
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        };
        const page = await this.documentClient.send(new QueryCommand(input));
        events.push(...(page.Items ?? []).map(withoutMarkers));
        startKey = page.LastEvaluatedKey;
      } while (startKey && events.length < query.limit);
      return events.slice(0, query.limit);
    }
    const all = (await scanAll<Record<string, unknown>>(this.documentClient, { TableName: this.table }))
      .map(withoutMarkers)
      .filter(
        (event) =>
          (!query.type || event.type === query.type) &&
          (!query.afterLogKey || event.logKey > query.afterLogKey),
      )
      .sort((a, b) => (a.logKey < b.logKey ? -1 : a.logKey > b.logKey ? 1 : 0));
    return all.slice(0, query.limit);
  }
}
