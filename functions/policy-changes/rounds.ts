import { addDays, DAY_MS } from '../domain/calendar.ts';
import { transitionAllowed } from '../domain/lifecycle.ts';
import type { LifecyclePolicy } from '../domain/lifecycle-policy.ts';
import type { RelationshipStage } from '../domain/relationship-stage.ts';

/**
 * What each partner of a policy change has done with its notice, kept apart and never inferred from each
 * other (../shared/LIFECYCLE.md, "Per recipient"): `queued` (its notice exists, no email has left yet),
 * `delivered` (the provider accepted it), `opened` (a GET of the link: maybe a mail scanner), `acknowledged`
 * (a person's POST), `concern-raised`, or `unreachable` (every contact failed). Escalation is a mark on top
 * of the state (an escalated partner may still acknowledge), counted on its own.
 */
export const recipientStates = [
  'queued',
  'delivered',
  'opened',
  'acknowledged',
  'concern-raised',
  'unreachable',
] as const;
export type RecipientState = (typeof recipientStates)[number];

export const recipientTransitions = [
  // A new notice version starts everyone again, whatever they did with the old one.
  { event: 'queue', from: [...recipientStates], to: ['queued'] },
  { event: 'deliver', from: ['queued'], to: ['delivered'] },
  { event: 'give-up', from: ['queued'], to: ['unreachable'] },
  { event: 'open', from: ['delivered'], to: ['opened'] },
  // A partner may acknowledge after raising a concern (its answer settled it), never the other way round.
  // From `queued` too: the email leaves before its delivery is recorded, and a person may click at once.
  { event: 'acknowledge', from: ['queued', 'delivered', 'opened', 'concern-raised'], to: ['acknowledged'] },
  { event: 'raise-concern', from: ['queued', 'delivered', 'opened'], to: ['concern-raised'] },
] as const satisfies readonly {
  event: string;
  from: readonly RecipientState[];
  to: readonly RecipientState[];
}[];
export type RecipientEvent = (typeof recipientTransitions)[number]['event'];

export function isRecipientTransitionAllowed(
  event: RecipientEvent,
  from: RecipientState | undefined,
  to: RecipientState,
): boolean {
  return transitionAllowed<RecipientState, RecipientEvent>(recipientTransitions, event, from, to);
}

/** Partners still owing an answer: reminded on their stage's reminder days, escalated on its escalation day. */
export const awaitingAnswer: ReadonlySet<RecipientState> = new Set(['delivered', 'opened']);

/** The coverage counters of one notice version: one per state, plus the escalated mark and the targeted. */
export const coverageCounters = ['targeted', ...recipientStates, 'escalated'] as const;
export type CoverageCounter = (typeof coverageCounters)[number];
export type Coverage = Record<CoverageCounter, number>;

export function emptyCoverage(): Coverage {
  return Object.fromEntries(coverageCounters.map((name) => [name, 0])) as Coverage;
}

/** The kinds of sending round: each is one Distributed Map run over its own manifest. */
export const roundKinds = ['notice', 'reminder', 'escalation', 'withdrawal', 'outcome'] as const;
export type RoundKind = (typeof roundKinds)[number];

export interface RoundRecord {
  kind: RoundKind;
  version: number;
  plannedAt: string;
  /** Partners in its manifest. */
  partners: number;
  completedAt?: string;
  /** Partners of batches that failed for good (marked unreachable). */
  failedPartners?: number;
}

export interface PlannedRound {
  roundId: string;
  kind: RoundKind;
  version: number;
  /**
   * For a reminder or escalation round: the day after the notice it is for (each stage has its own reminder
   * days and escalation day, and a round reaches only the partners of the stages due that day).
   */
  day?: number;
}

/** What a policy change's rounds depend on (the stored policy change, narrowed). */
export interface RoundFacts {
  status: string;
  noticeVersion: number;
  rounds: Record<string, RoundRecord>;
  /** When the current version's notice round completed. */
  noticeSentAt?: string;
  /** max(effective date, noticeSentAt + notice days): the day it takes effect. */
  takesEffectAt?: string;
  /** The stages present in the segment: their reminder and escalation days apply. */
  stages: readonly RelationshipStage[];
}

export type RoundStep =
  | { next: 'send'; round: PlannedRound }
  | { next: 'wait'; until: Date; for: string }
  | { next: 'end' };

export function roundIdOf(round: Omit<PlannedRound, 'roundId'>): string {
  if (round.kind === 'withdrawal') return 'withdrawal';
  return round.day !== undefined
    ? `v${round.version}-${round.kind}-day-${round.day}`
    : `v${round.version}-${round.kind}`;
}

function planned(round: Omit<PlannedRound, 'roundId'>): RoundStep {
  return { next: 'send', round: { ...round, roundId: roundIdOf(round) } };
}

/** The days after delivery on which any stage of the segment reminds (each round reminds only its stages). */
export function reminderDaysOf(
  stages: readonly RelationshipStage[],
  policy: Pick<LifecyclePolicy, 'stages'>,
): number[] {
  return [...new Set(stages.flatMap((stage) => policy.stages[stage].reminderDays))].sort((a, b) => a - b);
}

