import { DAY_MS, toIsoDate } from './calendar.ts';
import {
  currentTrustRules,
  cutRules,
  REPEATED_CUT_WINDOW_DAYS,
  recentCuts,
  type TrustLedgerEvent,
  type TrustRule,
  type TrustRuleSet,
  trustScoreAt,
} from './trust-rules.ts';

export { REPEATED_CUT_WINDOW_DAYS };

/** A reassignment of the alliance manager within this many days of the last one is flagged and costs more. */
export const REPEATED_REASSIGNMENT_WINDOW_DAYS = 365;

/** The ledger rules that record an alliance-manager reassignment. */
export const reassignmentRules: ReadonlySet<TrustRule> = new Set([
  'alliance-manager-reassigned',
  'repeated-reassignment',
]);

export const trustFlagNames = [
  'repeated-cut',
  'pending-adverse-change',
  'open-dispute',
  'emergency-notice',
  'recent-reassignment',
] as const;

/** Something the submitter should weigh before submitting, in words it can act on. */
export interface TrustFlag {
  flag: (typeof trustFlagNames)[number];
  message: string;
  /** The change the flag is about, when it is another one. */
  changeId?: string;
}

/** Another change of the same partner that has not ended, as far as the outlook needs it. */
export interface OpenChangeOfPartner {
  changeId: string;
  status: string;
  adverse: boolean;
  /** Set while the partner's concern about it is unanswered. */
  openDisputeDueAt?: string;
}

export interface TrustOutlook {
  scoreNow: number;
  /**
   * The score on the change's apply date if nothing else happens: the ledger decayed to that date plus the
   * change's own events (the ones written when it is sent and applied), by the same rules that compute the
   * score itself. It is the score the partner reaches when the change goes through unchanged.
   */
  scoreAfter: number;
  /** A forecast below this needs the submitter's explicit "I have read this" (trustForecastRead). */
  threshold: number;
  requiresAcknowledgement: boolean;
  rulesVersion: string;
  flags: TrustFlag[];
}

/** The ledger's reassignments within REPEATED_REASSIGNMENT_WINDOW_DAYS before `at`, newest first. */
export function recentReassignments(ledger: readonly TrustLedgerEvent[], at: Date): TrustLedgerEvent[] {
  const since = at.getTime() - REPEATED_REASSIGNMENT_WINDOW_DAYS * DAY_MS;
  return ledger
    .filter(
      (event) =>
        reassignmentRules.has(event.rule) &&
        Date.parse(event.at) >= since &&
        Date.parse(event.at) <= at.getTime(),
    )
    .sort((a, b) => b.at.localeCompare(a.at));
}

/**
 * The partner's trust score before and after a change it is about to receive, by the same rules and ledger
 * that compute the score itself (trustScoreAt), and the flags principle 6 asks for.
 */
export function trustOutlook(input: {
  ledger: readonly TrustLedgerEvent[];
  /** The change's forecast ledger events, dated when they would be written (forecastTrustImpact). */
  forecast: readonly TrustLedgerEvent[];
  /** When the change would apply (its forecast events' latest instant, if later). */
  appliesAt: Date;
  partnerId: string;
  partnerName: string;
  adverse: boolean;
  emergency: boolean;
  openChanges: readonly OpenChangeOfPartner[];
  now: Date;
  threshold: number;
  ruleSet?: TrustRuleSet;
}): TrustOutlook {
  const { now } = input;
  const ruleSet = input.ruleSet ?? currentTrustRules;
  const flags: TrustFlag[] = [];
  if (input.forecast.some((event) => cutRules.has(event.rule))) {
    const cuts = recentCuts(input.ledger, now);
    const last = cuts[0];
    if (last) {
      flags.push({
        flag: 'repeated-cut',
        message: `${ordinal(cuts.length + 1)} cut in 12 months: ${input.partnerName} had a cut applied on ${toIsoDate(new Date(last.at))}.`,
        ...(last.changeId ? { changeId: last.changeId } : {}),
      });
    }
  }
  const lastReassignment = recentReassignments(input.ledger, now)[0];
  if (lastReassignment) {
    const months = Math.max(0, Math.round((now.getTime() - Date.parse(lastReassignment.at)) / (30 * DAY_MS)));
    flags.push({
      flag: 'recent-reassignment',
      message: `Alliance manager changed ${months === 0 ? 'this month' : months === 1 ? '1 month ago' : `${months} months ago`} (on ${toIsoDate(new Date(lastReassignment.at))}).`,
      ...(lastReassignment.changeId ? { changeId: lastReassignment.changeId } : {}),
    });
  }
  if (input.adverse) {
    for (const other of input.openChanges.filter((change) => change.adverse)) {
      flags.push({
        flag: 'pending-adverse-change',
        message: `Change ${other.changeId}, also worse for ${input.partnerName}, is still pending (${other.status}).`,
        changeId: other.changeId,
      });
    }
  }
  for (const other of input.openChanges) {
    if (other.openDisputeDueAt === undefined) continue;
    flags.push({
      flag: 'open-dispute',
      message: `${input.partnerName} has an open dispute on change ${other.changeId}, to be answered by ${toIsoDate(new Date(other.openDisputeDueAt))}.`,
      changeId: other.changeId,
    });
  }
  if (input.emergency) {
    flags.push({
      flag: 'emergency-notice',
      message: 'Emergency short notice: it costs trust and needs a second approver.',
    });
  }
  const latestForecast = Math.max(
    now.getTime(),
    input.appliesAt.getTime(),
    ...input.forecast.map((e) => Date.parse(e.at)),
  );
  const scoreAfter = trustScoreAt(
    [...input.ledger, ...input.forecast],
    new Date(latestForecast),
    ruleSet,
  ).score;
  return {
    scoreNow: trustScoreAt(input.ledger, now, ruleSet).score,
    scoreAfter,
    threshold: input.threshold,
    requiresAcknowledgement: scoreAfter < input.threshold,
    rulesVersion: ruleSet.version,
    flags,
  };
}

function ordinal(n: number): string {
  const words = ['First', 'Second', 'Third', 'Fourth', 'Fifth'];
  return words[n - 1] ?? `${n}th`;
}
