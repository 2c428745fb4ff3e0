import { DAY_MS } from './calendar.ts';
import type { RelationshipStage } from './relationship-stage.ts';

/**
 * Principle 7: every trust-affecting event lands in the partner's ledger with the rule that priced it, so
 * every point of the score is explainable. Base points are scaled by the stage's trust weight at the time of
 * the event; the score decays events with age. The rules are versioned: a change of rules is a new version,
 * every score names the version that computed it, and a ledger can be re-priced under any version (each
 * entry keeps its rule, multiplier and stage, the facts a price is computed from).
 */
export const trustRuleNames = [
  'notice-full-period',
  'extra-lead-time',
  'commission-cut',
  'commission-raise',
  'prompt-acknowledgement',
  'reminder-needed',
  'escalation-needed',
  'emergency-short-notice',
  'dispute-raised',
  'dispute-answered',
  'dispute-resolved-by-revision',
  'withdrawn-after-partner-input',
  'repeated-cut',
  'alliance-manager-reassigned',
  'repeated-reassignment',
  'stage-moved-up',
  'stage-moved-down',
  'policy-notice',
] as const;

export type TrustRule = (typeof trustRuleNames)[number];

export interface TrustRuleSet {
  version: string;
  startingScore: number;
  /** Days after which an event counts half: old grievances and old favours both fade. */
  halfLifeDays: number;
  /** Multiplier for the points of an event at each stage: higher stages earn more care, and lose more. */
  stageWeights: Record<RelationshipStage, number>;
  rules: Record<TrustRule, { basePoints: number; explanation: string }>;
}

const v1Rules: TrustRuleSet['rules'] = {
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
  'repeated-cut': { basePoints: -2, explanation: 'A cut applied within 12 months of another cut' },
  'alliance-manager-reassigned': { basePoints: -1, explanation: "The partner's alliance manager changed" },
  'repeated-reassignment': {
    basePoints: -2,
    explanation: 'Alliance manager changed again within 12 months of the last change',
  },
  'stage-moved-up': { basePoints: 2, explanation: 'Partner moved up a relationship stage' },
  'stage-moved-down': { basePoints: -3, explanation: 'Partner moved down a relationship stage' },
  'policy-notice': { basePoints: 1, explanation: 'Policy change announced with notice' },
};

/**
 * The rule sets by version. v1 is the original model (stage weights 1 / 1.25 / 1.5 / 2, a year's half-life);
 * v2 weighs cuts and repeated cuts more and forgets faster (half-life of 180 days).
 */
export const trustRuleSets: Readonly<Record<string, TrustRuleSet>> = {
  v1: {
    version: 'v1',
    startingScore: 50,
    halfLifeDays: 365,
    stageWeights: { transactional: 1, enhanced: 1.25, collaborative: 1.5, partnership: 2 },
    rules: v1Rules,
  },
  v2: {
    version: 'v2',
    startingScore: 50,
    halfLifeDays: 180,
    stageWeights: { transactional: 1, enhanced: 1.25, collaborative: 1.75, partnership: 2.5 },
    rules: {
      ...v1Rules,
      'commission-cut': { basePoints: -4, explanation: 'Commission rate cut' },
      'repeated-cut': { basePoints: -4, explanation: 'A cut applied within 12 months of another cut' },
      'emergency-short-notice': {
        basePoints: -8,
        explanation: 'Emergency notice shorter than the normal notice period',
      },
    },
  },
};

export const CURRENT_TRUST_RULES_VERSION = 'v1';

/** The rule set of a version, or undefined for a version that does not exist. */
export function trustRuleSet(version: string): TrustRuleSet | undefined {
  return Object.hasOwn(trustRuleSets, version) ? trustRuleSets[version] : undefined;
}

export const currentTrustRules: TrustRuleSet = trustRuleSets[CURRENT_TRUST_RULES_VERSION]!;