/** Whether a partner of `stage` is reminded in the reminder round of `day`. */
export function remindedOn(stage: RelationshipStage, day: number, policy: Pick<LifecyclePolicy, 'stages'>) {
  return policy.stages[stage].reminderDays.includes(day);
}

/** The days after the notice on which any stage of the segment escalates (one round per day). */
export function escalationDaysOf(
  stages: readonly RelationshipStage[],
  policy: Pick<LifecyclePolicy, 'stages'>,
): number[] {
  return [...new Set(stages.map((stage) => policy.stages[stage].escalationDay))].sort((a, b) => a - b);
}

/** Whether a partner of `stage` is in the round of `kind` on `day`. */
export function dueOn(
  kind: 'reminder' | 'escalation',
  stage: RelationshipStage,
  day: number,
  policy: Pick<LifecyclePolicy, 'stages'>,
): boolean {
  return kind === 'reminder' ? remindedOn(stage, day, policy) : policy.stages[stage].escalationDay === day;
}

/**
 * What a policy change needs at `now`, from its stored facts alone: the notice of its current version, then
 * each reminder day of its stages, its escalation (on each stage's escalation day, its partners still silent), and at the day it takes effect the outcome of every
 * partner; a withdrawal tells everyone notified. A round already planned but not completed is planned again
 * (the same id: the same manifest, the same message ids), so a crash between the two is harmless.
 */
export function nextRoundStep(
  facts: RoundFacts,
  now: Date,
  policy: Pick<LifecyclePolicy, 'stages'>,
): RoundStep {
  const done = (roundId: string) => facts.rounds[roundId]?.completedAt !== undefined;
  const version = facts.noticeVersion;
  switch (facts.status) {
    case 'approved':
    case 'notifying':
      return planned({ kind: 'notice', version: Math.max(version, 1) });
    case 'withdrawing':
      return planned({ kind: 'withdrawal', version });
    case 'notified': {
      if (!facts.noticeSentAt || !facts.takesEffectAt) return planned({ kind: 'notice', version });
      const sentAt = new Date(facts.noticeSentAt);
      const due: { at: Date; round: Omit<PlannedRound, 'roundId'>; what: string }[] = [];
      for (const day of reminderDaysOf(facts.stages, policy)) {
        due.push({
          at: addDays(sentAt, day),
          round: { kind: 'reminder', version, day },
          what: `reminder day ${day}`,
        });
      }
      for (const day of escalationDaysOf(facts.stages, policy)) {
        due.push({
          at: addDays(sentAt, day),
          round: { kind: 'escalation', version, day },
          what: `escalation day ${day}`,
        });
      }
      const takesEffectAt = new Date(facts.takesEffectAt);
      // Nothing is reminded or escalated on or after the day it takes effect: the outcome round settles it.
      const open = due
        .filter((entry) => entry.at.getTime() < takesEffectAt.getTime() && !done(roundIdOf(entry.round)))
        .sort((a, b) => a.at.getTime() - b.at.getTime());
      open.push({ at: takesEffectAt, round: { kind: 'outcome', version }, what: 'takes effect' });
      const first = open[0]!;
      if (first.at.getTime() <= now.getTime()) return planned(first.round);
      return { next: 'wait', until: first.at, for: first.what };
    }
    default:
      return { next: 'end' };
  }
}

/** The day a policy change takes effect: its effective date, or later if sending left less than its notice. */
export function takesEffectAt(effectiveDate: string, noticeSentAt: Date, noticeDays: number): Date {
  const effective = new Date(`${effectiveDate}T00:00:00.000Z`);
  const earliest = new Date(Math.ceil(addDays(noticeSentAt, noticeDays).getTime() / DAY_MS) * DAY_MS);
  return effective.getTime() >= earliest.getTime() ? effective : earliest;
}

/** Whether a revision restarts the notice period: a worse (adverse) revision does, a better one keeps the date. */
export function revisionRestartsNotice(revisionAdverse: boolean): boolean {
  return revisionAdverse;
}

/** The final outcome recorded for a partner when the policy change takes effect. */
export type RecipientOutcome =
  | 'acknowledged'
  | 'acknowledged-after-reminder'
  | 'acknowledged-after-escalation'
  | 'concern-open'
  | 'unacknowledged'
  | 'unreachable';

export function outcomeOf(recipient: {
  state: RecipientState;
  escalated?: boolean;
  reminded?: number;
}): RecipientOutcome {
  switch (recipient.state) {
    case 'acknowledged':
      if (recipient.escalated) return 'acknowledged-after-escalation';
      return (recipient.reminded ?? 0) > 0 ? 'acknowledged-after-reminder' : 'acknowledged';
    case 'concern-raised':
      return 'concern-open';
    case 'unreachable':
    case 'queued':
      return 'unreachable';
    default:
      return 'unacknowledged';
  }
}
