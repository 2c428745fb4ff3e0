import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PolicyChangeStore,
  TransitionRefused,
} from '../../functions/adapters/dynamodb/policy-change-store.ts';
import { addDays, startOfUtcDay, toIsoDate } from '../../functions/domain/calendar.ts';
import { defaultLifecyclePolicy } from '../../functions/domain/lifecycle-policy.ts';
import { relationshipStages } from '../../functions/domain/relationship-stage.ts';
import {
  evaluatePolicyChange,
  initialPolicyStatus,
  isPolicyTransitionAllowed,
} from '../../functions/policy-changes/rules.ts';
import { policyChangeRequestSchema, segmentSchema } from '../../functions/policy-changes/schemas.ts';
import {
  matchesSegment,
  noticeDaysFor,
  type Segment,
  type SegmentFacts,
  segmentPreview,
} from '../../functions/policy-changes/segment.ts';
import { GOOD_RATIONALE, instantArb, PROPERTY_RUNS, stageArb } from './arbitraries.ts';

const policy = defaultLifecyclePolicy;
const labelArb = fc.constantFrom('gold', 'silver', 'EMEA', 'NA', 'cloud', 'edge');

const partnerArb: fc.Arbitrary<SegmentFacts> = fc.record(
  {
    partnerId: fc.stringMatching(/^p[0-9]{1,4}$/),
    stage: stageArb,
    region: labelArb,
    tier: labelArb,
    tags: fc.uniqueArray(labelArb, { maxLength: 3 }),
  },
  { requiredKeys: ['partnerId', 'stage'] },
);
const directoryArb = fc.uniqueArray(partnerArb, { selector: (partner) => partner.partnerId, maxLength: 40 });

const segmentArb: fc.Arbitrary<Segment> = fc.oneof(
  fc.constant({ by: 'all' as const }),
  fc.record({ by: fc.constant('stage' as const), stages: fc.uniqueArray(stageArb, { minLength: 1 }) }),
  fc.record({ by: fc.constant('tier' as const), tiers: fc.uniqueArray(labelArb, { minLength: 1 }) }),
  fc.record({ by: fc.constant('region' as const), regions: fc.uniqueArray(labelArb, { minLength: 1 }) }),
  fc.record({ by: fc.constant('tag' as const), tags: fc.uniqueArray(labelArb, { minLength: 1 }) }),
  fc.record({
    by: fc.constant('partners' as const),
    partnerIds: fc.uniqueArray(fc.stringMatching(/^p[0-9]{1,4}$/), { minLength: 1, maxLength: 10 }),
  }),
);

const partner = (overrides: Partial<SegmentFacts>): SegmentFacts => ({
  partnerId: 'p1',
  stage: 'transactional',
  ...overrides,
});

