import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RelationshipStage } from '../../domain/relationship-stage.ts';
import type { RoundRecord } from '../../policy-changes/rounds.ts';
import {
  isPolicyTransitionAllowed,
  type PolicyChangeEvent,
  type PolicyChangeStatus,
} from '../../policy-changes/rules.ts';
import type { Segment } from '../../policy-changes/segment.ts';
import type { TransactItem } from './audited-transaction.ts';
import { auditStreamOf } from './change-store.ts';
import type { TableNames } from './table-names.ts';

/**
 * Program policy changes live in the Changes table beside the changes to one partner, under their own key
 * prefix (`policy-change#<id>`), so no new table, environment variable or IAM grant is needed. They carry
 * `kind: 'policy-change'` and `submittedAt`, so the table's byKind index lists them newest first; their status
 * is `policyStatus`, not `status`, so they stay out of the byStatus index the one-partner inboxes read.
 * Their audit stream is `change#<id>` like a change's (ids start `pol_`, a change's `chg_`), so
 * GET /api/audit?changeId=pol_… serves it unchanged.
 */
export const POLICY_CHANGE_KIND = 'policy-change';

export const policyChangeKeys = {
  policyChange: (policyChangeId: string) => ({ pk: `policy-change#${policyChangeId}`, sk: 'policy-change' }),
  /** Its own namespace: a key a person used for a one-partner change can never point at a policy change. */
  idempotency: (caller: string, key: string) => ({
    pk: `policy-idempotency#${caller}#${key}`,
    sk: 'idempotency',
  }),
};

export const policyAuditStreamOf = auditStreamOf;

/**
 * The audit stream of one batch of a round: the map runs batches side by side, and one stream per batch keeps
 * them from racing for the policy change's stream head (each is still a hash chain with its own head).
 */
export function policyBatchStreamOf(policyChangeId: string, roundId: string, firstPartnerId: string): string {
  return `${auditStreamOf(policyChangeId)}#${roundId}#${firstPartnerId}`;
}

/** A partner's own stream within a policy change: its opens, acknowledgement and concern (people act at once). */
export function policyPartnerStreamOf(policyChangeId: string, partnerId: string): string {
  return `${auditStreamOf(policyChangeId)}#partner#${partnerId}`;
}

export interface PolicyDecision {
  outcome: 'approved' | 'rejected';
  by: string;
  at: string;
  comment: string;
}

export interface PolicyChange {
  policyChangeId: string;
  status: PolicyChangeStatus;
  revision: number;
  title: string;
  summary: string;
  policyText?: string;
  document?: { uri: string; sha256: string };
  rationale: string;
  adverse: boolean;
  effectiveDate: string;
  segment: Segment;
  /** The segment as resolved at submission (the workflow resolves it again to its manifest when it sends). */
  targeted: number;
  byStage: Record<RelationshipStage, number>;
  noticeDays: number;
  submittedBy: string;
  submittedAt: string;
  decision?: PolicyDecision;
  /** The notice version being sent or last sent (0 before the first notice round). */
  noticeVersion?: number;
  /** The workflow's rounds by id (workflows/policy-change.asl.json). */
  rounds?: Record<string, RoundRecord>;
  /** When the current version's notice round completed. */
  noticeSentAt?: string;
  /** The day it takes effect: its effective date, or later if sending left less than its notice. */
  takesEffectAt?: string;
  /** The parked workflow wait (a revision or a withdrawal resumes it). */
  waitToken?: { token: string; revision: number };
  /** The earlier versions of its content, oldest first, with why each was replaced. */
  revisions?: PolicyRevision[];
  withdrawal?: { by: string; at: string; reason: string };
  failure?: { at: string; error: string; cause: string };
}

/** The content of a policy change that a revision replaces (and a new notice version announces). */
export type PolicyContent = Pick<
  PolicyChange,
  'title' | 'summary' | 'policyText' | 'document' | 'rationale' | 'adverse' | 'effectiveDate'
>;

