import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AllianceManager, PartnerContact } from '../../domain/partner.ts';
import type { RelationshipStage } from '../../domain/relationship-stage.ts';
import {
  type Coverage,
  type CoverageCounter,
  coverageCounters,
  emptyCoverage,
  isRecipientTransitionAllowed,
  type RecipientEvent,
  type RecipientOutcome,
  type RecipientState,
} from '../../policy-changes/rounds.ts';
import type { TransactItem } from './audited-transaction.ts';
import { policyChangeKeys, TransitionRefused } from './policy-change-store.ts';
import type { TableNames } from './table-names.ts';

/** One line of a round's manifest: what a batch needs to email a partner without reading the directory. */
export interface ManifestLine {
  partnerId: string;
  name: string;
  stage: RelationshipStage;
  contacts: PartnerContact[];
  allianceManager?: AllianceManager;
}

export interface PolicyConcern {
  at: string;
  contactId: string;
  text: string;
  answer?: { at: string; by: string; text: string };
}

/** A partner of a policy change: its notice, what it did with it, and the evidence. */
export interface PolicyRecipient extends ManifestLine {
  policyChangeId: string;
  /** The notice version this state is about (a revision starts everyone again at `queued`). */
  version: number;
  state: RecipientState;
  stateAt: string;
  /** Contacts whose email the provider accepted. */
  deliveredTo?: string[];
  /** Why no contact could be reached (surfaced in the coverage, never dropped). */
  failure?: string;
  escalated?: boolean;
  /** Reminder rounds that reached it, by round id. */
  reminders?: Record<string, string>;
  /** The evidence: who, when, from where, and the SHA-256 of the exact notice version shown. */
  acknowledgement?: {
    at: string;
    contactId: string;
    sourceIp: string;
    userAgent: string;
    contentHash?: string;
    version?: number;
  };
  concern?: PolicyConcern;
  outcome?: RecipientOutcome;
}

const recipientSk = (partnerId: string) => `recipient#${partnerId}`;
const coverageSk = (version: number) => `coverage#v${version}`;

export const policyRecipientKeys = {
  recipient: (policyChangeId: string, partnerId: string) => ({
    pk: policyChangeKeys.policyChange(policyChangeId).pk,
    sk: recipientSk(partnerId),
  }),
  coverage: (policyChangeId: string, version: number) => ({
    pk: policyChangeKeys.policyChange(policyChangeId).pk,
    sk: coverageSk(version),
  }),
};

type StoredRecipient = PolicyRecipient & { pk: string; sk: string };

function fromItem(item: Record<string, unknown>): PolicyRecipient {
  const { pk: _pk, sk: _sk, ...rest } = item as unknown as StoredRecipient;
  return rest;
}

export interface RecipientPage {
  items: PolicyRecipient[];
  cursor?: Record<string, NativeAttributeValue>;
}

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
/** Unprocessed keys (throttling) are asked again this many times before giving up (the task retries). */
const MAX_BATCH_GET_ROUNDS = 8;

/**
 * The partners of each policy change, one item each beside the policy change (`recipient#<partnerId>`), and
 * each notice version's coverage counters (`coverage#v<n>`), moved in the same transaction as the states they
 * count, so a 50,000-partner change reads its coverage in one GetItem, never a scan.
 */