describe('matching a partner against a segment', () => {
  it('matches a partner with any one of the listed values, and never one without the attribute', () => {
    expect(
      matchesSegment(partner({ stage: 'enhanced' }), { by: 'stage', stages: ['enhanced', 'partnership'] }),
    ).toBe(true);
    expect(matchesSegment(partner({ stage: 'collaborative' }), { by: 'stage', stages: ['enhanced'] })).toBe(
      false,
    );
    expect(matchesSegment(partner({ tier: 'gold' }), { by: 'tier', tiers: ['gold'] })).toBe(true);
    expect(matchesSegment(partner({}), { by: 'tier', tiers: ['gold'] })).toBe(false);
    expect(matchesSegment(partner({ region: 'EMEA' }), { by: 'region', regions: ['NA', 'EMEA'] })).toBe(true);
    expect(matchesSegment(partner({}), { by: 'region', regions: ['EMEA'] })).toBe(false);
    expect(matchesSegment(partner({ tags: ['edge', 'cloud'] }), { by: 'tag', tags: ['cloud'] })).toBe(true);
    expect(matchesSegment(partner({ tags: ['edge'] }), { by: 'tag', tags: ['cloud'] })).toBe(false);
    expect(matchesSegment(partner({}), { by: 'partners', partnerIds: ['p1'] })).toBe(true);
    expect(matchesSegment(partner({}), { by: 'partners', partnerIds: ['p2'] })).toBe(false);
    expect(matchesSegment(partner({}), { by: 'all' })).toBe(true);
  });

  it('counts per stage exactly the partners the segment matches, every stage present', () => {
    fc.assert(
      fc.property(directoryArb, segmentArb, fc.boolean(), (partners, segment, adverse) => {
        const preview = segmentPreview(partners, segment, adverse, policy);
        const matched = partners.filter((item) => matchesSegment(item, segment));
        expect(preview.targeted).toBe(matched.length);
        expect(preview.partnerIds).toEqual(matched.map((item) => item.partnerId));
        expect(Object.keys(preview.byStage).sort()).toEqual([...relationshipStages].sort());
        for (const stage of relationshipStages) {
          expect(preview.byStage[stage]).toBe(matched.filter((item) => item.stage === stage).length);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('reports exactly the ids of an explicit list that are not in the directory', () => {
    fc.assert(
      fc.property(directoryArb, segmentArb, (partners, segment) => {
        const preview = segmentPreview(partners, segment, true, policy);
        const known = new Set(partners.map((item) => item.partnerId));
        const expected = segment.by === 'partners' ? segment.partnerIds.filter((id) => !known.has(id)) : [];
        expect(preview.unknownPartnerIds.sort()).toEqual([...expected].sort());
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('the notice a policy change owes', () => {
  it('is the longest adverse notice of any stage the segment reaches, and none for a favourable change', () => {
    fc.assert(
      fc.property(directoryArb, segmentArb, (partners, segment) => {
        const adverse = segmentPreview(partners, segment, true, policy);
        const present = relationshipStages.filter((stage) => adverse.byStage[stage] > 0);
        const longest = Math.max(0, ...present.map((stage) => policy.stages[stage].adverseNoticeDays));
        expect(adverse.noticeDays).toBe(longest);
        expect(segmentPreview(partners, segment, false, policy).noticeDays).toBe(0);
      }),
      PROPERTY_RUNS,
    );
  });

  it('takes the partnership stage’s 90 days when one partnership partner is among transactional ones', () => {
    expect(noticeDaysFor(['transactional', 'partnership', 'transactional'], true, policy)).toBe(90);
    expect(noticeDaysFor(['transactional', 'enhanced'], true, policy)).toBe(45);
  });
});

describe('the rules of a policy change submission', () => {
  const preview = { targeted: 3, noticeDays: 60, unknownPartnerIds: [] };

  it('refuses an adverse effective date before today + the longest notice, naming effectiveDate and the earliest date', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 0, max: 60 }), (now, daysAhead) => {
        const today = startOfUtcDay(now);
        const effectiveDate = toIsoDate(addDays(today, daysAhead));
        const verdict = evaluatePolicyChange({
          adverse: true,
          effectiveDate,
          rationale: GOOD_RATIONALE,
          now,
          preview,
        });
        const earliest = verdict.earliestEffectiveDate;
        expect(earliest > toIsoDate(addDays(today, 59))).toBe(true);
        const refused = verdict.violations.filter((item) => item.field === 'effectiveDate');
        if (effectiveDate < earliest) {
          expect(refused).toHaveLength(1);
          expect(refused[0]!.reason).toContain(earliest);
        } else {
          expect(refused).toHaveLength(0);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('accepts a favourable change from today but never in the past', () => {
    const now = new Date('2026-12-03T10:00:00.000Z');
    const favourable = (effectiveDate: string) =>
      evaluatePolicyChange({ adverse: false, effectiveDate, rationale: GOOD_RATIONALE, now, preview })
        .violations;
    expect(favourable('2026-12-03')).toEqual([]);
    expect(favourable('2026-12-02').map((item) => item.field)).toEqual(['effectiveDate']);
  });

  it('refuses a segment that reaches nobody, naming segment', () => {
    const verdict = evaluatePolicyChange({
      adverse: false,
      effectiveDate: '2026-12-03',
      rationale: GOOD_RATIONALE,
      now: new Date('2026-12-03T10:00:00.000Z'),
      preview: { targeted: 0, noticeDays: 0, unknownPartnerIds: [] },
    });
    expect(verdict.violations.map((item) => [item.field, item.rule])).toEqual([['segment', 'empty-segment']]);
  });

  it('refuses an explicit list naming a partner not in the directory, naming segment.partnerIds', () => {
    const verdict = evaluatePolicyChange({
      adverse: false,
      effectiveDate: '2026-12-03',
      rationale: GOOD_RATIONALE,
      now: new Date('2026-12-03T10:00:00.000Z'),
      preview: { targeted: 1, noticeDays: 0, unknownPartnerIds: ['ghost'] },
    });
    expect(verdict.violations).toHaveLength(1);
    expect(verdict.violations[0]).toMatchObject({ field: 'segment.partnerIds', rule: 'unknown-partners' });
    expect(verdict.violations[0]!.reason).toContain('ghost');
  });

  it('refuses a rationale that explains nothing, naming rationale', () => {
    const verdict = evaluatePolicyChange({
      adverse: false,
      effectiveDate: '2026-12-03',
      rationale: 'Business reasons.',
      now: new Date('2026-12-03T10:00:00.000Z'),
      preview,
    });
    expect(verdict.violations.map((item) => item.field)).toEqual(['rationale']);
  });

  it('starts an adverse change awaiting a second person’s approval and a favourable one approved', () => {
    expect(initialPolicyStatus(true)).toBe('awaiting-approval');
    expect(initialPolicyStatus(false)).toBe('approved');
    expect(isPolicyTransitionAllowed('approve', 'awaiting-approval', 'approved')).toBe(true);
    expect(isPolicyTransitionAllowed('reject', 'awaiting-approval', 'rejected')).toBe(true);
    expect(isPolicyTransitionAllowed('approve', 'approved', 'approved')).toBe(false);
    expect(isPolicyTransitionAllowed('approve', 'rejected', 'approved')).toBe(false);
    expect(isPolicyTransitionAllowed('submit', undefined, 'rejected')).toBe(false);
  });
});

describe('the policy change request schema', () => {
  const base = {
    title: 'Deal registration rules',
    summary: 'Deals must be registered within 14 days of first contact.',
    rationale: GOOD_RATIONALE,
    adverse: true,
    effectiveDate: '2027-06-01',
    segment: { by: 'all' },
  };
  const document = { uri: 'https://example.com/policy.pdf', sha256: 'a'.repeat(64) };
  const fieldsOf = (value: unknown) => {
    const parsed = policyChangeRequestSchema.safeParse(value);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
  };

  it('takes the policy text or a document reference, exactly one', () => {
    expect(fieldsOf({ ...base, policyText: 'The full policy text, section by section.' })).toEqual([]);
    expect(fieldsOf({ ...base, document })).toEqual([]);
    expect(fieldsOf({ ...base, policyText: 'The full policy text, section by section.', document })).toEqual([
      'document',
    ]);
    expect(fieldsOf(base)).toEqual(['policyText']);
  });

  it('refuses a document digest that is not 64 hexadecimal characters', () => {
    expect(fieldsOf({ ...base, document: { ...document, sha256: 'abc' } })).toEqual(['document.sha256']);
  });

  it('refuses an empty or oversized list and an unknown segment kind, naming the segment field', () => {
    expect(segmentSchema.safeParse({ by: 'stage', stages: [] }).success).toBe(false);
    expect(segmentSchema.safeParse({ by: 'stage', stages: ['platinum'] }).success).toBe(false);
    expect(
      segmentSchema.safeParse({ by: 'tag', tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }).success,
    ).toBe(false);
    expect(segmentSchema.safeParse({ by: 'planet' }).success).toBe(false);
    expect(fieldsOf({ ...base, document, segment: { by: 'partners', partnerIds: ['bad id'] } })).toEqual([
      'segment.partnerIds.0',
    ]);
  });
});

describe('the policy change store’s named writes', () => {
  const store = new PolicyChangeStore({} as DynamoDBDocumentClient, { changes: 'Changes' });
  const decision = {
    outcome: 'approved' as const,
    by: 'amara',
    at: '2026-12-03T10:00:00.000Z',
    comment: 'ok',
  };

  it('guards a decision by the status and revision it was made on, and refuses a step the table does not allow', () => {
    const item = store.decide(
      { policyChangeId: 'pol_1', status: 'awaiting-approval', revision: 3 },
      'approve',
      'approved',
      decision,
    );
    expect(item.Update?.ConditionExpression).toBe('policyStatus = :from AND revision = :revision');
    expect(item.Update?.ExpressionAttributeValues).toMatchObject({
      ':from': 'awaiting-approval',
      ':revision': 3,
      ':next': 4,
    });
    expect(() =>
      store.decide(
        { policyChangeId: 'pol_1', status: 'approved', revision: 4 },
        'approve',
        'approved',
        decision,
      ),
    ).toThrow(TransitionRefused);
    expect(() =>
      store.decide(
        { policyChangeId: 'pol_1', status: 'rejected', revision: 4 },
        'approve',
        'approved',
        decision,
      ),
    ).toThrow(TransitionRefused);
  });
});