/** The content of a policy change as it stands (what a revision keeps, what a notice shows). */
export function policyContentOf(change: PolicyChange): PolicyContent {
  return {
    title: change.title,
    summary: change.summary,
    ...(change.policyText !== undefined ? { policyText: change.policyText } : {}),
    ...(change.document !== undefined ? { document: change.document } : {}),
    rationale: change.rationale,
    adverse: change.adverse,
    effectiveDate: change.effectiveDate,
  };
}

export interface PolicyRevision {
  version: number;
  content: PolicyContent;
  replacedAt: string;
  replacedBy: string;
  reason: string;
}

/** Fields a workflow or person step of a policy change may set. */
export type PolicyStepFields = Partial<
  Pick<
    PolicyChange,
    | 'noticeVersion'
    | 'rounds'
    | 'noticeSentAt'
    | 'takesEffectAt'
    | 'waitToken'
    | 'revisions'
    | 'withdrawal'
    | 'failure'
    | 'title'
    | 'summary'
    | 'policyText'
    | 'document'
    | 'rationale'
    | 'adverse'
    | 'effectiveDate'
    | 'noticeDays'
  >
>;

export interface PolicyIdempotencyRecord {
  policyChangeId: string;
  requestFingerprint: string;
}

type StoredItem = Omit<PolicyChange, 'status'> & {
  pk: string;
  sk: string;
  kind: typeof POLICY_CHANGE_KIND;
  policyStatus: PolicyChangeStatus;
};

function fromItem(item: StoredItem): PolicyChange {
  const { pk: _pk, sk: _sk, kind: _kind, policyStatus, ...rest } = item;
  return { ...rest, status: policyStatus };
}

export class TransitionRefused extends Error {
  override readonly name = 'TransitionRefused';
}

export interface PolicyChangePage {
  items: PolicyChange[];
  cursor?: Record<string, NativeAttributeValue>;
}

