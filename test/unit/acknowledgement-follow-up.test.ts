import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideFollowUp,
  type FollowUpDecision,
  type FollowUpState,
  nextCheckAt,
  POST_ESCALATION_CHECK_DAYS,
  secondsUntil,
} from '../../functions/domain/acknowledgement-follow-up.ts';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { defaultStagePolicies, type RelationshipStage } from '../../functions/domain/relationship-stage.ts';
import { instantArb, stageArb } from './arbitraries.ts';

/** PRODUCT.md, "Relationship stages": reminders and escalation, in days after delivery. */
const CADENCE: Record<RelationshipStage, { reminders: number[]; escalate: number }> = {
  transactional: { reminders: [3, 7], escalate: 10 },
  enhanced: { reminders: [3, 7], escalate: 10 },
  collaborative: { reminders: [2, 5], escalate: 7 },
  partnership: { reminders: [2, 5], escalate: 7 },
};

function apply(state: FollowUpState, decision: FollowUpDecision): FollowUpState {
  if (decision.action === 'remind') return { ...state, remindersSent: decision.reminderNumber! };
  if (decision.action === 'escalate') return { ...state, escalated: true };
  return state;
}

function fresh(deliveredAt: Date): FollowUpState {
  return { deliveredAt, remindersSent: 0, escalated: false };
}

const at = (deliveredAt: Date, days: number) => new Date(deliveredAt.getTime() + days * DAY_MS);

describe('follow-up cadence matches PRODUCT.md', () => {
  it.each(Object.entries(CADENCE))('%s', (stage, cadence) => {
    const policy = defaultStagePolicies[stage as RelationshipStage];
    expect([...policy.reminderDays]).toEqual(cadence.reminders);
    expect(policy.escalationDay).toBe(cadence.escalate);
  });
});