/** The current version's rules (their points and explanations). */
export const trustRules: TrustRuleSet['rules'] = currentTrustRules.rules;

export const STARTING_TRUST_SCORE = currentTrustRules.startingScore;
/** Half of an event's weight is gone after a year (current rules): old grievances and old favours both fade. */
export const TRUST_HALF_LIFE_DAYS = currentTrustRules.halfLifeDays;

/**
 * The instant the materialized score's weighted points are referred to: an event at `at` adds
 * points × 2^((at − epoch) / halfLife), so one sum serves every later instant (scoreFromSummary).
 */
export const TRUST_REFERENCE_EPOCH = '2026-01-01T00:00:00.000Z';
const EPOCH_MS = Date.parse(TRUST_REFERENCE_EPOCH);

/** Where a ledger entry came from: the step that caused it. */
export interface TrustEventSource {
  /** e.g. change-applied, notice-sent, reminder-sent, escalated, acknowledged, concern-raised, dispute-resolved. */
  type: string;
  /** The id of the thing the step acted on (a change id, a notice id). */
  id: string;
}

export interface TrustLedgerEvent {
  partnerId: string;
  /** Deterministic per cause, so a retried step cannot count twice. */
  eventId: string;
  rule: TrustRule;
  at: string;
  /** The partner's stage at the event: what its weight is looked up by. */
  stage: RelationshipStage;
  /** How many times the rule counts (e.g. extra months of lead time); 1 for most rules. */
  multiplier: number;
  /** The rules version the entry was priced under. */
  rulesVersion: string;
  basePoints: number;
  /** The stage weight used. */
  weight: number;
  /** basePoints × multiplier × weight, rounded to 0.01, under rulesVersion. */
  points: number;
  explanation: string;
  source: TrustEventSource;
  changeId?: string;
  /** On the events of an applied change: whether the change was worse for the partner. */
  adverse?: boolean;
}

/** What a rule is worth at a stage, under a rule set. */
export function priceTrustRule(
  ruleSet: TrustRuleSet,
  rule: TrustRule,
  stage: RelationshipStage,
  multiplier = 1,
): { basePoints: number; weight: number; points: number } {
  const basePoints = ruleSet.rules[rule].basePoints;
  const weight = ruleSet.stageWeights[stage];
  return { basePoints, weight, points: Math.round(basePoints * multiplier * weight * 100) / 100 };
}

export function trustEvent(
  rule: TrustRule,
  input: {
    partnerId: string;
    stage: RelationshipStage;
    at: Date;
    /** Names the cause: the event id is `${cause}#${rule}`. */
    cause: string;
    source: TrustEventSource;
    changeId?: string | undefined;
    multiplier?: number;
    adverse?: boolean;
    ruleSet?: TrustRuleSet;
  },
): TrustLedgerEvent {
  const ruleSet = input.ruleSet ?? currentTrustRules;
  const multiplier = input.multiplier ?? 1;
  const price = priceTrustRule(ruleSet, rule, input.stage, multiplier);
  return {
    partnerId: input.partnerId,
    eventId: `${input.cause}#${rule}`,
    rule,
    at: input.at.toISOString(),
    stage: input.stage,
    multiplier,
    rulesVersion: ruleSet.version,
    ...price,
    explanation: ruleSet.rules[rule].explanation,
    source: input.source,
    ...(input.changeId ? { changeId: input.changeId } : {}),
    ...(input.adverse !== undefined ? { adverse: input.adverse } : {}),
  };
}

/** Rules that mark an applied change as a cut in the ledger (the kinds' own rules for an adverse change). */
export const cutRules: ReadonlySet<TrustRule> = new Set(['commission-cut']);
/** Principle 6: a cut within this many days of another costs more, and is flagged before it is submitted. */
export const REPEATED_CUT_WINDOW_DAYS = 365;

