import { addDays, firstFullDayFrom, parseIsoDate, startOfUtcDay, toIsoDate } from './calendar.ts';
import type { LifecyclePolicy } from './lifecycle-policy.ts';
import { judgeRationale } from './rationale.ts';
import type { RelationshipStage, StagePolicy } from './relationship-stage.ts';

/** A broken rule, named by the field it concerns, in words the submitter can act on. */
export interface RuleViolation {
  field: string;
  rule:
    | 'notice-period'
    | 'retroactive'
    | 'too-far-ahead'
    | 'rationale'
    | 'no-change'
    | 'stale-rate'
    | 'stale-stage'
    | 'unknown-staff'
    | 'not-a-partner-manager'
    | 'invalid-date'
    | 'emergency';
  reason: string;
}

/** Effective dates further out than this are refused: nobody can promise terms that far ahead. */
export const MAX_EFFECTIVE_YEARS = 5;
/** An emergency's justification is shown to the partner: it must say something. */
export const MIN_EMERGENCY_JUSTIFICATION_CHARACTERS = 40;

/** The first day a change may take effect if its notice were delivered at `now`. */
export function earliestEffectiveDate(adverse: boolean, now: Date, noticeDays: number): string {
  if (!adverse) return toIsoDate(startOfUtcDay(now));
  return toIsoDate(firstFullDayFrom(addDays(now, noticeDays)));
}

export interface TimingInput {
  adverse: boolean;
  effectiveDate: string;
  rationale: string;
  emergency?: { justification: string } | undefined;
  now: Date;
  stage: RelationshipStage;
  stagePolicy: StagePolicy;
  policy: Pick<LifecyclePolicy, 'emergencyMinimumNoticeDays'>;
}

export interface TimingVerdict {
  violations: RuleViolation[];
  /** Notice promised from delivery: the stage's for an adverse change, the emergency floor, or 0. */
  noticePeriodDays: number;
  earliestEffectiveDate: string;
}

/**
 * The window every change kind's effective date must fall in: a calendar date, not in the past (a change never
 * applies retroactively), not more than MAX_EFFECTIVE_YEARS ahead. The notice period is checked after it.
 */
export function effectiveDateWindowViolation(
  effectiveDate: string,
  now: Date,
): (RuleViolation & { rule: 'invalid-date' | 'retroactive' | 'too-far-ahead' }) | undefined {
  const today = toIsoDate(startOfUtcDay(now));
  const latest = toIsoDate(addDays(startOfUtcDay(now), 365 * MAX_EFFECTIVE_YEARS));
  if (!parseIsoDate(effectiveDate))
    return {
      field: 'effectiveDate',
      rule: 'invalid-date',
      reason: `The effective date ${JSON.stringify(effectiveDate)} is not a calendar date (YYYY-MM-DD).`,
    };
  if (effectiveDate < today)
    return {
      field: 'effectiveDate',
      rule: 'retroactive',
      reason: `The effective date ${effectiveDate} is in the past: a change never applies retroactively to sales already booked.`,
    };
  if (effectiveDate > latest)
    return {
      field: 'effectiveDate',
      rule: 'too-far-ahead',
      reason: `The effective date ${effectiveDate} is more than ${MAX_EFFECTIVE_YEARS} years ahead (latest ${latest}).`,
    };
  return undefined;
}

/**
 * The lifecycle's own rules for any kind of change (principles 1–3): a real date, not in the past, not absurdly
 * far ahead; an adverse change only after the stage's notice period — or, as an emergency with a written
 * justification, after the emergency floor; and a rationale that explains.
 */
