import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Partner } from '../../domain/partner.ts';
import type { RateScheduleEntry } from '../../domain/rate-schedule.ts';
import type { TrustLedgerEvent } from '../../domain/trust-rules.ts';
import type { TableNames } from './table-names.ts';

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

  async list(): Promise<Partner[]> {
    const partners: Partner[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documentClient.send(
        new ScanCommand({ TableName: this.tables.partners, ExclusiveStartKey: startKey }),
      );
      partners.push(...((page.Items ?? []) as Partner[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return partners.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates a partner unless it exists (seeding is idempotent). */
  async create(partner: Partner): Promise<boolean> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.tables.partners,
          Item: partner,
          ConditionExpression: 'attribute_not_exists(partnerId)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async rateSchedule(partnerId: string): Promise<RateScheduleEntry[]> {
    return this.queryAll<RateScheduleEntry>(this.tables.rateSchedule, partnerId);
  }

  async trustLedger(partnerId: string): Promise<TrustLedgerEvent[]> {
    const events = await this.queryAll<TrustLedgerEvent>(this.tables.trustLedger, partnerId);
    return events.sort((a, b) => a.at.localeCompare(b.at));
  }

  private async queryAll<T>(tableName: string, partnerId: string): Promise<T[]> {
    const items: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'partnerId = :partnerId',
          ExpressionAttributeValues: { ':partnerId': partnerId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as T[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