/** The cuts of a ledger applied within REPEATED_CUT_WINDOW_DAYS before `at`, newest first. */
export function recentCuts(ledger: readonly TrustLedgerEvent[], at: Date): TrustLedgerEvent[] {
  const since = at.getTime() - REPEATED_CUT_WINDOW_DAYS * DAY_MS;
  return ledger
    .filter(
      (event) =>
        cutRules.has(event.rule) && Date.parse(event.at) >= since && Date.parse(event.at) <= at.getTime(),
    )
    .sort((a, b) => b.at.localeCompare(a.at));
}

/**
 * The ledger events an applied change earns: the kind's own (a cut, a raise), a repeated-cut when another cut
 * was applied within 12 months, and, for an adverse change, the credit for how much notice the partner
 * really had. The dry run's forecast calls this very function with the effective date as the apply date.
 */
export function eventsForAppliedChange(input: {
  partnerId: string;
  changeId: string;
  adverse: boolean;
  /** The change kind's rules for this change (e.g. commission-cut). */
  kindRules: readonly TrustRule[];
  /** The partner's stage the change was decided at. */
  stage: RelationshipStage;
  deliveredAt: Date;
  appliedAt: Date;
  noticePeriodDays: number;
  /** The partner's ledger before this change applies (for repeated-cut). */
  ledger: readonly TrustLedgerEvent[];
  ruleSet?: TrustRuleSet;
}): TrustLedgerEvent[] {
  const common = {
    partnerId: input.partnerId,
    stage: input.stage,
    at: input.appliedAt,
    cause: `change#${input.changeId}`,
    source: { type: 'change-applied', id: input.changeId },
    changeId: input.changeId,
    adverse: input.adverse,
    ...(input.ruleSet ? { ruleSet: input.ruleSet } : {}),
  };
  const events = input.kindRules.map((rule) => trustEvent(rule, common));
  const earlierCuts = recentCuts(
    input.ledger.filter((event) => event.changeId !== input.changeId),
    input.appliedAt,
  );
  if (input.kindRules.some((rule) => cutRules.has(rule)) && earlierCuts.length > 0) {
    events.push(trustEvent('repeated-cut', common));
  }
  if (input.adverse) {
    const leadDays = (input.appliedAt.getTime() - input.deliveredAt.getTime()) / DAY_MS;
    if (leadDays >= input.noticePeriodDays) events.push(trustEvent('notice-full-period', common));
    const extraMonths = Math.min(3, Math.floor((leadDays - input.noticePeriodDays) / 30));
    if (extraMonths >= 1) events.push(trustEvent('extra-lead-time', { ...common, multiplier: extraMonths }));
  }
  return events;
}

/** An entry's price under a rule set: re-priced from its rule, multiplier and stage. */
export function pricedUnder(
  event: TrustLedgerEvent,
  ruleSet: TrustRuleSet,
): { basePoints: number; weight: number; points: number; explanation: string } {
  // Under its own version an entry keeps the price it was written with (re-pricing would give the same);
  // an entry written before entries kept their stage cannot be re-priced: it keeps its points too.
  if (
    event.rulesVersion === ruleSet.version ||
    event.stage === undefined ||
    !Object.hasOwn(ruleSet.rules, event.rule)
  ) {
    return {
      basePoints: event.basePoints ?? event.points,
      weight: event.weight ?? 1,
      points: event.points,
      explanation: event.explanation,
    };
  }
  return {
    ...priceTrustRule(ruleSet, event.rule, event.stage, event.multiplier ?? 1),
    explanation: ruleSet.rules[event.rule].explanation,
  };
}

/** What is left of an event's points after `ageDays` (none of an event after the instant asked about). */
export function trustDecay(ageDays: number, ruleSet: TrustRuleSet): number {
  return 0.5 ** (ageDays / ruleSet.halfLifeDays);
}

