import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  currentTrustRules,
  summarize,
  type TrustLedgerEvent,
  type TrustRuleSet,
  type TrustSummary,
} from '../../domain/trust-rules.ts';
import { queryAll, scanAll } from './all-items.ts';
import type { TransactItem } from './audited-transaction.ts';
import type { TableNames } from './table-names.ts';

/**
 * The trust ledger (one immutable item per event) and each partner's materialized summary (TrustScores),
 * written together: a step's ledger entries and the ADD of their totals to the summary go into the step's
 * own transaction, so the summary is always the sum of the ledger (summarize) and a retried step, whose
 * ledger Puts fail their `attribute_not_exists`, adds nothing twice.
 */
export class TrustStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'trustLedger' | 'trustScores'>,
    /** The rules new entries are summed under (the summary item records their version). */
    private readonly ruleSet: TrustRuleSet = currentTrustRules,
  ) {}

  /**
   * The ledger Puts, each written at most once (its id names its cause), plus one summary Update per
   * partner: DynamoDB refuses two operations on one item in a transaction, so a step writing several
   * entries merges their totals into one ADD. ADD commutes, so concurrent steps of one partner never lose
   * each other's points; the latest instants are SET, which two steps racing within the same instant
   * could order either way (their instants differ by at most that race).
   */
  recordEvents(events: readonly TrustLedgerEvent[]): TransactItem[] {
    const byPartner = new Map<string, TrustLedgerEvent[]>();
    for (const event of events)
      byPartner.set(event.partnerId, [...(byPartner.get(event.partnerId) ?? []), event]);
    const puts: TransactItem[] = events.map((event) => ({
      Put: {
        TableName: this.tables.trustLedger,
        Item: event,
        ConditionExpression: 'attribute_not_exists(eventId)',
      },
    }));
    const updates = [...byPartner.entries()].map(([partnerId, batch]) => this.addToSummary(partnerId, batch));
    return [...puts, ...updates];
  }

  private addToSummary(partnerId: string, batch: readonly TrustLedgerEvent[]): TransactItem {
    const totals = summarize(batch, this.ruleSet);
    const added = {
      weightedPoints: totals.weightedPoints,
      eventCount: totals.eventCount,
      openDisputes: totals.openDisputes,
      disputesRaised: totals.disputesRaised,
      disputesResolved: totals.disputesResolved,
      adverseApplied: totals.adverseApplied,
      adverseWithFullNotice: totals.adverseWithFullNotice,
    };
    const set: Record<string, string> = {
      rulesVersion: totals.rulesVersion,
      ...(totals.lastEventAt ? { lastEventAt: totals.lastEventAt } : {}),
      ...(totals.lastChangeAt ? { lastChangeAt: totals.lastChangeAt } : {}),
    };
    const names: Record<string, string> = {};
    const values: Record<string, string | number> = {};
    const adds = Object.entries(added).map(([name, value]) => {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      return `#${name} :${name}`;
    });
    const sets = Object.entries(set).map(([name, value]) => {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      return `#${name} = :${name}`;
    });
    return {
      Update: {
        TableName: this.tables.trustScores,
        Key: { partnerId },
        UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** The partner's ledger, oldest first (ties in id order). */
  async ledger(partnerId: string): Promise<TrustLedgerEvent[]> {
    const events = await queryAll<TrustLedgerEvent>(this.documentClient, {
      TableName: this.tables.trustLedger,
      KeyConditionExpression: 'partnerId = :partnerId',
      ExpressionAttributeValues: { ':partnerId': partnerId },
      ConsistentRead: true,
    });
    return events.sort((a, b) => a.at.localeCompare(b.at) || a.eventId.localeCompare(b.eventId));
  }

  /** The partner's materialized summary; undefined for a partner without any ledger entry. */
  async summary(partnerId: string): Promise<TrustSummary | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tables.trustScores, Key: { partnerId }, ConsistentRead: true }),
    );
    return Item as TrustSummary | undefined;
  }

  /** Every partner's summary (a paged scan: one item per partner with a ledger). */
  summaries(): Promise<TrustSummary[]> {
    return scanAll<TrustSummary>(this.documentClient, { TableName: this.tables.trustScores });
  }
}