export function evaluateTiming(input: TimingInput): TimingVerdict {
  const { adverse, now, stage, stagePolicy } = input;
  const violations: RuleViolation[] = [];
  const emergency = input.emergency;
  const standardEarliest = earliestEffectiveDate(adverse, now, stagePolicy.adverseNoticeDays);
  const emergencyEarliest = earliestEffectiveDate(adverse, now, input.policy.emergencyMinimumNoticeDays);
  const earliest = emergency && adverse ? emergencyEarliest : standardEarliest;
  const noticePeriodDays = !adverse
    ? 0
    : emergency
      ? input.policy.emergencyMinimumNoticeDays
      : stagePolicy.adverseNoticeDays;

  const window = effectiveDateWindowViolation(input.effectiveDate, now);
  if (window) {
    violations.push(window);
  } else if (adverse && input.effectiveDate < earliest) {
    violations.push({
      field: 'effectiveDate',
      rule: 'notice-period',
      reason: emergency
        ? `Even an emergency needs ${input.policy.emergencyMinimumNoticeDays} days' notice: the earliest effective date is ${earliest}.`
        : `A change worse for ${/^[aeiou]/.test(stage) ? 'an' : 'a'} ${stage} partner needs ${stagePolicy.adverseNoticeDays} days' notice: the earliest effective date is ${earliest}.`,
    });
  } else if (emergency && adverse && input.effectiveDate >= standardEarliest) {
    violations.push({
      field: 'emergency',
      rule: 'emergency',
      reason: `The full ${stagePolicy.adverseNoticeDays}-day notice period fits before ${input.effectiveDate}: submit it as a normal change, without emergency.`,
    });
  }
  if (emergency && !adverse) {
    violations.push({
      field: 'emergency',
      rule: 'emergency',
      reason: 'Only a change worse for the partner can be an emergency: this one needs no notice period.',
    });
  }
  if (emergency && emergency.justification.trim().length < MIN_EMERGENCY_JUSTIFICATION_CHARACTERS) {
    violations.push({
      field: 'emergency.justification',
      rule: 'emergency',
      reason: `An emergency needs a written justification the partner can read (at least ${MIN_EMERGENCY_JUSTIFICATION_CHARACTERS} characters): say what forces the short notice.`,
    });
  }

  const rationale = judgeRationale(input.rationale);
  if (!rationale.ok) violations.push({ field: 'rationale', rule: 'rationale', reason: rationale.reason });
  return { violations, noticePeriodDays, earliestEffectiveDate: earliest };
}

/**
 * When an accepted change may be applied: not before its effective date, and (when adverse) not before its
 * notice period has run from the moment the notice was actually delivered — delivery can come later than
 * submission (an approval, a consultation, a retry), and the partner's full notice is what was promised.
 */
export function applyNotBefore(effectiveDate: string, deliveredAt: Date, noticePeriodDays: number): Date {
  const effective = parseIsoDate(effectiveDate);
  if (!effective) throw new Error(`Not a calendar date: ${effectiveDate}`);
  // A favourable change has no notice period: it applies from its effective date even if the notice came later.
  if (noticePeriodDays <= 0) return effective;
  const noticeEnds = addDays(deliveredAt, noticePeriodDays);
  return noticeEnds > effective ? firstFullDayFrom(noticeEnds) : effective;
}

/** Why the apply date is what it is, in the submitter's words. */
export function applyDateReason(effectiveDate: string, deliveredAt: Date, noticePeriodDays: number): string {
  const applyAt = applyNotBefore(effectiveDate, deliveredAt, noticePeriodDays);
  if (toIsoDate(applyAt) === effectiveDate) return `On the requested effective date ${effectiveDate}.`;
  return `Moved from ${effectiveDate} to ${toIsoDate(applyAt)}: the notice reached the partner on ${toIsoDate(deliveredAt)}, and the ${noticePeriodDays}-day notice period counts from delivery.`;
}

/** A submission retried with an Idempotency-Key that an earlier, different request used (any change kind). */
export const idempotencyKeyReused = {
  field: 'Idempotency-Key',
  reason: 'This Idempotency-Key was already used for a different request: use a new key for a new change.',
} as const;
