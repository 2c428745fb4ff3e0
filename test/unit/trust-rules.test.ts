import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { defaultStagePolicies, relationshipStages } from '../../functions/domain/relationship-stage.ts';
import {
  CURRENT_TRUST_RULES_VERSION,
  eventsForAppliedChange,
  forecastTrustImpact,
  STARTING_TRUST_SCORE,
  TRUST_HALF_LIFE_DAYS,
  type TrustLedgerEvent,
  type TrustRule,
  trustEvent,
  trustRuleSets,
  trustRules,
  trustScore,
} from '../../functions/domain/trust-rules.ts';
import { instantArb, stageArb } from './arbitraries.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const RULES = Object.keys(trustRules) as TrustRule[];
const SOURCE = { type: 'test', id: 'step' };

function ledgerEvent(rule: TrustRule, points: number, at: Date, id = `e-${Math.random()}`): TrustLedgerEvent {
  return {
    partnerId: 'p1',
    eventId: id,
    rule,
    at: at.toISOString(),
    stage: 'transactional',
    multiplier: 1,
    rulesVersion: CURRENT_TRUST_RULES_VERSION,
    basePoints: points,
    weight: 1,
    points,
    explanation: trustRules[rule].explanation,
    source: SOURCE,
  };
}

describe('trustScore', () => {
  it('starts at 50 with no events', () => {
    expect(STARTING_TRUST_SCORE).toBe(50);
    expect(trustScore([], NOW)).toEqual({ score: 50, contributions: [] });
  });

  it('property: stays within [0, 100] and equals the clamped, decayed sum otherwise', () => {
    const eventArb = fc.record({
      rule: fc.constantFrom(...RULES),
      points: fc.integer({ min: -5000, max: 5000 }).map((n) => n / 100),
      ageDays: fc.integer({ min: 0, max: 3000 }),
    });
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (items) => {
        const events = items.map((e, i) =>
          ledgerEvent(e.rule, e.points, new Date(NOW.getTime() - e.ageDays * DAY_MS), `e${i}`),
        );
        const { score } = trustScore(events, NOW);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
        const raw = 50 + items.reduce((sum, e) => sum + e.points * 2 ** (-e.ageDays / 365), 0);
        expect(score).toBeCloseTo(Math.min(100, Math.max(0, raw)), 0);
      }),
      { numRuns: 200 },
    );
  });

  it('clamps at the bounds', () => {
    expect(trustScore([ledgerEvent('commission-cut', -80, NOW)], NOW).score).toBe(0);
    expect(trustScore([ledgerEvent('commission-raise', 80, NOW)], NOW).score).toBe(100);
  });

  it('decay halves a contribution after TRUST_HALF_LIFE_DAYS, and quarters it after two', () => {
    const at = NOW;
    const event = ledgerEvent('commission-cut', -6, at);
    expect(trustScore([event], at).score).toBe(44);
    const oneHalfLife = new Date(at.getTime() + TRUST_HALF_LIFE_DAYS * DAY_MS);
    expect(trustScore([event], oneHalfLife).contributions[0]!.weightNow).toBeCloseTo(0.5, 12);
    expect(trustScore([event], oneHalfLife).score).toBe(47);
    const twoHalfLives = new Date(at.getTime() + 2 * TRUST_HALF_LIFE_DAYS * DAY_MS);
    expect(trustScore([event], twoHalfLives).score).toBe(48.5);
  });

  it('property: an event weighs less the older it is, and never more than in full', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (age, more) => {
        const event = ledgerEvent('commission-raise', 10, NOW);
        const w1 = trustScore([event], new Date(NOW.getTime() + age * DAY_MS)).contributions[0]!.weightNow;
        const w2 = trustScore([event], new Date(NOW.getTime() + (age + more) * DAY_MS)).contributions[0]!
          .weightNow;
        expect(w1).toBeLessThanOrEqual(1);
        expect(w2).toBeLessThan(w1);
        expect(w2).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });

  it('an event dated in the future counts in full, not more', () => {
    const future = ledgerEvent('commission-raise', 4, new Date(NOW.getTime() + 100 * DAY_MS));
    expect(trustScore([future], NOW).contributions[0]!.weightNow).toBe(1);
    expect(trustScore([future], NOW).score).toBe(54);
  });

  it('every contribution names its event and rule and explains the rule', () => {
    const events = RULES.map((rule, i) =>
      trustEvent(rule, {
        partnerId: 'p1',
        stage: 'enhanced',
        source: SOURCE,
        at: NOW,
        cause: `cause${i}`,
      }),
    );
    const { contributions } = trustScore(events, NOW);
    expect(contributions).toHaveLength(RULES.length);
    contributions.forEach((contribution, i) => {
      expect(contribution.eventId).toBe(events[i]!.eventId);
      expect(contribution.rule).toBe(RULES[i]);
      expect(contribution.explanation).toBe(trustRules[RULES[i]!].explanation);
      expect(contribution.explanation.length).toBeGreaterThan(10);
      expect(contribution.points).toBe(events[i]!.points);
    });
  });
});

