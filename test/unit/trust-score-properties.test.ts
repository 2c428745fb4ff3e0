import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { relationshipStages } from '../../functions/domain/relationship-stage.ts';
import { trustOutlook } from '../../functions/domain/trust-outlook.ts';
import {
  eventsForAppliedChange,
  forecastTrustImpact,
  priceTrustRule,
  scoreFromSummary,
  summarize,
  type TrustLedgerEvent,
  type TrustRule,
  trustEvent,
  trustHistory,
  trustRuleNames,
  trustRuleSets,
  trustScoreAt,
} from '../../functions/domain/trust-rules.ts';

/**
 * The properties of the score, on random ledgers: a positive event never lowers it, the materialized
 * summary gives the score the ledger gives, a ledger re-priced under another version is priced by that
 * version's table, and the dry run's forecast is the score reached when the change goes through unchanged.
 */
const START = Date.parse('2026-01-01T00:00:00.000Z');
const ruleArb = fc.constantFrom(...trustRuleNames);
const stageArb = fc.constantFrom(...relationshipStages);
const versionArb = fc.constantFrom(...Object.keys(trustRuleSets));

/** A ledger of random entries with distinct ids, as the ledger's key guarantees. */
const ledgerArb = fc
  .array(
    fc.record({
      rule: ruleArb,
      stage: stageArb,
      dayOffset: fc.integer({ min: 0, max: 1500 }),
      multiplier: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 40 },
  )
  .map((entries) =>
    entries.map(({ rule, stage, dayOffset, multiplier }, i) =>
      trustEvent(rule, {
        partnerId: 'p1',
        stage,
        at: new Date(START + dayOffset * DAY_MS),
        cause: `step-${i}`,
        source: { type: 'change-applied', id: `chg-${i}` },
        multiplier,
      }),
    ),
  );

const lastInstant = (ledger: readonly TrustLedgerEvent[]) =>
  new Date(Math.max(START, ...ledger.map((event) => Date.parse(event.at))) + DAY_MS);

describe('trust score properties', () => {
  it('a positive event never lowers the score, a negative one never raises it', () => {
    fc.assert(
      fc.property(
        ledgerArb,
        ruleArb,
        stageArb,
        fc.integer({ min: 0, max: 1500 }),
        (ledger, rule, stage, day) => {
          const at = new Date(START + 1600 * DAY_MS);
          const extra = trustEvent(rule, {
            partnerId: 'p1',
            stage,
            at: new Date(START + day * DAY_MS),
            cause: 'extra',
            source: { type: 'test', id: 'extra' },
          });
          const before = trustScoreAt(ledger, at).exact;
          const after = trustScoreAt([...ledger, extra], at).exact;
          if (extra.points > 0) expect(after).toBeGreaterThanOrEqual(before);
          if (extra.points < 0) expect(after).toBeLessThanOrEqual(before);
          if (extra.points === 0) expect(after).toBe(before);
        },
      ),
    );
  });

  it('the materialized summary, summed batch by batch, gives the score the ledger gives', () => {
    fc.assert(
      fc.property(
        ledgerArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2000 }),
        (ledger, batches, later) => {
          // The store ADDs one summary per step: sum the batches' summaries as DynamoDB would.
          const size = Math.ceil(ledger.length / batches) || 1;
          let weighted = 0;
          for (let i = 0; i < ledger.length; i += size)
            weighted += summarize(ledger.slice(i, i + size)).weightedPoints;
          const whole = summarize(ledger);
          const at = new Date(lastInstant(ledger).getTime() + later * DAY_MS);
          const fromLedger = trustScoreAt(ledger, at).exact;
          const fromSummary = scoreFromSummary(
            { rulesVersion: whole.rulesVersion, weightedPoints: weighted },
            at,
          )!;
          // Floating point only: the summary refers points to one epoch (× 2^(t/halfLife)) and brings the sum
          // back; a ledger of 40 events over four years stays within 1e-6 points (the score shows 0.1).
          expect(Math.abs(fromSummary.exact - fromLedger)).toBeLessThan(1e-6);
          expect(whole.eventCount).toBe(ledger.length);
          expect(whole.openDisputes).toBe(whole.disputesRaised - whole.disputesResolved);
        },
      ),
    );
  });

  it('a ledger re-priced under any version is priced by that version’s table, from each entry’s facts', () => {
    fc.assert(
      fc.property(ledgerArb, versionArb, (ledger, version) => {
        const ruleSet = trustRuleSets[version]!;
        const at = lastInstant(ledger);
        const explained = trustScoreAt(ledger, at, ruleSet);
        expect(explained.rulesVersion).toBe(version);
        for (const [i, item] of explained.contributions.entries()) {
          const event = ledger.find((entry) => entry.eventId === item.eventId)!;
          expect(item.points).toBe(priceTrustRule(ruleSet, event.rule, event.stage, event.multiplier).points);
          expect(item.decay).toBeLessThanOrEqual(1);
          if (i > 0)
            expect(Date.parse(item.at)).toBeGreaterThanOrEqual(
              Date.parse(explained.contributions[i - 1]!.at),
            );
        }
      }),
    );
  });

  it('the forecast equals the score reached when the change applies unchanged on its effective date', () => {
    const kindRulesArb = fc.constantFrom<TrustRule[][]>(
      ['commission-cut'],
      ['commission-raise'],
      ['stage-moved-down'],
    );
    fc.assert(
      fc.property(
        ledgerArb,
        kindRulesArb,
        fc.boolean(),
        stageArb,
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 30, max: 90 }),
        (ledger, kindRules, adverse, stage, leadDays, noticePeriodDays) => {
          const now = lastInstant(ledger);
          const effectiveDate = new Date(now.getTime() + leadDays * DAY_MS);
          const forecast = forecastTrustImpact({
            partnerId: 'p1',
            adverse,
            kindRules,
            emergency: false,
            stage,
            now,
            effectiveDate,
            noticePeriodDays,
            ledger,
          });
          const outlook = trustOutlook({
            ledger,
            forecast: forecast.events,
            appliesAt: effectiveDate,
            partnerId: 'p1',
            partnerName: 'P1',
            adverse,
            emergency: false,
            openChanges: [],
            now,
            threshold: 40,
          });
          // What apply writes when the change goes through unchanged, delivered now, applied on the date.
          const applied = eventsForAppliedChange({
            partnerId: 'p1',
            changeId: 'chg-real',
            adverse,
            kindRules,
            stage,
            deliveredAt: now,
            appliedAt: effectiveDate,
            noticePeriodDays,
            ledger,
          });
          expect(outlook.scoreAfter).toBe(trustScoreAt([...ledger, ...applied], effectiveDate).score);
          expect(outlook.requiresAcknowledgement).toBe(outlook.scoreAfter < 40);
        },
      ),
    );
  });

  it('the score over time is, point by point, the score recomputed from the ledger at that instant', () => {
    fc.assert(
      fc.property(ledgerArb, versionArb, (ledger, version) => {
        const ruleSet = trustRuleSets[version]!;
        const to = lastInstant(ledger);
        const history = trustHistory(ledger, new Date(START), to, ruleSet);
        expect(history.at(-1)?.score).toBe(trustScoreAt(ledger, to, ruleSet).score);
        for (const point of history) {
          // Within one display step: the two sums differ by float error only, which can flip a rounding.
          expect(
            Math.abs(point.score - trustScoreAt(ledger, new Date(point.at), ruleSet).score),
          ).toBeLessThanOrEqual(0.1 + 1e-9);
        }
        expect(history.map((point) => point.at)).toEqual([...history.map((point) => point.at)].sort());
      }),
    );
  });
});
