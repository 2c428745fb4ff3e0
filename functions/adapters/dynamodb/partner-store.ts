import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Partner } from '../../domain/partner.ts';
import { entryKeyOf, type RateScheduleEntry } from '../../domain/rate-schedule.ts';
import type { TrustLedgerEvent } from '../../domain/trust-rules.ts';
import { queryAll, scanAll } from './all-items.ts';
import type { TransactItem } from './audited-transaction.ts';
import type { TableNames } from './table-names.ts';
import { failedConditionIndexes } from './transaction-errors.ts';

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