describe('trustEvent', () => {
  it.each(relationshipStages)('%s: a cut costs points and a raise earns them', (stage) => {
    const input = { partnerId: 'p1', stage, source: SOURCE, at: NOW, cause: 'change#c1' };
    expect(trustEvent('commission-cut', input).points).toBeLessThan(0);
    expect(trustEvent('commission-raise', input).points).toBeGreaterThan(0);
    expect(trustEvent('reminder-needed', input).points).toBeLessThan(0);
    expect(trustEvent('escalation-needed', input).points).toBeLessThan(0);
    expect(trustEvent('notice-full-period', input).points).toBeGreaterThan(0);
    expect(trustEvent('prompt-acknowledgement', input).points).toBeGreaterThan(0);
    expect(trustEvent('emergency-short-notice', input).points).toBeLessThan(
      trustEvent('commission-cut', input).points,
    );
    // Conflict is not bad in itself (PRODUCT.md): raising a concern costs nothing, answering it earns trust.
    expect(trustEvent('dispute-raised', input).points).toBe(0);
    expect(trustEvent('dispute-answered', input).points).toBeGreaterThan(0);
    expect(trustEvent('dispute-resolved-by-revision', input).points).toBeGreaterThan(0);
    expect(trustEvent('withdrawn-after-partner-input', input).points).toBeGreaterThan(0);
  });

  it.each(RULES.filter((rule) => trustRules[rule].basePoints !== 0))(
    '%s weighs strictly more at each higher stage',
    (rule) => {
      const magnitudes = relationshipStages.map((stage) =>
        Math.abs(trustEvent(rule, { partnerId: 'p1', stage, source: SOURCE, at: NOW, cause: 'x' }).points),
      );
      for (let i = 1; i < magnitudes.length; i++) expect(magnitudes[i]).toBeGreaterThan(magnitudes[i - 1]!);
      const [transactional, , , partnership] = relationshipStages.map(
        (stage) => trustEvent(rule, { partnerId: 'p1', stage, source: SOURCE, at: NOW, cause: 'x' }).points,
      );
      expect(Math.sign(partnership!)).toBe(Math.sign(transactional!));
    },
  );

  it('the event id is deterministic per cause and rule, so a retried step cannot count twice', () => {
    const input = {
      partnerId: 'p1',
      stage: 'transactional' as const,
      source: SOURCE,
      at: NOW,
      cause: 'change#c1',
    };
    expect(trustEvent('commission-cut', input).eventId).toBe(
      trustEvent('commission-cut', { ...input, at: new Date() }).eventId,
    );
    expect(trustEvent('commission-cut', input).eventId).not.toBe(
      trustEvent('notice-full-period', input).eventId,
    );
    expect(trustEvent('commission-cut', input).eventId).not.toBe(
      trustEvent('commission-cut', { ...input, cause: 'change#c2' }).eventId,
    );
  });
});

/** The commission kind's part of an applied change: a cut is adverse and earns commission-cut. */
function commission(direction: 'cut' | 'raise') {
  return {
    adverse: direction === 'cut',
    kindRules: [direction === 'cut' ? ('commission-cut' as const) : ('commission-raise' as const)],
  };
}