export class PolicyRecipientStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'changes'>,
  ) {}

  async get(policyChangeId: string, partnerId: string): Promise<PolicyRecipient | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({
        TableName: this.tables.changes,
        Key: policyRecipientKeys.recipient(policyChangeId, partnerId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** The recipients of these partners that exist (BatchGet, strongly consistent). */
  async getMany(
    policyChangeId: string,
    partnerIds: readonly string[],
  ): Promise<Map<string, PolicyRecipient>> {
    const found = new Map<string, PolicyRecipient>();
    for (let start = 0; start < partnerIds.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, NativeAttributeValue>[] = partnerIds
        .slice(start, start + BATCH_GET_LIMIT)
        .map((partnerId) => policyRecipientKeys.recipient(policyChangeId, partnerId));
      for (let round = 1; keys.length > 0; round += 1) {
        if (round > MAX_BATCH_GET_ROUNDS) throw new Error('BatchGet kept returning unprocessed keys');
        const response = await this.documentClient.send(
          new BatchGetCommand({
            RequestItems: { [this.tables.changes]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of response.Responses?.[this.tables.changes] ?? []) {
          const recipient = fromItem(item);
          found.set(recipient.partnerId, recipient);
        }
        keys = (response.UnprocessedKeys?.[this.tables.changes]?.Keys ?? []) as Record<
          string,
          NativeAttributeValue
        >[];
      }
    }
    return found;
  }

  /** One page of recipients in partner-id order, optionally only those in `state`. */
  async page(
    policyChangeId: string,
    options: { limit: number; state?: RecipientState; cursor?: Record<string, NativeAttributeValue> },
  ): Promise<RecipientPage> {
    const page = await this.documentClient.send(
      new QueryCommand({
        TableName: this.tables.changes,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ...(options.state ? { FilterExpression: '#state = :state' } : {}),
        ExpressionAttributeNames: options.state ? { '#state': 'state' } : undefined,
        ExpressionAttributeValues: {
          ':pk': policyChangeKeys.policyChange(policyChangeId).pk,
          ':prefix': 'recipient#',
          ...(options.state ? { ':state': options.state } : {}),
        },
        Limit: options.limit,
        ConsistentRead: true,
        ...(options.cursor ? { ExclusiveStartKey: options.cursor } : {}),
      }),
    );
    return {
      items: (page.Items ?? []).map(fromItem),
      ...(page.LastEvaluatedKey ? { cursor: page.LastEvaluatedKey } : {}),
    };
  }

  /** Every recipient, page by page (a round's manifest is built from them). */
  async *all(policyChangeId: string): AsyncGenerator<PolicyRecipient[]> {
    let cursor: Record<string, NativeAttributeValue> | undefined;
    do {
      const page = await this.page(policyChangeId, { limit: 1000, ...(cursor ? { cursor } : {}) });
      yield page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  /** Whether a cursor can continue `page`: exactly a recipient's key of this policy change. */
  static cursorFits(policyChangeId: string, cursor: Record<string, NativeAttributeValue>): boolean {
    const keys = Object.keys(cursor).sort();
    return (
      keys.length === 2 &&
      keys[0] === 'pk' &&
      keys[1] === 'sk' &&
      cursor.pk === policyChangeKeys.policyChange(policyChangeId).pk &&
      typeof cursor.sk === 'string' &&
      cursor.sk.startsWith('recipient#') &&
      cursor.sk.length <= 300
    );
  }

  async coverage(policyChangeId: string, version: number): Promise<Coverage> {
    const { Item } = await this.documentClient.send(
      new GetCommand({
        TableName: this.tables.changes,
        Key: policyRecipientKeys.coverage(policyChangeId, version),
        ConsistentRead: true,
      }),
    );
    const coverage = emptyCoverage();
    for (const name of coverageCounters) {
      const value = Item?.[name];
      if (typeof value === 'number') coverage[name] = value;
    }
    return coverage;
  }

  // ---- named writes: each returns one transaction item ----

  /**
   * A partner's notice of `version` exists, before any email that links to it leaves: written only if the
   * partner has no notice of this version yet (a retried batch skips those it already queued).
   */
  queue(
    policyChangeId: string,
    version: number,
    line: ManifestLine,
    at: string,
    /** A partner whose batch failed for good is recorded straight away as unreachable, with why. */
    unreachable?: { state: 'unreachable'; failure: string },
  ): TransactItem {
    const item: StoredRecipient = {
      ...policyRecipientKeys.recipient(policyChangeId, line.partnerId),
      ...line,
      policyChangeId,
      version,
      state: unreachable ? 'unreachable' : 'queued',
      stateAt: at,
      reminders: {},
      ...(unreachable ? { failure: unreachable.failure } : {}),
    };
    return {
      Put: {
        TableName: this.tables.changes,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk) OR version < :version',
        ExpressionAttributeValues: { ':version': version },
      },
    };
  }

  /**
   * Moves a recipient by `event` (allowed by the recipient transition table, or this throws), conditioned on
   * the state and version it was read in, setting `details` with it.
   */
  move(
    recipient: Pick<PolicyRecipient, 'policyChangeId' | 'partnerId' | 'state' | 'version'>,
    event: RecipientEvent,
    to: RecipientState,
    at: string,
    details: Partial<Pick<PolicyRecipient, 'deliveredTo' | 'failure' | 'acknowledgement' | 'concern'>> = {},
  ): TransactItem {
    if (!isRecipientTransitionAllowed(event, recipient.state, to)) {
      throw new TransitionRefused(`${event} may not move a recipient from ${recipient.state} to ${to}`);
    }
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, NativeAttributeValue> = {
      ':to': to,
      ':from': recipient.state,
      ':version': recipient.version,
      ':at': at,
    };
    const sets = ['#state = :to', 'stateAt = :at'];
    for (const [name, value] of Object.entries(details)) {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyRecipientKeys.recipient(recipient.policyChangeId, recipient.partnerId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#state = :from AND version = :version',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** The concern's answer, once (a second answer to the same concern is refused by the condition). */
  answerConcern(
    recipient: Pick<PolicyRecipient, 'policyChangeId' | 'partnerId' | 'version'>,
    answer: NonNullable<PolicyConcern['answer']>,
  ): TransactItem {
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyRecipientKeys.recipient(recipient.policyChangeId, recipient.partnerId),
        UpdateExpression: 'SET concern.answer = :answer',
        ConditionExpression:
          'attribute_exists(concern) AND attribute_not_exists(concern.answer) AND version = :version',
        ExpressionAttributeValues: { ':answer': answer, ':version': recipient.version },
      },
    };
  }

  /** A reminder round reached the partner (once per round), while it still owed an answer. */
  markReminded(
    recipient: Pick<PolicyRecipient, 'policyChangeId' | 'partnerId' | 'version'>,
    roundId: string,
    at: string,
  ): TransactItem {
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyRecipientKeys.recipient(recipient.policyChangeId, recipient.partnerId),
        UpdateExpression: 'SET reminders.#round = :at',
        ConditionExpression: 'version = :version AND attribute_not_exists(reminders.#round)',
        ExpressionAttributeNames: { '#round': roundId },
        ExpressionAttributeValues: { ':at': at, ':version': recipient.version },
      },
    };
  }

  /** Escalated once: the fallback contacts and the alliance manager were told. */
  markEscalated(recipient: Pick<PolicyRecipient, 'policyChangeId' | 'partnerId' | 'version'>): TransactItem {
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyRecipientKeys.recipient(recipient.policyChangeId, recipient.partnerId),
        UpdateExpression: 'SET escalated = :yes',
        ConditionExpression: 'version = :version AND attribute_not_exists(escalated)',
        ExpressionAttributeValues: { ':yes': true, ':version': recipient.version },
      },
    };
  }

  /** The partner's outcome when the policy change took effect, once. */
  recordOutcome(
    recipient: Pick<PolicyRecipient, 'policyChangeId' | 'partnerId' | 'version'>,
    outcome: RecipientOutcome,
  ): TransactItem {
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyRecipientKeys.recipient(recipient.policyChangeId, recipient.partnerId),
        UpdateExpression: 'SET outcome = :outcome',
        ConditionExpression: 'version = :version AND attribute_not_exists(outcome)',
        ExpressionAttributeValues: { ':outcome': outcome, ':version': recipient.version },
      },
    };
  }

  /** Adds these deltas to a version's coverage counters (one item, however many partners moved). */
  count(
    policyChangeId: string,
    version: number,
    deltas: Partial<Record<CoverageCounter, number>>,
  ): TransactItem | undefined {
    const entries = Object.entries(deltas).filter(([, delta]) => delta !== 0);
    if (entries.length === 0) return undefined;
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = entries.map(([name, delta], index) => {
      names[`#c${index}`] = name;
      values[`:c${index}`] = delta as number;
      return `#c${index} :c${index}`;
    });
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyRecipientKeys.coverage(policyChangeId, version),
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }
}

/** The deltas of one recipient moving from `from` (none: new) to `to`. */
export function stateDeltas(
  from: RecipientState | undefined,
  to: RecipientState,
): Partial<Record<CoverageCounter, number>> {
  if (from === to) return {};
  return { ...(from ? { [from]: -1 } : { targeted: 1 }), [to]: 1 };
}

/** Sums deltas of many recipients into one counter update. */
export function sumDeltas(
  all: readonly Partial<Record<CoverageCounter, number>>[],
): Partial<Record<CoverageCounter, number>> {
  const sum: Partial<Record<CoverageCounter, number>> = {};
  for (const deltas of all) {
    for (const [name, delta] of Object.entries(deltas) as [CoverageCounter, number][]) {
      sum[name] = (sum[name] ?? 0) + delta;
    }
  }
  return sum;
}