/** One entry's part in a score at an instant. */
export interface TrustContribution {
  eventId: string;
  rule: TrustRule;
  explanation: string;
  at: string;
  stage?: RelationshipStage;
  basePoints: number;
  weight: number;
  multiplier: number;
  points: number;
  /** The share of the points left at the instant (1 on the day, ½ after a half-life). */
  decay: number;
  pointsNow: number;
  source?: TrustEventSource;
  changeId?: string;
}

export interface TrustScoreAt {
  /** 0–100, rounded to 0.1. */
  score: number;
  /** The same, clamped to 0–100 but not rounded (what recompute-equals-materialized compares). */
  exact: number;
  rulesVersion: string;
  at: string;
  contributions: TrustContribution[];
}

const clampScore = (raw: number) => Math.min(100, Math.max(0, raw));
const roundScore = (exact: number) => Math.round(exact * 10) / 10;

/**
 * The score at an instant, from the ledger, under a rule set: the starting score plus each event up to that
 * instant, re-priced under the rule set and decayed by its age. Events after the instant do not count yet.
 */
export function trustScoreAt(
  ledger: readonly TrustLedgerEvent[],
  at: Date,
  ruleSet: TrustRuleSet = currentTrustRules,
): TrustScoreAt {
  const contributions = ledger
    .filter((event) => Date.parse(event.at) <= at.getTime())
    .sort((a, b) => a.at.localeCompare(b.at) || a.eventId.localeCompare(b.eventId))
    .map((event): TrustContribution => {
      const price = pricedUnder(event, ruleSet);
      const decay = trustDecay((at.getTime() - Date.parse(event.at)) / DAY_MS, ruleSet);
      return {
        eventId: event.eventId,
        rule: event.rule,
        explanation: price.explanation,
        at: event.at,
        ...(event.stage ? { stage: event.stage } : {}),
        basePoints: price.basePoints,
        weight: price.weight,
        multiplier: event.multiplier ?? 1,
        points: price.points,
        decay,
        pointsNow: price.points * decay,
        ...(event.source ? { source: event.source } : {}),
        ...(event.changeId ? { changeId: event.changeId } : {}),
      };
    });
  const exact = clampScore(
    ruleSet.startingScore + contributions.reduce((sum, item) => sum + item.pointsNow, 0),
  );
  return {
    score: roundScore(exact),
    exact,
    rulesVersion: ruleSet.version,
    at: at.toISOString(),
    contributions,
  };
}

/** The rules that close a dispute (dispute-resolved, by outcome). */
export const disputeResolutionRules: ReadonlySet<TrustRule> = new Set([
  'dispute-answered',
  'dispute-resolved-by-revision',
  'withdrawn-after-partner-input',
]);

/** What the materialized summary of a partner holds (the TrustScores item, without its key). */
export interface TrustSummaryTotals {
  rulesVersion: string;
  /** Σ points × 2^((at − TRUST_REFERENCE_EPOCH) / halfLife): see scoreFromSummary. */
  weightedPoints: number;
  eventCount: number;
  lastEventAt?: string;
  /** The last applied change that earned a ledger entry. */
  lastChangeAt?: string;
  openDisputes: number;
  disputesRaised: number;
  disputesResolved: number;
  /** Adverse changes applied (counted once per change). */
  adverseApplied: number;
  /** Of those, the ones applied after the full notice period. */
  adverseWithFullNotice: number;
}

export interface TrustSummary extends TrustSummaryTotals {
  partnerId: string;
}

/** An event's weighted points: its points referred to TRUST_REFERENCE_EPOCH. */
export function weightedPointsOf(points: number, at: string, ruleSet: TrustRuleSet): number {
  return points * 2 ** ((Date.parse(at) - EPOCH_MS) / (ruleSet.halfLifeDays * DAY_MS));
}

const latest = (values: readonly (string | undefined)[]) =>
  values.reduce<string | undefined>(
    (max, value) => (value && (!max || value > max) ? value : max),
    undefined,
  );