describe('eventsForAppliedChange and forecastTrustImpact', () => {
  const leadArb = fc.integer({ min: 0, max: 250 * DAY_MS });

  it('property: the forecast is exactly the sum of the events the applied change would record', () => {
    fc.assert(
      fc.property(
        stageArb,
        fc.constantFrom('cut' as const, 'raise' as const),
        instantArb,
        leadArb,
        (stage, direction, now, lead) => {
          const policy = defaultStagePolicies[stage];
          const noticePeriodDays = direction === 'cut' ? policy.adverseNoticeDays : 0;
          const effectiveDate = new Date(now.getTime() + lead);
          const forecast = forecastTrustImpact({
            partnerId: 'p1',
            ...commission(direction),
            emergency: false,
            stage,
            now,
            effectiveDate,
            noticePeriodDays,
          });
          const applied = eventsForAppliedChange({
            partnerId: 'p1',
            changeId: 'chg_1',
            ...commission(direction),
            stage,
            ledger: [],
            deliveredAt: now,
            appliedAt: effectiveDate,
            noticePeriodDays,
          });
          const sum = applied.reduce((total, event) => total + event.points, 0);
          expect(forecast.points).toBeCloseTo(sum, 9);
          expect(forecast.events.map((e) => [e.rule, e.points])).toEqual(
            applied.map((e) => [e.rule, e.points]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: notice and lead-time points for a cut depend only on time beyond the notice period', () => {
    fc.assert(
      fc.property(stageArb, instantArb, leadArb, (stage, deliveredAt, lead) => {
        const policy = defaultStagePolicies[stage];
        const notice = policy.adverseNoticeDays;
        const events = eventsForAppliedChange({
          partnerId: 'p1',
          changeId: 'c',
          ...commission('cut'),
          stage,
          ledger: [],
          deliveredAt,
          appliedAt: new Date(deliveredAt.getTime() + lead),
          noticePeriodDays: notice,
        });
        const rules = events.map((e) => e.rule);
        const leadDays = lead / DAY_MS;
        expect(rules[0]).toBe('commission-cut');
        expect(rules.includes('notice-full-period')).toBe(leadDays >= notice);
        const extra = events.find((e) => e.rule === 'extra-lead-time');
        const extraMonths = Math.min(3, Math.floor((leadDays - notice) / 30));
        if (leadDays < notice + 30) {
          expect(extra).toBeUndefined();
        } else {
          expect(extra).toBeDefined();
          expect(extra!.points).toBeCloseTo(
            trustRules['extra-lead-time'].basePoints * extraMonths * trustRuleSets.v1!.stageWeights[stage],
            9,
          );
        }
        expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
      }),
      { numRuns: 300 },
    );
  });

  it('extra lead time: 29 days beyond notice earns nothing extra, 30 days earns one step, capped at three', () => {
    const extraFor = (days: number) =>
      eventsForAppliedChange({
        partnerId: 'p1',
        changeId: 'c',
        ...commission('cut'),
        stage: 'transactional',
        ledger: [],
        deliveredAt: NOW,
        appliedAt: new Date(NOW.getTime() + days * DAY_MS),
        noticePeriodDays: 30,
      }).find((e) => e.rule === 'extra-lead-time')?.points ?? 0;
    expect(extraFor(30)).toBe(0);
    expect(extraFor(59)).toBe(0);
    expect(extraFor(60)).toBe(1);
    expect(extraFor(120)).toBe(3);
    expect(extraFor(400)).toBe(3);
  });

  it('a raise earns the raise points and no notice points; a cut with full notice nets less than a raise', () => {
    const base = {
      partnerId: 'p1',
      changeId: 'c',
      stage: 'partnership' as const,
      ledger: [],
      deliveredAt: NOW,
      appliedAt: new Date(NOW.getTime() + 90 * DAY_MS),
    };
    const raise = eventsForAppliedChange({ ...base, ...commission('raise'), noticePeriodDays: 0 });
    expect(raise.map((e) => e.rule)).toEqual(['commission-raise']);
    expect(raise[0]!.points).toBeGreaterThan(0);
    const cut = eventsForAppliedChange({ ...base, ...commission('cut'), noticePeriodDays: 90 });
    expect(cut.map((e) => e.rule)).toEqual(['commission-cut', 'notice-full-period']);
    expect(cut.reduce((s, e) => s + e.points, 0)).toBeLessThan(raise[0]!.points);
  });
});

describe('forecastTrustImpact for an emergency', () => {
  it('adds the emergency debit to what the change itself earns, at every stage', () => {
    for (const stage of relationshipStages) {
      const base = {
        partnerId: 'p1',
        ...commission('cut'),
        stage,
        now: NOW,
        effectiveDate: new Date(NOW.getTime() + 10 * DAY_MS),
        noticePeriodDays: defaultStagePolicies[stage].adverseNoticeDays,
      };
      const normal = forecastTrustImpact({ ...base, emergency: false });
      const emergency = forecastTrustImpact({ ...base, emergency: true });
      const debit = emergency.events.find((event) => event.rule === 'emergency-short-notice');
      expect(debit?.points).toBeLessThan(0);
      expect(emergency.points).toBeCloseTo(normal.points + debit!.points, 9);
    }
  });
});
