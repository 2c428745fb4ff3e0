import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../domain/audit-chain.ts';
import type { AllianceManager, Partner, PartnerProfile } from '../../domain/partner.ts';
import { entryKeyOf, type RateScheduleEntry } from '../../domain/rate-schedule.ts';
import type { RelationshipStage } from '../../domain/relationship-stage.ts';
import { queryAll, scanAll } from './all-items.ts';
import type { TransactItem } from './audited-transaction.ts';
import type { TableNames } from './table-names.ts';

/** DynamoDB's limit on the keys of one BatchGetItem request. */
const MAX_BATCH_GET_KEYS = 100;

/** Every directory write of a partner is audited on the partner's own stream. */
export const partnerAuditStream = (partnerId: string) => `partner#${partnerId}`;

/**
 * When a partner record written before the directory had versions and dates is read: it counts as version 1,
 * created and updated at this instant (meaning "before the directory recorded it").
 */
export const LEGACY_PARTNER_INSTANT = '1970-01-01T00:00:00.000Z';

/** The partner item: the partner, and the lower-cased text a directory search looks in (name and id). */
type PartnerItem = Partner & { searchText?: string };

const searchTextOf = (partner: Pick<Partner, 'partnerId' | 'name'>) =>
  `${partner.name}\n${partner.partnerId}`.toLowerCase();

function fromItem(item: Record<string, NativeAttributeValue>): Partner {
  const { searchText: _search, ...partner } = item as PartnerItem;
  return {
    ...partner,
    version: partner.version ?? 1,
    createdAt: partner.createdAt ?? LEGACY_PARTNER_INSTANT,
    updatedAt: partner.updatedAt ?? partner.createdAt ?? LEGACY_PARTNER_INSTANT,
  };
}

export interface PartnerListQuery {
  /** Name or id contains this, case-insensitively. */
  q?: string | undefined;
  stage?: RelationshipStage | undefined;
  region?: string | undefined;
  tier?: string | undefined;
  /** Has this tag. */
  tag?: string | undefined;
  limit: number;
  /** The `cursor` of the previous page, as `page` returned it. */
  cursor?: Record<string, NativeAttributeValue> | undefined;
}

export interface PartnerPage {
  partners: Partner[];
  /** Where the next page starts; absent on the last page. */
  cursor?: { partnerId: string };
}

/**
 * Items read per Scan request when filters narrow the answer: DynamoDB applies a filter after reading, so a
 * page of a rare tag may need many items read; reading them in large pages keeps the round trips few.
 */
const FILTERED_SCAN_PAGE = 1000;

