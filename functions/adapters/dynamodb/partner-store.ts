import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Partner } from '../../domain/partner.ts';
import { entryKeyOf, type RateScheduleEntry } from '../../domain/rate-schedule.ts';
import type { RelationshipStage } from '../../domain/relationship-stage.ts';
import type { TrustLedgerEvent } from '../../domain/trust-rules.ts';
import { queryAll, scanAll } from './all-items.ts';
import type { TransactItem } from './audited-transaction.ts';
import type { TableNames } from './table-names.ts';
import { failedConditionIndexes } from './transaction-errors.ts';

/** DynamoDB's limit on the keys of one BatchGetItem request. */
const MAX_BATCH_GET_KEYS = 100;

export class PartnerStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  async get(partnerId: string): Promise<Partner | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tables.partners, Key: { partnerId } }),
    );
    return Item as Partner | undefined;
  }

  /**
   * Several partners by id, one BatchGetItem per 100 ids (DynamoDB's limit per request): a page of a list
   * names its partners in one round trip. Keys DynamoDB leaves unprocessed (throttling) are read one by one,
   * so the SDK's retries with backoff apply to them. Ids of no partner are absent from the map.
   */
  async getMany(partnerIds: Iterable<string>): Promise<Map<string, Partner>> {
    const ids = [...new Set(partnerIds)];
    const found = new Map<string, Partner>();
    for (let start = 0; start < ids.length; start += MAX_BATCH_GET_KEYS) {
      const chunk = ids.slice(start, start + MAX_BATCH_GET_KEYS);
      const answer = await this.documentClient.send(
        new BatchGetCommand({
          RequestItems: { [this.tables.partners]: { Keys: chunk.map((partnerId) => ({ partnerId })) } },
        }),
      );
      for (const item of (answer.Responses?.[this.tables.partners] ?? []) as Partner[]) {
        found.set(item.partnerId, item);
      }
      const unprocessed = (answer.UnprocessedKeys?.[this.tables.partners]?.Keys ?? []) as {
        partnerId: string;
      }[];
      for (const { partnerId } of unprocessed) {
        const partner = await this.get(partnerId);
        if (partner) found.set(partnerId, partner);
      }
    }
    return found;
  }

  async list(): Promise<Partner[]> {
    const partners = await scanAll<Partner>(this.documentClient, { TableName: this.tables.partners });
    return partners.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Creates a partner with its opening rate entries, all or nothing, unless the partner exists (seeding and
   * imports are idempotent by partner id).
   */
  async create(partner: Partner, openingRates: readonly RateScheduleEntry[] = []): Promise<boolean> {
    try {
      await this.documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.partners,
                Item: partner,
                ConditionExpression: 'attribute_not_exists(partnerId)',
              },
            },
            ...openingRates.map((entry) => this.addRateEntry(entry)),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (failedConditionIndexes(error)?.includes(0)) return false;
      throw error;
    }
  }

  /** A dated rate entry, added once: history is never overwritten (principle 3). */
  addRateEntry(entry: RateScheduleEntry): TransactItem {
    return {
      Put: {
        TableName: this.tables.rateSchedule,
        Item: { ...entry, entryKey: entryKeyOf(entry) },
        ConditionExpression: 'attribute_not_exists(entryKey)',
      },
    };
  }

  /**
   * The partner moves from stage `from` to `to` (an applied stage move), bumping the partner's version so an
   * editor holding the old version is refused. Conditioned on the stage still being `from`, the stage the
   * move was decided on: a partner moved meanwhile fails the transaction rather than being moved from a
   * stage nobody announced.
   */
  moveStage(partnerId: string, from: RelationshipStage, to: RelationshipStage, at: string): TransactItem {
    return {
      Update: {
        TableName: this.tables.partners,
        Key: { partnerId },
        UpdateExpression:
          'SET #stage = :to, #version = if_not_exists(#version, :zero) + :one, #updatedAt = :at',
        ConditionExpression: 'attribute_exists(partnerId) AND #stage = :from',
        ExpressionAttributeNames: { '#stage': 'stage', '#version': 'version', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':from': from, ':to': to, ':zero': 0, ':one': 1, ':at': at },
      },
    };
  }

  /** A trust-ledger event, written at most once: its id names its cause. */
  recordTrustEvent(event: TrustLedgerEvent): TransactItem {
    return {
      Put: {
        TableName: this.tables.trustLedger,
        Item: event,
        ConditionExpression: 'attribute_not_exists(eventId)',
      },
    };
  }

  async rateSchedule(partnerId: string): Promise<RateScheduleEntry[]> {
    return this.byPartner<RateScheduleEntry>(this.tables.rateSchedule, partnerId);
  }

  async trustLedger(partnerId: string): Promise<TrustLedgerEvent[]> {
    const events = await this.byPartner<TrustLedgerEvent>(this.tables.trustLedger, partnerId);
    return events.sort((a, b) => a.at.localeCompare(b.at));
  }

  private byPartner<T>(tableName: string, partnerId: string): Promise<T[]> {
    return queryAll<T>(this.documentClient, {
      TableName: tableName,
      KeyConditionExpression: 'partnerId = :partnerId',
      ExpressionAttributeValues: { ':partnerId': partnerId },
      ConsistentRead: true,
    });
  }
}