export class PolicyChangeStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'changes'>,
  ) {}

  async get(policyChangeId: string): Promise<PolicyChange | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({
        TableName: this.tables.changes,
        Key: policyChangeKeys.policyChange(policyChangeId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item as StoredItem) : undefined;
  }

  async idempotencyRecord(caller: string, key: string): Promise<PolicyIdempotencyRecord | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({
        TableName: this.tables.changes,
        Key: policyChangeKeys.idempotency(caller, key),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return {
      policyChangeId: Item.policyChangeId as string,
      requestFingerprint: Item.requestFingerprint as string,
    };
  }

  /** Newest first, through the byKind index; `cursor` is a page's last key as returned here. */
  async list(limit: number, cursor?: Record<string, NativeAttributeValue>): Promise<PolicyChangePage> {
    const page = await this.documentClient.send(
      new QueryCommand({
        TableName: this.tables.changes,
        IndexName: 'byKind',
        KeyConditionExpression: 'kind = :kind',
        ExpressionAttributeValues: { ':kind': POLICY_CHANGE_KIND },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: cursor } : {}),
      }),
    );
    const items = ((page.Items ?? []) as StoredItem[]).map(fromItem);
    return { items, ...(page.LastEvaluatedKey ? { cursor: page.LastEvaluatedKey } : {}) };
  }

  /** Whether a cursor can start `list`: exactly the keys of one of its pages' last items. */
  static cursorFits(cursor: Record<string, NativeAttributeValue>): boolean {
    const names = ['pk', 'sk', 'kind', 'submittedAt'];
    const keys = Object.keys(cursor);
    return (
      keys.length === names.length &&
      names.every((name) => typeof cursor[name] === 'string' && cursor[name].length > 0) &&
      cursor.kind === POLICY_CHANGE_KIND &&
      typeof cursor.pk === 'string' &&
      cursor.pk.startsWith('policy-change#') &&
      cursor.sk === 'policy-change'
    );
  }

  // ---- named writes: each returns one transaction item ----

  /** A new policy change (written once: a second write of the same id fails its condition). */
  create(change: PolicyChange): TransactItem {
    if (!isPolicyTransitionAllowed('submit', undefined, change.status)) {
      throw new TransitionRefused(`submit may not start a policy change in ${change.status}`);
    }
    const { status, ...rest } = change;
    const item: StoredItem = {
      ...policyChangeKeys.policyChange(change.policyChangeId),
      ...rest,
      kind: POLICY_CHANGE_KIND,
      policyStatus: status,
    };
    return {
      Put: { TableName: this.tables.changes, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
    };
  }

  /**
   * Moves `change` by `event` to `to` (allowed by the transition table, or this throws), recording `decision`;
   * conditioned on the status and revision it was decided on, and bumping the revision.
   */
  decide(
    change: Pick<PolicyChange, 'policyChangeId' | 'status' | 'revision'>,
    event: PolicyChangeEvent,
    to: PolicyChangeStatus,
    decision: PolicyDecision,
  ): TransactItem {
    if (!isPolicyTransitionAllowed(event, change.status, to)) {
      throw new TransitionRefused(`${event} may not move a policy change from ${change.status} to ${to}`);
    }
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyChangeKeys.policyChange(change.policyChangeId),
        UpdateExpression: 'SET policyStatus = :to, revision = :next, #decision = :decision',
        ConditionExpression: 'policyStatus = :from AND revision = :revision',
        ExpressionAttributeNames: { '#decision': 'decision' },
        ExpressionAttributeValues: {
          ':to': to,
          ':from': change.status,
          ':revision': change.revision,
          ':next': change.revision + 1,
          ':decision': decision,
        },
      },
    };
  }

  /**
   * One step of a policy change by `event` to `to` (allowed by the transition table, or this throws), setting
   * `fields`; conditioned on the status and revision it was read in, and bumping the revision, so a person's
   * step and the workflow's never overwrite each other (the loser reads again).
   */
  step(
    change: Pick<PolicyChange, 'policyChangeId' | 'status' | 'revision'>,
    event: PolicyChangeEvent,
    to: PolicyChangeStatus,
    fields: PolicyStepFields,
    remove: readonly (keyof PolicyStepFields)[] = [],
  ): TransactItem {
    if (!isPolicyTransitionAllowed(event, change.status, to)) {
      throw new TransitionRefused(`${event} may not move a policy change from ${change.status} to ${to}`);
    }
    const names: Record<string, string> = {};
    const values: Record<string, NativeAttributeValue> = {
      ':to': to,
      ':from': change.status,
      ':revision': change.revision,
      ':next': change.revision + 1,
    };
    const sets = ['policyStatus = :to', 'revision = :next'];
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    for (const name of remove) names[`#${name}`] = name;
    const removal = remove.length > 0 ? ` REMOVE ${remove.map((name) => `#${name}`).join(', ')}` : '';
    return {
      Update: {
        TableName: this.tables.changes,
        Key: policyChangeKeys.policyChange(change.policyChangeId),
        UpdateExpression: `SET ${sets.join(', ')}${removal}`,
        ConditionExpression: 'policyStatus = :from AND revision = :revision',
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * Parks the workflow's wait token on the policy change if it is still at `revision` (no revision bump);
   * false when it moved since (the caller resumes the workflow instead of sleeping).
   */
  async parkWait(policyChangeId: string, waitToken: { token: string; revision: number }): Promise<boolean> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tables.changes,
          Key: policyChangeKeys.policyChange(policyChangeId),
          UpdateExpression: 'SET waitToken = :token',
          ConditionExpression: 'revision = :revision',
          ExpressionAttributeValues: { ':token': waitToken, ':revision': waitToken.revision },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Every policy change in these statuses (a handful: the workflow sweep and start-up read them). */
  async inStatuses(statuses: ReadonlySet<PolicyChangeStatus>): Promise<PolicyChange[]> {
    const found: PolicyChange[] = [];
    let cursor: Record<string, NativeAttributeValue> | undefined;
    do {
      const page = await this.list(100, cursor);
      found.push(...page.items.filter((change) => statuses.has(change.status)));
      cursor = page.cursor;
    } while (cursor);
    return found;
  }

  claimIdempotencyKey(caller: string, key: string, record: PolicyIdempotencyRecord): TransactItem {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { ...policyChangeKeys.idempotency(caller, key), ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
}
