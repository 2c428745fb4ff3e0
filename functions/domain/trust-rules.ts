import { DAY_MS } from './calendar.ts';
import type { StagePolicy } from './relationship-stage.ts';

/**
 * Principle 7: every trust-affecting event lands in the partner's ledger with the rule that priced it, so
 * every point of the score is explainable. Base points are scaled by the stage's trust weight at the time of
 * the event; the score decays events with age.
 */
export const trustRules = {
  'notice-full-period': { basePoints: 2, explanation: 'Notice given with the full notice period' },
  'extra-lead-time': {
    basePoints: 1,
    explanation: 'Lead time beyond the notice period (per extra 30 days, up to 3)',
  },
  'commission-cut': { basePoints: -3, explanation: 'Commission rate cut' },
  'commission-raise': { basePoints: 2, explanation: 'Commission rate raised' },
  'prompt-acknowledgement': { basePoints: 1, explanation: 'Partner acknowledged before the first reminder' },
  'reminder-needed': { basePoints: -0.5, explanation: 'A reminder was needed to get an acknowledgement' },
  'escalation-needed': { basePoints: -1, explanation: 'Acknowledgement escalated to the alliance manager' },
  'emergency-short-notice': {
    basePoints: -6,
    explanation: 'Emergency notice shorter than the normal notice period',
  },
  'dispute-raised': {
    basePoints: 0,
    explanation: 'Partner raised a concern (conflict is not bad in itself)',
  },
  'dispute-answered': { basePoints: 2, explanation: "Partner's concern answered in writing" },
  'dispute-resolved-by-revision': {
    basePoints: 3,
    explanation: "Change revised after the partner's concern",
  },
  'withdrawn-after-partner-input': {
    basePoints: 2,
    explanation: "Change withdrawn after the partner's concern",
  },
  // Issue 9 (the contract names them; helper trust-core owns the numbers): a new alliance manager costs the
  // partner the relationship it built with the old one, and more so when it happens again within 12 months.
  'alliance-manager-reassigned': { basePoints: -1, explanation: 'Alliance manager reassigned' },
  'repeated-reassignment': {
    basePoints: -2,
    explanation: 'Alliance manager reassigned again within 12 months of the last reassignment',
  },
} as const;

export type TrustRule = keyof typeof trustRules;

export interface TrustLedgerEvent {
  partnerId: string;
  /** Deterministic per cause, so a retried step cannot count twice. */
  eventId: string;
  rule: TrustRule;
  at: string;
  points: number;
  explanation: string;
  changeId?: string;
}

export const STARTING_TRUST_SCORE = 50;
/** Half of an event's weight is gone after a year: old grievances and old favours both fade. */
export const TRUST_HALF_LIFE_DAYS = 365;

export function trustEvent(
  rule: TrustRule,
  input: {
    partnerId: string;
    stagePolicy: StagePolicy;
    at: Date;
    cause: string;
    changeId?: string;
    multiplier?: number;
  },
): TrustLedgerEvent {
  const definition = trustRules[rule];
  const points =
    Math.round(definition.basePoints * (input.multiplier ?? 1) * input.stagePolicy.trustWeight * 100) / 100;
  return {
    partnerId: input.partnerId,
    eventId: `${input.cause}#${rule}`,
    rule,
    at: input.at.toISOString(),
    points,
    explanation: definition.explanation,
    ...(input.changeId ? { changeId: input.changeId } : {}),
  };
}

/**
 * The ledger events an applied change earns: the kind's own (a cut, a raise) plus, for an adverse change, the
 * credit for how much notice the partner really had.
 */
export function eventsForAppliedChange(input: {
  partnerId: string;
  changeId: string;
  adverse: boolean;
  /** The change kind's rules for this change (e.g. commission-cut). */
  kindRules: readonly TrustRule[];
  stagePolicy: StagePolicy;
  deliveredAt: Date;
  appliedAt: Date;
  noticePeriodDays: number;
}): TrustLedgerEvent[] {
  const common = {
    partnerId: input.partnerId,
    stagePolicy: input.stagePolicy,
    at: input.appliedAt,
    cause: `change#${input.changeId}`,
    changeId: input.changeId,
  };
  const events = input.kindRules.map((rule) => trustEvent(rule, common));
  if (input.adverse) {
    const leadDays = (input.appliedAt.getTime() - input.deliveredAt.getTime()) / DAY_MS;
    if (leadDays >= input.noticePeriodDays) events.push(trustEvent('notice-full-period', common));
    const extraMonths = Math.min(3, Math.floor((leadDays - input.noticePeriodDays) / 30));
    if (extraMonths >= 1) events.push(trustEvent('extra-lead-time', { ...common, multiplier: extraMonths }));
  }
  return events;
}

export interface TrustScore {
  score: number;
  contributions: {
    eventId: string;
    rule: TrustRule;
    points: number;
    weightNow: number;
    explanation: string;
  }[];
}

export function trustScore(events: readonly TrustLedgerEvent[], now: Date): TrustScore {
  const contributions = events.map((event) => {
    const ageDays = Math.max(0, (now.getTime() - Date.parse(event.at)) / DAY_MS);
    const weightNow = 0.5 ** (ageDays / TRUST_HALF_LIFE_DAYS);
    return {
      eventId: event.eventId,
      rule: event.rule,
      points: event.points,
      weightNow,
      explanation: event.explanation,
    };
  });
  const raw =
    STARTING_TRUST_SCORE + contributions.reduce((sum, item) => sum + item.points * item.weightNow, 0);
  return { score: Math.round(Math.min(100, Math.max(0, raw)) * 10) / 10, contributions };
}

/** The same rules, applied to a change not yet submitted: what the submitter sees before it submits. */
export function forecastTrustImpact(input: {
  partnerId: string;
  adverse: boolean;
  kindRules: readonly TrustRule[];
  emergency: boolean;
  stagePolicy: StagePolicy;
  now: Date;
  effectiveDate: Date;
  noticePeriodDays: number;
}): { points: number; events: TrustLedgerEvent[] } {
  const events = eventsForAppliedChange({
    partnerId: input.partnerId,
    changeId: 'forecast',
    adverse: input.adverse,
    kindRules: input.kindRules,
    stagePolicy: input.stagePolicy,
    deliveredAt: input.now,
    appliedAt: input.effectiveDate,
    noticePeriodDays: input.noticePeriodDays,
  });
  if (input.emergency) {
    events.push(
      trustEvent('emergency-short-notice', {
        partnerId: input.partnerId,
        stagePolicy: input.stagePolicy,
        at: input.now,
        cause: 'change#forecast',
      }),
    );
  }
  return { points: Math.round(events.reduce((sum, event) => sum + event.points, 0) * 100) / 100, events };
}
