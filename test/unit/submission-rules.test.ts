import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CommissionDirection,
  evaluateCommissionChange,
} from '../../functions/commission-changes/rules.ts';
import { addDays, DAY_MS, parseIsoDate, startOfUtcDay, toIsoDate } from '../../functions/domain/calendar.ts';
import { defaultLifecyclePolicy } from '../../functions/domain/lifecycle-policy.ts';
import { judgeRationale } from '../../functions/domain/rationale.ts';
import { defaultStagePolicies, type RelationshipStage } from '../../functions/domain/relationship-stage.ts';
import {
  applyNotBefore,
  evaluateTiming,
  type RuleViolation,
} from '../../functions/domain/submission-rules.ts';
import { GOOD_RATIONALE, instantArb, PROPERTY_RUNS, stageArb } from './arbitraries.ts';

/** PRODUCT.md, "Relationship stages": notice for an adverse commission change. */
const NOTICE_DAYS: Record<RelationshipStage, number> = {
  transactional: 30,
  enhanced: 45,
  collaborative: 60,
  partnership: 90,
};

/** Independent of the implementation: the first 00:00 UTC at or after now + notice days. */
function expectedEarliestCut(now: Date, stage: RelationshipStage): string {
  const noticeEnds = now.getTime() + NOTICE_DAYS[stage] * DAY_MS;
  return toIsoDate(new Date(Math.ceil(noticeEnds / DAY_MS) * DAY_MS));
}

function shiftDay(isoDate: string, days: number): string {
  return toIsoDate(addDays(parseIsoDate(isoDate)!, days));
}

interface Proposal {
  currentRatePct: number;
  newRatePct: number;
  effectiveDate: string;
  rationale: string;
}

type Verdict =
  | {
      accepted: true;
      direction: CommissionDirection;
      noticePeriodDays: number;
      earliestEffectiveDate: string;
    }
  | { accepted: false; conflict: boolean; violations: RuleViolation[]; earliestEffectiveDate?: string };

/**
 * A commission change judged as the submission use case judges it (functions/notices/submit.ts): the
 * commission kind's rules (rate in force, no change), then the lifecycle's timing and rationale rules.
 */
function evaluate(
  stage: RelationshipStage,
  now: Date,
  overrides: Partial<Proposal>,
  rateInForcePct = 10,
): Verdict {
  const proposal: Proposal = {
    currentRatePct: 10,
    newRatePct: 8,
    effectiveDate: '2099-01-01',
    rationale: GOOD_RATIONALE,
    ...overrides,
  };
  const commission = evaluateCommissionChange(proposal, {
    rateInForcePct,
    raiseApprovalAbovePoints: defaultLifecyclePolicy.commissionRaiseApprovalAbovePoints,
  });
  if (!commission.accepted && commission.conflict) return commission;
  const timing = evaluateTiming({
    adverse: commission.accepted ? commission.direction === 'cut' : true,
    effectiveDate: proposal.effectiveDate,
    rationale: proposal.rationale,
    now,
    stage,
    stagePolicy: defaultStagePolicies[stage],
    policy: defaultLifecyclePolicy,
  });
  const violations = [...(commission.accepted ? [] : commission.violations), ...timing.violations];
  if (!commission.accepted || violations.length > 0) {
    return {
      accepted: false,
      conflict: false,
      violations,
      earliestEffectiveDate: timing.earliestEffectiveDate,
    };
  }
  return {
    accepted: true,
    direction: commission.direction,
    noticePeriodDays: timing.noticePeriodDays,
    earliestEffectiveDate: timing.earliestEffectiveDate,
  };
}

function violationsOf(verdict: Verdict) {
  if (verdict.accepted) throw new Error('expected the change to be refused');
  return verdict.violations;
}

const NOW = new Date('2026-03-10T14:30:00.000Z');
const TODAY = '2026-03-10';

describe('stage policies match PRODUCT.md', () => {
  it.each(Object.entries(NOTICE_DAYS))('%s: %i days of notice for an adverse change', (stage, days) => {
    expect(defaultStagePolicies[stage as RelationshipStage].adverseNoticeDays).toBe(days);
  });
});

