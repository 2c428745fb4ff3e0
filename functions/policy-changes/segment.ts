import type { LifecyclePolicy } from '../domain/lifecycle-policy.ts';
import type { Partner } from '../domain/partner.ts';
import { type RelationshipStage, relationshipStages } from '../domain/relationship-stage.ts';

/**
 * Who a program policy change reaches: everyone, or the partners of some stages, tiers, regions or tags, or an
 * explicit list. A partner matches a list-valued segment when it has any one of the listed values (a union).
 */
export type Segment =
  | { by: 'all' }
  | { by: 'stage'; stages: readonly RelationshipStage[] }
  | { by: 'tier'; tiers: readonly string[] }
  | { by: 'region'; regions: readonly string[] }
  | { by: 'tag'; tags: readonly string[] }
  | { by: 'partners'; partnerIds: readonly string[] };

/** What segment resolution needs of a partner (the directory's projection, not the whole profile). */
export type SegmentFacts = Pick<Partner, 'partnerId' | 'stage' | 'region' | 'tier' | 'tags'>;

export function matchesSegment(partner: SegmentFacts, segment: Segment): boolean {
  switch (segment.by) {
    case 'all':
      return true;
    case 'stage':
      return segment.stages.includes(partner.stage);
    case 'tier':
      return partner.tier !== undefined && segment.tiers.includes(partner.tier);
    case 'region':
      return partner.region !== undefined && segment.regions.includes(partner.region);
    case 'tag':
      return (partner.tags ?? []).some((tag) => segment.tags.includes(tag));
    case 'partners':
      return segment.partnerIds.includes(partner.partnerId);
  }
}

/**
 * Notice a policy change owes the partners of these stages: the longest any of them requires, since one
 * change announces one effective date to all. A favourable (non-adverse) change owes none: StagePolicy
 * defines only the adverse notice, and the commission rules (functions/domain/submission-rules.ts) let a
 * favourable change take effect from today.
 */
export function noticeDaysFor(
  stages: Iterable<RelationshipStage>,
  adverse: boolean,
  policy: Pick<LifecyclePolicy, 'stages'>,
): number {
  if (!adverse) return 0;
  let longest = 0;
  for (const stage of stages) longest = Math.max(longest, policy.stages[stage].adverseNoticeDays);
  return longest;
}

export interface SegmentPreview {
  targeted: number;
  /** Every stage, with 0 where the segment reaches nobody. */
  byStage: Record<RelationshipStage, number>;
  noticeDays: number;
  /** Ids of an explicit list that are not in the directory (empty for other segments). */
  unknownPartnerIds: string[];
  /** The matching partners' ids, in the directory's order. */
  partnerIds: string[];
}

export function segmentPreview(
  partners: Iterable<SegmentFacts>,
  segment: Segment,
  adverse: boolean,
  policy: Pick<LifecyclePolicy, 'stages'>,
): SegmentPreview {
  const byStage = Object.fromEntries(relationshipStages.map((stage) => [stage, 0])) as Record<
    RelationshipStage,
    number
  >;
  const partnerIds: string[] = [];
  for (const partner of partners) {
    if (!matchesSegment(partner, segment)) continue;
    byStage[partner.stage] += 1;
    partnerIds.push(partner.partnerId);
  }
  const present = relationshipStages.filter((stage) => byStage[stage] > 0);
  const found = new Set(partnerIds);
  const unknownPartnerIds =
    segment.by === 'partners' ? [...new Set(segment.partnerIds)].filter((id) => !found.has(id)) : [];
  return {
    targeted: partnerIds.length,
    byStage,
    noticeDays: noticeDaysFor(present, adverse, policy),
    unknownPartnerIds,
    partnerIds,
  };
}
