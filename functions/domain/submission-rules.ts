import { addDays, firstFullDayFrom, parseIsoDate, startOfUtcDay, toIsoDate } from './calendar.ts';
import { type ChangeDirection, directionOf } from './commission-change.ts';
import { judgeRationale } from './rationale.ts';
import type { RelationshipStage, StagePolicy } from './relationship-stage.ts';

/** A broken rule, named by the field it concerns, in words finance can act on. */
export interface RuleViolation {
  field: string;
  rule: 'notice-period' | 'retroactive' | 'rationale' | 'no-change' | 'stale-rate' | 'invalid-date';
  reason: string;
}

export interface CommissionChangeProposal {
  currentRatePct: number;
  newRatePct: number;
  effectiveDate: string;
  rationale: string;
}

export interface SubmissionContext {
  now: Date;
  stage: RelationshipStage;
  stagePolicy: StagePolicy;
  /** The rate in force today for the change's scope, as the schedule says. */
  rateInForcePct: number;
}

export type SubmissionVerdict =
  | { accepted: true; direction: ChangeDirection; noticePeriodDays: number; earliestEffectiveDate: string }
  | {
      accepted: false;
      /** A stale view of the current rate is a conflict (reload and retry), not a policy breach. */
      conflict: boolean;
      violations: RuleViolation[];
      earliestEffectiveDate: string;
    };

/** The first day a change in this direction may take effect if its notice were delivered now. */
export function earliestEffectiveDate(direction: ChangeDirection, now: Date, policy: StagePolicy): string {
  if (direction === 'raise') return toIsoDate(startOfUtcDay(now));
  return toIsoDate(firstFullDayFrom(addDays(now, policy.adverseNoticeDays)));
}

export function evaluateCommissionChange(
  proposal: CommissionChangeProposal,
  context: SubmissionContext,
): SubmissionVerdict {
  const direction = directionOf(proposal.currentRatePct, proposal.newRatePct);
  const earliest = earliestEffectiveDate(direction, context.now, context.stagePolicy);
  const violations: RuleViolation[] = [];

  if (proposal.currentRatePct !== context.rateInForcePct) {
    violations.push({
      field: 'currentRatePct',
      rule: 'stale-rate',
      reason: `The rate in force is ${context.rateInForcePct}%, not ${proposal.currentRatePct}%: reload the partner and submit against the current rate.`,
    });
    return { accepted: false, conflict: true, violations, earliestEffectiveDate: earliest };
  }
  if (proposal.newRatePct === proposal.currentRatePct) {
    violations.push({
      field: 'newRatePct',
      rule: 'no-change',
      reason: `The new rate equals the rate in force (${proposal.currentRatePct}%): there is nothing to announce.`,
    });
  }

  const effective = parseIsoDate(proposal.effectiveDate);
  const today = toIsoDate(startOfUtcDay(context.now));
  if (!effective) {
    violations.push({
      field: 'effectiveDate',
      rule: 'invalid-date',
      reason: `The effective date ${JSON.stringify(proposal.effectiveDate)} is not a calendar date (YYYY-MM-DD).`,
    });
  } else if (proposal.effectiveDate < today) {
    violations.push({
      field: 'effectiveDate',
      rule: 'retroactive',
      reason: `The effective date ${proposal.effectiveDate} is in the past: a change never applies retroactively to sales already booked.`,
    });
  } else if (direction === 'cut' && proposal.effectiveDate < earliest) {
    violations.push({
      field: 'effectiveDate',
      rule: 'notice-period',
      reason: `A rate cut for a ${context.stage} partner needs ${context.stagePolicy.adverseNoticeDays} days' notice: the earliest effective date is ${earliest}.`,
    });
  }

  const rationale = judgeRationale(proposal.rationale);
  if (!rationale.ok) violations.push({ field: 'rationale', rule: 'rationale', reason: rationale.reason });

  if (violations.length > 0)
    return { accepted: false, conflict: false, violations, earliestEffectiveDate: earliest };
  return {
    accepted: true,
    direction,
    noticePeriodDays: direction === 'cut' ? context.stagePolicy.adverseNoticeDays : 0,
    earliestEffectiveDate: earliest,
  };
}

/**
 * When an accepted change may be applied: not before its effective date, and (for a cut) not before its
 * notice period has run from the moment the notice was actually delivered — delivery can come later than
 * submission (a retry, a restart), and the partner's full notice is what was promised.
 */
export function applyNotBefore(effectiveDate: string, deliveredAt: Date, noticePeriodDays: number): Date {
  const effective = parseIsoDate(effectiveDate);
  if (!effective) throw new Error(`Not a calendar date: ${effectiveDate}`);
  // A raise has no notice period: it applies from its effective date even if the notice arrived later that day.
  if (noticePeriodDays <= 0) return effective;
  const noticeEnds = addDays(deliveredAt, noticePeriodDays);
  return noticeEnds > effective ? firstFullDayFrom(noticeEnds) : effective;
}