describe('evaluateCommissionChange: notice period for a cut (principle 1)', () => {
  it.each(Object.entries(NOTICE_DAYS))(
    '%s: a cut one day short of %i days is refused, naming the earliest date',
    (stage, days) => {
      // NOW is mid-day, so the notice period ends mid-day on TODAY + days: the first full day is the day after.
      const earliest = shiftDay(TODAY, days + 1);
      const verdict = evaluate(stage as RelationshipStage, NOW, { effectiveDate: shiftDay(TODAY, days) });
      expect(verdict.accepted).toBe(false);
      expect(verdict.earliestEffectiveDate).toBe(earliest);
      const violations = violationsOf(verdict);
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatchObject({ field: 'effectiveDate', rule: 'notice-period' });
      expect(violations[0]!.reason).toContain(earliest);
      expect(violations[0]!.reason).toContain(String(days));
      expect(verdict.accepted === false && verdict.conflict).toBe(false);
    },
  );

  it('a cut submitted exactly at midnight may take effect exactly notice days later', () => {
    const midnight = new Date('2026-03-10T00:00:00.000Z');
    expect(evaluate('transactional', midnight, { effectiveDate: '2026-04-09' })).toMatchObject({
      accepted: true,
    });
    expect(evaluate('transactional', midnight, { effectiveDate: '2026-04-08' }).accepted).toBe(false);
  });

  it('property: for any instant and stage the earliest date is accepted and the day before refused', () => {
    fc.assert(
      fc.property(instantArb, stageArb, (now, stage) => {
        const earliest = expectedEarliestCut(now, stage);
        const onTime = evaluate(stage, now, { effectiveDate: earliest });
        expect(onTime).toEqual({
          accepted: true,
          direction: 'cut',
          noticePeriodDays: NOTICE_DAYS[stage],
          earliestEffectiveDate: earliest,
        });
        const early = evaluate(stage, now, { effectiveDate: shiftDay(earliest, -1) });
        const violations = violationsOf(early);
        expect(violations.map((v) => [v.field, v.rule])).toEqual([['effectiveDate', 'notice-period']]);
        expect(violations[0]!.reason).toContain(earliest);
        // The date the notice period promises: the partner has at least the full period before it.
        expect(parseIsoDate(earliest)!.getTime() - now.getTime()).toBeGreaterThanOrEqual(
          NOTICE_DAYS[stage] * DAY_MS,
        );
      }),
      PROPERTY_RUNS,
    );
  });

  it('property: any cut dated from today up to the day before the earliest date is refused for notice', () => {
    fc.assert(
      fc.property(instantArb, stageArb, fc.nat({ max: 90 }), (now, stage, offset) => {
        const today = toIsoDate(startOfUtcDay(now));
        const earliest = expectedEarliestCut(now, stage);
        const date = shiftDay(today, offset);
        const verdict = evaluate(stage, now, { effectiveDate: date });
        if (date < earliest) {
          expect(violationsOf(verdict).map((v) => v.rule)).toEqual(['notice-period']);
        } else {
          expect(verdict.accepted).toBe(true);
        }
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('evaluateCommissionChange: raises and retroactive dates', () => {
  it.each(Object.keys(NOTICE_DAYS))('%s: a raise may take effect today, with no notice period', (stage) => {
    const verdict = evaluate(stage as RelationshipStage, NOW, { newRatePct: 12, effectiveDate: TODAY });
    expect(verdict).toEqual({
      accepted: true,
      direction: 'raise',
      noticePeriodDays: 0,
      earliestEffectiveDate: TODAY,
    });
  });

  it('property: any past effective date is retroactive, for a cut and for a raise', () => {
    fc.assert(
      fc.property(
        instantArb,
        stageArb,
        fc.integer({ min: 1, max: 3000 }),
        fc.boolean(),
        (now, stage, back, cut) => {
          const date = shiftDay(toIsoDate(now), -back);
          const verdict = evaluate(stage, now, { newRatePct: cut ? 8 : 12, effectiveDate: date });
          const violations = violationsOf(verdict);
          expect(violations.map((v) => [v.field, v.rule])).toEqual([['effectiveDate', 'retroactive']]);
          expect(violations[0]!.reason).toContain(date);
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it.each(['2026-02-30', 'soon', '2026-4-1', ''])(
    'refuses an effective date that is not a calendar date: %j',
    (date) => {
      for (const newRatePct of [8, 12]) {
        const violations = violationsOf(evaluate('transactional', NOW, { newRatePct, effectiveDate: date }));
        expect(violations.map((v) => v.field)).toEqual(['effectiveDate']);
      }
    },
  );
});

describe('evaluateCommissionChange: stale rate, no change, rationale', () => {
  it('a proposal made against a stale current rate is a conflict, not a policy breach', () => {
    const verdict = evaluate('enhanced', NOW, { currentRatePct: 11, newRatePct: 9 }, 10);
    expect(verdict.accepted).toBe(false);
    if (verdict.accepted) return;
    expect(verdict.conflict).toBe(true);
    expect(verdict.violations).toHaveLength(1);
    expect(verdict.violations[0]).toMatchObject({ field: 'currentRatePct', rule: 'stale-rate' });
    expect(verdict.violations[0]!.reason).toContain('10%');
  });

  it('property: stale whenever the proposal current rate differs from the rate in force', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }).map((n) => n / 100),
        fc.integer({ min: 0, max: 5000 }).map((n) => n / 100),
        (proposed, inForce) => {
          fc.pre(proposed !== inForce);
          const verdict = evaluate('partnership', NOW, { currentRatePct: proposed, newRatePct: 1 }, inForce);
          expect(verdict.accepted === false && verdict.conflict).toBe(true);
          expect(violationsOf(verdict).map((v) => v.rule)).toEqual(['stale-rate']);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a new rate equal to the current one is refused as no change', () => {
    const verdict = evaluate('collaborative', NOW, {
      currentRatePct: 10,
      newRatePct: 10,
      effectiveDate: '2026-06-01',
    });
    expect(verdict.accepted === false && verdict.conflict).toBe(false);
    expect(violationsOf(verdict).map((v) => [v.field, v.rule])).toEqual([['newRatePct', 'no-change']]);
  });

  it.each([
    '',
    '   ',
    'Due to business reasons.',
    'As per policy, rates change for strategic reasons and business needs and market conditions',
  ])('a cut with the rationale %j is refused on the rationale field with its reason', (rationale) => {
    const verdict = evaluate('transactional', NOW, { rationale, effectiveDate: '2026-06-01' });
    const violations = violationsOf(verdict);
    expect(violations.map((v) => [v.field, v.rule])).toEqual([['rationale', 'rationale']]);
    const judged = judgeRationale(rationale);
    expect(judged.ok).toBe(false);
    expect(violations[0]!.reason).toBe(judged.ok ? '' : judged.reason);
  });

  it('reports every broken rule at once (notice period and rationale)', () => {
    const verdict = evaluate('partnership', NOW, { effectiveDate: '2026-04-01', rationale: 'TBD' });
    expect(
      violationsOf(verdict)
        .map((v) => v.rule)
        .sort(),
    ).toEqual(['notice-period', 'rationale']);
  });
});

describe('applyNotBefore', () => {
  const dayArb = fc
    .integer({ min: 0, max: 365 * 60 })
    .map((n) => toIsoDate(addDays(new Date('2000-01-01T00:00:00Z'), n)));
  const noticeArb = fc.constantFrom(1, 7, ...Object.values(NOTICE_DAYS));

  it('property (cut): never before the effective date nor before delivery + notice days, and no later than needed', () => {
    fc.assert(
      fc.property(dayArb, instantArb, noticeArb, (effectiveDate, deliveredAt, days) => {
        const applyAt = applyNotBefore(effectiveDate, deliveredAt, days);
        const effective = parseIsoDate(effectiveDate)!.getTime();
        const noticeEnds = deliveredAt.getTime() + days * DAY_MS;
        expect(applyAt.getTime()).toBeGreaterThanOrEqual(effective);
        expect(applyAt.getTime()).toBeGreaterThanOrEqual(noticeEnds);
        expect(applyAt.getTime() % DAY_MS).toBe(0); // rates change at the start of a day
        // Minimal: either the effective date itself, or the first day start after the notice ends.
        if (applyAt.getTime() !== effective) expect(applyAt.getTime() - DAY_MS).toBeLessThan(noticeEnds);
      }),
      PROPERTY_RUNS,
    );
  });

  it('a cut delivered late applies from the first full day after its notice period, not its effective date', () => {
    const applyAt = applyNotBefore('2026-04-10', new Date('2026-03-15T09:00:00Z'), 30);
    expect(applyAt.toISOString()).toBe('2026-04-15T00:00:00.000Z');
  });

  it('a cut delivered in time applies on its effective date', () => {
    expect(applyNotBefore('2026-04-10', new Date('2026-03-01T09:00:00Z'), 30).toISOString()).toBe(
      '2026-04-10T00:00:00.000Z',
    );
  });

  it('property: a raise (no notice period) applies on its effective date, whenever the notice was delivered', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: -60 * DAY_MS, max: 60 * DAY_MS }), (effectiveDate, offset) => {
        const deliveredAt = new Date(parseIsoDate(effectiveDate)!.getTime() + offset);
        expect(toIsoDate(applyNotBefore(effectiveDate, deliveredAt, 0))).toBe(effectiveDate);
        expect(applyNotBefore(effectiveDate, deliveredAt, 0).getTime()).toBe(
          parseIsoDate(effectiveDate)!.getTime(),
        );
      }),
      PROPERTY_RUNS,
    );
  });

  it('throws on an effective date that is not a calendar date', () => {
    expect(() => applyNotBefore('2026-02-30', new Date(), 30)).toThrow(/calendar date/);
  });
});

describe('evaluateTiming: emergency short notice (principle 1)', () => {
  const base = {
    adverse: true,
    rationale: GOOD_RATIONALE,
    now: NOW,
    stage: 'partnership' as const,
    stagePolicy: defaultStagePolicies.partnership,
    policy: defaultLifecyclePolicy,
  };
  const justification = {
    justification: 'A court order forces us to stop paying on the edge line from next week.',
  };

  it('allows an adverse change down to the emergency minimum instead of the stage period', () => {
    const verdict = evaluateTiming({ ...base, effectiveDate: shiftDay(TODAY, 8), emergency: justification });
    expect(verdict.violations).toEqual([]);
    expect(verdict.noticePeriodDays).toBe(defaultLifecyclePolicy.emergencyMinimumNoticeDays);
    expect(verdict.earliestEffectiveDate).toBe(shiftDay(TODAY, 8));
  });

  it('refuses an emergency shorter than the emergency minimum', () => {
    const verdict = evaluateTiming({ ...base, effectiveDate: shiftDay(TODAY, 7), emergency: justification });
    expect(verdict.violations.map((v) => [v.field, v.rule])).toEqual([['effectiveDate', 'notice-period']]);
  });

  it('refuses an emergency the full period would fit anyway, a favourable emergency, and a missing justification', () => {
    const fits = evaluateTiming({ ...base, effectiveDate: shiftDay(TODAY, 120), emergency: justification });
    expect(fits.violations.map((v) => [v.field, v.rule])).toEqual([['emergency', 'emergency']]);
    const favourable = evaluateTiming({
      ...base,
      adverse: false,
      effectiveDate: TODAY,
      emergency: justification,
    });
    expect(favourable.violations.map((v) => v.field)).toEqual(['emergency']);
    const bare = evaluateTiming({
      ...base,
      effectiveDate: shiftDay(TODAY, 10),
      emergency: { justification: 'urgent' },
    });
    expect(bare.violations.map((v) => v.field)).toEqual(['emergency.justification']);
  });

  it('refuses an effective date more than five years ahead', () => {
    const verdict = evaluateTiming({ ...base, effectiveDate: '2099-01-01' });
    expect(verdict.violations.map((v) => v.rule)).toEqual(['too-far-ahead']);
  });
});