export class PartnerStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  /** Consistent: an edit decides on the version the last write left. */
  async get(partnerId: string): Promise<Partner | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tables.partners, Key: { partnerId }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
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
      for (const item of answer.Responses?.[this.tables.partners] ?? []) {
        const partner = fromItem(item);
        found.set(partner.partnerId, partner);
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

  /**
   * A page of the directory, filtered; the cursor is the last partner returned.
   *
   * Why a Scan: the filters combine freely (search text, stage, region, tier, tag) and no one index serves them
   * all; at tens of thousands of partners a filtered Scan reads the table in a few large requests, and the
   * caller bounds its own per-partner reads (rates) to the page. The price is the order: a Scan returns items
   * in key-hash order, so pages are stable but not alphabetical (the route sorts each page by name). An index
   * with one partition key for the directory and the lower-cased name as sort key would give name order and
   * read only the page for an unfiltered list (filters would still be applied on the way); at a few hundred
   * thousand partners, or for a prefix search, that index is the next step.
   *
   * A cursor that cannot start this Scan (anything but `{ partnerId: <non-empty string> }`) is answered
   * 'invalid-cursor', never passed to DynamoDB.
   */
  async page(query: PartnerListQuery): Promise<PartnerPage | 'invalid-cursor'> {
    if (query.cursor && !partnerCursorFits(query.cursor)) return 'invalid-cursor';
    const names: Record<string, string> = {};
    const values: Record<string, NativeAttributeValue> = {};
    const filters: string[] = [];
    const equals = (attribute: 'stage' | 'region' | 'tier', value: string | undefined) => {
      if (value === undefined) return;
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      filters.push(`#${attribute} = :${attribute}`);
    };
    equals('stage', query.stage);
    equals('region', query.region);
    equals('tier', query.tier);
    if (query.tag !== undefined) {
      names['#tags'] = 'tags';
      values[':tag'] = query.tag;
      filters.push('contains(#tags, :tag)');
    }
    if (query.q !== undefined) {
      names['#searchText'] = 'searchText';
      names['#name'] = 'name';
      names['#partnerId'] = 'partnerId';
      values[':q'] = query.q.toLowerCase();
      values[':asTyped'] = query.q;
      // A record from before the directory has no search text: its name and id are searched as typed.
      filters.push(
        '(contains(#searchText, :q) OR (attribute_not_exists(#searchText) AND (contains(#name, :asTyped) OR contains(#partnerId, :asTyped))))',
      );
    }
    const partners: Partner[] = [];
    let startKey = query.cursor;
    for (;;) {
      const answer = await this.documentClient.send(
        new ScanCommand({
          TableName: this.tables.partners,
          ...(filters.length > 0
            ? {
                FilterExpression: filters.join(' AND '),
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              }
            : {}),
          Limit: filters.length > 0 ? Math.max(FILTERED_SCAN_PAGE, query.limit) : query.limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of answer.Items ?? []) {
        const partner = fromItem(item);
        partners.push(partner);
        // A full page ends at its last partner (the items read after it are read again by the next page).
        if (partners.length === query.limit) return { partners, cursor: { partnerId: partner.partnerId } };
      }
      if (!answer.LastEvaluatedKey) return { partners };
      startKey = answer.LastEvaluatedKey;
    }
  }

  /**
   * A new partner, written once: a partner whose id exists is never overwritten (seeding and imports are
   * idempotent by the partner's external id). Its opening rates are `addRateEntry` items beside it.
   */
  newPartner(partner: Partner): TransactItem {
    const item: PartnerItem = { ...partner, searchText: searchTextOf(partner) };
    return {
      Put: {
        TableName: this.tables.partners,
        Item: item,
        ConditionExpression: 'attribute_not_exists(partnerId)',
      },
    };
  }

  /**
   * A partner's new profile, only if the partner is still at `expectedVersion` (two editors never overwrite
   * each other silently): the version goes up by one and `updatedAt` is set. The stage, the id and the
   * creation date are not touched. A record from before versions counts as version 1.
   */
  profileUpdate(
    partnerId: string,
    expectedVersion: number,
    profile: PartnerProfile,
    updatedAt: string,
  ): TransactItem {
    const names: Record<string, string> = {
      '#name': 'name',
      '#allianceManager': 'allianceManager',
      '#contacts': 'contacts',
      '#version': 'version',
      '#updatedAt': 'updatedAt',
      '#searchText': 'searchText',
    };
    const values: Record<string, NativeAttributeValue> = {
      ':name': profile.name,
      ':allianceManager': profile.allianceManager,
      ':contacts': profile.contacts,
      ':next': expectedVersion + 1,
      ':expected': expectedVersion,
      ':updatedAt': updatedAt,
      ':searchText': searchTextOf({ partnerId, name: profile.name }),
    };
    const sets = [
      '#name = :name',
      '#allianceManager = :allianceManager',
      '#contacts = :contacts',
      '#version = :next',
      '#updatedAt = :updatedAt',
      '#searchText = :searchText',
    ];
    const removes: string[] = [];
    const optional = {
      region: profile.region,
      tier: profile.tier,
      tags: profile.tags?.length ? profile.tags : undefined,
    };
    for (const [attribute, value] of Object.entries(optional)) {
      names[`#${attribute}`] = attribute;
      if (value === undefined) {
        removes.push(`#${attribute}`);
      } else {
        values[`:${attribute}`] = value;
        sets.push(`#${attribute} = :${attribute}`);
      }
    }
    return {
      Update: {
        TableName: this.tables.partners,
        Key: { partnerId },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression:
          expectedVersion === 1
            ? 'attribute_exists(partnerId) AND (#version = :expected OR attribute_not_exists(#version))'
            : 'attribute_exists(partnerId) AND #version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
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

  /**
   * An applied alliance-manager reassignment: the incoming manager, version + 1, only while the outgoing one is
   * still the partner's manager (a directory edit or another reassignment meanwhile fails the transaction).
   */
  reassignAllianceManager(
    partnerId: string,
    fromUserId: string,
    to: AllianceManager,
    at: string,
  ): TransactItem {
    return {
      Update: {
        TableName: this.tables.partners,
        Key: { partnerId },
        UpdateExpression:
          'SET #manager = :to, #version = if_not_exists(#version, :zero) + :one, #updatedAt = :at',
        ConditionExpression: 'attribute_exists(partnerId) AND #manager.#userId = :from',
        ExpressionAttributeNames: {
          '#manager': 'allianceManager',
          '#userId': 'userId',
          '#version': 'version',
          '#updatedAt': 'updatedAt',
        },
        ExpressionAttributeValues: {
          ':from': fromUserId,
          ':to': { userId: to.userId, name: to.name, email: to.email },
          ':zero': 0,
          ':one': 1,
          ':at': at,
        },
      },
    };
  }

  /** The partner's directory audit entries (created, updated, stage moves), oldest first. */
  async auditEntries(partnerId: string): Promise<AuditEntry[]> {
    const entries = await queryAll<AuditEntry>(this.documentClient, {
      TableName: this.tables.auditTrail,
      KeyConditionExpression: '#stream = :stream AND seq > :head',
      ExpressionAttributeNames: { '#stream': 'stream' },
      ExpressionAttributeValues: { ':stream': partnerAuditStream(partnerId), ':head': 0 },
      ConsistentRead: true,
    });
    return entries.sort((a, b) => a.seq - b.seq);
  }

  /**
   * Every partner's id, name and stage: one projected Scan across its pages, for views of the whole
   * portfolio (GET /api/trust/portfolio) that join it with one scan of the trust summaries.
   */
  async headlines(): Promise<{ partnerId: string; name: string; stage: RelationshipStage }[]> {
    return scanAll<{ partnerId: string; name: string; stage: RelationshipStage }>(this.documentClient, {
      TableName: this.tables.partners,
      ProjectionExpression: 'partnerId, #name, stage',
      ExpressionAttributeNames: { '#name': 'name' },
    });
  }

  /**
   * Every partner's segment facts (id, stage, region, tier, tags): one projected Scan across its pages, for
   * resolving a policy change's segment. A full read for now; the policy-change workflow resolves its manifest
   * the same way, once per change.
   */
  async segmentFacts(): Promise<Pick<Partner, 'partnerId' | 'stage' | 'region' | 'tier' | 'tags'>[]> {
    return scanAll<Pick<Partner, 'partnerId' | 'stage' | 'region' | 'tier' | 'tags'>>(this.documentClient, {
      TableName: this.tables.partners,
      ProjectionExpression: 'partnerId, stage, #region, tier, tags',
      ExpressionAttributeNames: { '#region': 'region' },
    });
  }

  async rateSchedule(partnerId: string): Promise<RateScheduleEntry[]> {
    return this.byPartner<RateScheduleEntry>(this.tables.rateSchedule, partnerId);
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

/**
 * Exactly the key a page of `page` ends with: `{ partnerId }`, a non-empty, well-formed string no longer than
 * an id (a lone surrogate could not be encoded as a DynamoDB key).
 */
function partnerCursorFits(cursor: Record<string, NativeAttributeValue>): boolean {
  const keys = Object.keys(cursor);
  return (
    keys.length === 1 &&
    keys[0] === 'partnerId' &&
    typeof cursor.partnerId === 'string' &&
    cursor.partnerId.length > 0 &&
    cursor.partnerId.length <= 200 &&
    !/[\uD800-\uDFFF]/u.test(cursor.partnerId)
  );
}