/**
 * What the summary item holds for these ledger entries, under a rule set. Every total is a sum over the
 * entries (or the latest instant), so the summary of a ledger is the sum of its batches' summaries: the
 * store ADDs each step's batch, and recomputing from the whole ledger gives the same item.
 */
export function summarize(
  ledger: readonly TrustLedgerEvent[],
  ruleSet: TrustRuleSet = currentTrustRules,
): TrustSummaryTotals {
  const count = (predicate: (event: TrustLedgerEvent) => boolean) => ledger.filter(predicate).length;
  const appliedAdverse = ledger.filter((event) => event.source?.type === 'change-applied' && event.adverse);
  const changes = (events: readonly TrustLedgerEvent[]) =>
    new Set(events.map((event) => event.changeId ?? event.source.id)).size;
  const disputesRaised = count((event) => event.rule === 'dispute-raised');
  const disputesResolved = count((event) => disputeResolutionRules.has(event.rule));
  const lastEventAt = latest(ledger.map((event) => event.at));
  const lastChangeAt = latest(
    ledger.filter((event) => event.source?.type === 'change-applied').map((event) => event.at),
  );
  return {
    rulesVersion: ruleSet.version,
    weightedPoints: ledger.reduce(
      (sum, event) => sum + weightedPointsOf(pricedUnder(event, ruleSet).points, event.at, ruleSet),
      0,
    ),
    eventCount: ledger.length,
    ...(lastEventAt ? { lastEventAt } : {}),
    ...(lastChangeAt ? { lastChangeAt } : {}),
    openDisputes: disputesRaised - disputesResolved,
    disputesRaised,
    disputesResolved,
    adverseApplied: changes(appliedAdverse),
    adverseWithFullNotice: changes(appliedAdverse.filter((event) => event.rule === 'notice-full-period')),
  };
}

/**
 * The score at an instant from the materialized summary, without reading the ledger: the starting score
 * plus the weighted points brought from the epoch to `at`. Equal to trustScoreAt(ledger, at) for an instant
 * no earlier than the last event (the ledger's events are all in the past then). Undefined when the summary
 * was materialized under another rules version (recompute from the ledger instead).
 */
export function scoreFromSummary(
  summary: Pick<TrustSummaryTotals, 'rulesVersion' | 'weightedPoints'> | undefined,
  at: Date,
  ruleSet: TrustRuleSet = currentTrustRules,
): { score: number; exact: number; rulesVersion: string } | undefined {
  if (summary && summary.rulesVersion !== ruleSet.version) return undefined;
  const weighted = summary?.weightedPoints ?? 0;
  const exact = clampScore(
    ruleSet.startingScore + weighted * 2 ** (-(at.getTime() - EPOCH_MS) / (ruleSet.halfLifeDays * DAY_MS)),
  );
  return { score: roundScore(exact), exact, rulesVersion: ruleSet.version };
}

/** One point of the score over time: the score just after the events at `at` (or a monthly sample). */
export interface TrustHistoryPoint {
  at: string;
  score: number;
  /** The events at this instant (none for a monthly sample). */
  eventIds: string[];
}

/**
 * The score over time for a chart: the score just after each instant with events, plus one sample on the
 * first of each month between, from `from` to `to` (both included as samples).
 */
