import { DAY_MS, toIsoDate } from './calendar.ts';
import { type TrustLedgerEvent, type TrustRule, trustScore } from './trust-rules.ts';

/** Principle 6: repeated cuts within this many days are a trust cost, flagged before the next is submitted. */
export const REPEATED_CUT_WINDOW_DAYS = 365;

/** Rules that mark an applied change as a cut in the ledger (the kinds' own rules for an adverse change). */
const cutRules: ReadonlySet<TrustRule> = new Set(['commission-cut']);

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
  /** The score now with the change's forecast events counted as if recorded today (full weight, no decay). */
  scoreAfter: number;
  flags: TrustFlag[];
}

/**
 * The partner's trust score before and after a change it is about to receive, by the same rules and ledger
 * that compute the score itself (trustScore), and the flags principle 6 asks for.
 */
export function trustOutlook(input: {
  ledger: readonly TrustLedgerEvent[];
  /** The change's forecast ledger events (forecastTrustImpact). */
  forecast: readonly Pick<TrustLedgerEvent, 'rule' | 'points' | 'explanation'>[];
  partnerId: string;
  partnerName: string;
  adverse: boolean;
  emergency: boolean;
  openChanges: readonly OpenChangeOfPartner[];
  now: Date;
}): TrustOutlook {
  const { now } = input;
  const at = now.toISOString();
  const forecastEvents: TrustLedgerEvent[] = input.forecast.map((event, index) => ({
    ...event,
    partnerId: input.partnerId,
    eventId: `forecast#${index}`,
    at,
  }));
  const flags: TrustFlag[] = [];
  if (input.forecast.some((event) => cutRules.has(event.rule))) {
    const since = now.getTime() - REPEATED_CUT_WINDOW_DAYS * DAY_MS;
    const recentCuts = input.ledger
      .filter((event) => cutRules.has(event.rule) && Date.parse(event.at) >= since)
      .sort((a, b) => b.at.localeCompare(a.at));
    const last = recentCuts[0];
    if (last) {
      flags.push({
        flag: 'repeated-cut',
        message: `${ordinal(recentCuts.length + 1)} cut in 12 months: ${input.partnerName} had a cut applied on ${toIsoDate(new Date(last.at))}.`,
        ...(last.changeId ? { changeId: last.changeId } : {}),
      });
    }
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
  // Frequent reassignment (issue 9): any change lands on a partner still getting to know its new manager, and
  // a reassignment now would be the second within 12 months (repeated-reassignment in its forecast).
  const since = now.getTime() - REPEATED_CUT_WINDOW_DAYS * DAY_MS;
  const lastReassignment = input.ledger
    .filter((event) => event.rule === 'alliance-manager-reassigned' && Date.parse(event.at) >= since)
    .sort((a, b) => b.at.localeCompare(a.at))[0];
  if (lastReassignment) {
    const months = Math.floor((now.getTime() - Date.parse(lastReassignment.at)) / (30 * DAY_MS));
    flags.push({
      flag: 'recent-reassignment',
      message: `Alliance manager changed ${months === 0 ? 'less than a month' : `${months} month${months === 1 ? '' : 's'}`} ago (${toIsoDate(new Date(lastReassignment.at))}).`,
      ...(lastReassignment.changeId ? { changeId: lastReassignment.changeId } : {}),
    });
  }
  if (input.emergency) {
    flags.push({
      flag: 'emergency-notice',
      message: 'Emergency short notice: it costs trust and needs a second approver.',
    });
  }
  return {
    scoreNow: trustScore(input.ledger, now).score,
    scoreAfter: trustScore([...input.ledger, ...forecastEvents], now).score,
    flags,
  };
}

function ordinal(n: number): string {
  const words = ['First', 'Second', 'Third', 'Fourth', 'Fifth'];
  return words[n - 1] ?? `${n}th`;
}