describe('decideFollowUp', () => {
  it('property: walking forward day by day gives exactly the reminders, then one escalation, then nothing', () => {
    fc.assert(
      fc.property(
        stageArb,
        instantArb,
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        (stage, deliveredAt, phase) => {
          const policy = defaultStagePolicies[stage];
          const cadence = CADENCE[stage];
          let state = fresh(deliveredAt);
          const actions: string[] = [];
          for (let day = 0; day <= 40; day++) {
            const now = new Date(deliveredAt.getTime() + phase + day * DAY_MS);
            const decision = decideFollowUp(policy, state, now);
            if (decision.action !== 'none') {
              actions.push(`${day}:${decision.action}${decision.reminderNumber ?? ''}`);
            }
            state = apply(state, decision);
          }
          expect(actions).toEqual([
            ...cadence.reminders.map((d, i) => `${d}:remind${i + 1}`),
            `${cadence.escalate}:escalate`,
          ]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: following nextCheckAt (as the workflow does) lands exactly on each checkpoint', () => {
    fc.assert(
      fc.property(stageArb, instantArb, (stage, deliveredAt) => {
        const policy = defaultStagePolicies[stage];
        const cadence = CADENCE[stage];
        let state = fresh(deliveredAt);
        let now = deliveredAt;
        const seen: string[] = [];
        for (let step = 0; step < 7; step++) {
          const decision = decideFollowUp(policy, state, now);
          seen.push(`${(now.getTime() - deliveredAt.getTime()) / DAY_MS}:${decision.action}`);
          state = apply(state, decision);
          now = decision.nextCheckAt;
        }
        const e = cadence.escalate;
        const w = POST_ESCALATION_CHECK_DAYS;
        expect(seen).toEqual([
          '0:none',
          `${cadence.reminders[0]}:remind`,
          `${cadence.reminders[1]}:remind`,
          `${e}:escalate`,
          `${e + w}:none`,
          `${e + 2 * w}:none`,
          `${e + 3 * w}:none`,
        ]);
      }),
      { numRuns: 100 },
    );
  });

  it('property: nextCheckAt is strictly in the future and never skips a checkpoint', () => {
    fc.assert(
      fc.property(
        stageArb,
        instantArb,
        fc.integer({ min: -DAY_MS, max: 120 * DAY_MS }),
        fc.nat({ max: 2 }),
        fc.boolean(),
        (stage, deliveredAt, elapsed, remindersSent, escalated) => {
          const policy = defaultStagePolicies[stage];
          const now = new Date(deliveredAt.getTime() + elapsed);
          const state = { deliveredAt, remindersSent, escalated };
          const next = nextCheckAt(policy, state, now);
          expect(decideFollowUp(policy, state, now).nextCheckAt).toEqual(next);
          expect(next.getTime()).toBeGreaterThan(now.getTime());
          const checkpoints = [...CADENCE[stage].reminders, CADENCE[stage].escalate].map((d) =>
            at(deliveredAt, d),
          );
          const upcoming = checkpoints.find((c) => c > now);
          if (upcoming) expect(next.getTime()).toBe(upcoming.getTime());
          else
            expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(POST_ESCALATION_CHECK_DAYS * DAY_MS);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: after an outage only the latest due step happens, once', () => {
    fc.assert(
      fc.property(
        stageArb,
        instantArb,
        fc.integer({ min: 0, max: 60 * DAY_MS }),
        (stage, deliveredAt, elapsed) => {
          const policy = defaultStagePolicies[stage];
          const cadence = CADENCE[stage];
          const now = new Date(deliveredAt.getTime() + elapsed);
          const days = elapsed / DAY_MS;
          const decision = decideFollowUp(policy, fresh(deliveredAt), now);
          const due = cadence.reminders.filter((d) => d <= days).length;
          if (days >= cadence.escalate) expect(decision.action).toBe('escalate');
          else if (due > 0) expect(decision).toMatchObject({ action: 'remind', reminderNumber: due });
          else expect(decision.action).toBe('none');
          // Checking again at the same moment (a retry, a second poll) sends nothing more.
          expect(decideFollowUp(policy, apply(fresh(deliveredAt), decision), now).action).toBe('none');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('after a month-long outage the partner is escalated, not sent two stale reminders', () => {
    const deliveredAt = new Date('2026-03-01T09:00:00Z');
    const decision = decideFollowUp(
      defaultStagePolicies.transactional,
      fresh(deliveredAt),
      at(deliveredAt, 30),
    );
    expect(decision.action).toBe('escalate');
  });

  it('property: an escalated notice gets no further reminders or escalations, ever', () => {
    fc.assert(
      fc.property(
        stageArb,
        instantArb,
        fc.integer({ min: 0, max: 400 * DAY_MS }),
        fc.nat({ max: 2 }),
        (stage, deliveredAt, elapsed, sent) => {
          const decision = decideFollowUp(
            defaultStagePolicies[stage],
            { deliveredAt, remindersSent: sent, escalated: true },
            new Date(deliveredAt.getTime() + elapsed),
          );
          expect(decision.action).toBe('none');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: any sequence of checks sends each reminder at most once, in order, and escalates at most once', () => {
    fc.assert(
      fc.property(
        stageArb,
        instantArb,
        fc.array(fc.integer({ min: 0, max: 30 * DAY_MS }), { minLength: 1, maxLength: 25 }),
        (stage, deliveredAt, offsets) => {
          const policy = defaultStagePolicies[stage];
          let state = fresh(deliveredAt);
          const reminders: number[] = [];
          let escalations = 0;
          for (const offset of [...offsets].sort((a, b) => a - b)) {
            const decision = decideFollowUp(policy, state, new Date(deliveredAt.getTime() + offset));
            if (decision.action === 'remind') {
              expect(escalations).toBe(0);
              reminders.push(decision.reminderNumber!);
            }
            if (decision.action === 'escalate') escalations += 1;
            state = apply(state, decision);
          }
          expect(new Set(reminders).size).toBe(reminders.length);
          expect([...reminders].sort()).toEqual(reminders);
          expect(reminders.every((n) => n >= 1 && n <= CADENCE[stage].reminders.length)).toBe(true);
          const last = Math.max(...offsets) / DAY_MS;
          expect(escalations).toBe(last >= CADENCE[stage].escalate ? 1 : 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('secondsUntil', () => {
  it('property: at least 1, a whole number, and never early', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: -10 * DAY_MS, max: 100 * DAY_MS }), (now, delta) => {
        const seconds = secondsUntil(new Date(now.getTime() + delta), now);
        expect(Number.isInteger(seconds)).toBe(true);
        expect(seconds).toBeGreaterThanOrEqual(1);
        expect(seconds * 1000).toBeGreaterThanOrEqual(delta);
        if (delta > 0) expect(seconds * 1000 - delta).toBeLessThan(1000);
        else expect(seconds).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('rounds up a partial second and floors past instants at 1', () => {
    const now = new Date('2026-03-01T00:00:00.000Z');
    expect(secondsUntil(new Date(now.getTime() + 1), now)).toBe(1);
    expect(secondsUntil(new Date(now.getTime() + 1001), now)).toBe(2);
    expect(secondsUntil(new Date(now.getTime() + 3 * DAY_MS), now)).toBe(259_200);
    expect(secondsUntil(new Date(now.getTime() - 5000), now)).toBe(1);
    expect(secondsUntil(now, now)).toBe(1);
  });
});