export function trustHistory(
  ledger: readonly TrustLedgerEvent[],
  from: Date,
  to: Date,
  ruleSet: TrustRuleSet = currentTrustRules,
): TrustHistoryPoint[] {
  const byInstant = new Map<string, string[]>();
  for (const event of ledger) {
    const t = Date.parse(event.at);
    if (t < from.getTime() || t > to.getTime()) continue;
    const ids = byInstant.get(event.at);
    if (ids) ids.push(event.eventId);
    else byInstant.set(event.at, [event.eventId]);
  }
  const instants = new Map<number, string[]>();
  for (const [at, ids] of byInstant) instants.set(Date.parse(at), ids.sort());
  const samples = [from.getTime(), to.getTime()];
  const month = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  // Bounded by the range: one sample per month between the two ends.
  while (month.getTime() < to.getTime()) {
    samples.push(month.getTime());
    month.setUTCMonth(month.getUTCMonth() + 1);
  }
  for (const t of samples) if (!instants.has(t)) instants.set(t, []);
  // One pass in time order instead of a full recompute per point (a ledger of 10,000 events would otherwise
  // cost 10,000²): the events so far are summed as weighted points (weightedPointsOf, the same algebra as the
  // summary), brought to each instant. The last point is the score at `to`, computed as trustScoreAt does,
  // so the chart always ends on the number shown beside it.
  const ordered = ledger
    .map((event) => ({ t: Date.parse(event.at), points: pricedUnder(event, ruleSet).points, at: event.at }))
    .filter((event) => event.t <= to.getTime())
    .sort((a, b) => a.t - b.t);
  let next = 0;
  let weighted = 0;
  const points = [...instants.entries()].sort(([a], [b]) => a - b);
  return points.map(([t, eventIds], index) => {
    while (next < ordered.length && ordered[next]!.t <= t) {
      weighted += weightedPointsOf(ordered[next]!.points, ordered[next]!.at, ruleSet);
      next += 1;
    }
    const score =
      index === points.length - 1
        ? trustScoreAt(ledger, new Date(t), ruleSet).score
        : scoreFromSummary({ rulesVersion: ruleSet.version, weightedPoints: weighted }, new Date(t), ruleSet)!
            .score;
    return { at: new Date(t).toISOString(), score, eventIds };
  });
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

/**
 * The score now, as the partner record shows it (current rules). An event dated after `now` (none in
 * practice: events are written when they happen) counts at full weight.
 */
export function trustScore(events: readonly TrustLedgerEvent[], now: Date): TrustScore {
  const contributions = events.map((event) => {
    const ageDays = Math.max(0, (now.getTime() - Date.parse(event.at)) / DAY_MS);
    const price = pricedUnder(event, currentTrustRules);
    return {
      eventId: event.eventId,
      rule: event.rule,
      points: price.points,
      weightNow: trustDecay(ageDays, currentTrustRules),
      explanation: price.explanation,
    };
  });
  const raw =
    currentTrustRules.startingScore +
    contributions.reduce((sum, item) => sum + item.points * item.weightNow, 0);
  return { score: roundScore(clampScore(raw)), contributions };
}

/** The same rules, applied to a change not yet submitted: what the submitter sees before it submits. */
export function forecastTrustImpact(input: {
  partnerId: string;
  adverse: boolean;
  kindRules: readonly TrustRule[];
  emergency: boolean;
  stage: RelationshipStage;
  now: Date;
  effectiveDate: Date;
  noticePeriodDays: number;
  /** The partner's ledger now (for repeated-cut). */
  ledger?: readonly TrustLedgerEvent[];
}): { points: number; events: TrustLedgerEvent[] } {
  const events = eventsForAppliedChange({
    partnerId: input.partnerId,
    changeId: 'forecast',
    adverse: input.adverse,
    kindRules: input.kindRules,
    stage: input.stage,
    deliveredAt: input.now,
    appliedAt: input.effectiveDate,
    noticePeriodDays: input.noticePeriodDays,
    ledger: input.ledger ?? [],
  });
  if (input.emergency) {
    events.push(
      trustEvent('emergency-short-notice', {
        partnerId: input.partnerId,
        stage: input.stage,
        at: input.now,
        cause: 'change#forecast',
        source: { type: 'notice-sent', id: 'forecast' },
        changeId: 'forecast',
      }),
    );
  }
  return { points: Math.round(events.reduce((sum, event) => sum + event.points, 0) * 100) / 100, events };
}
