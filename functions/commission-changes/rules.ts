import type { NoticeExample } from '../domain/notice.ts';
import type { ChangeScope } from '../domain/rate-schedule.ts';
import type { RuleViolation } from '../domain/submission-rules.ts';

/** A cut is adverse (principle 1 applies); a raise benefits the partner and is not held on acknowledgement. */
export type CommissionDirection = 'cut' | 'raise';

/** What a commission change says, as the commission kind stores it in the change's terms. */
export interface CommissionTerms {
  currentRatePct: number;
  newRatePct: number;
  direction: CommissionDirection;
  scope?: ChangeScope;
  /** Canonical key of the scope ('all', 'products:edge,storage' …): the rate schedule's scope. */
  scopeKey: string;
}

export function directionOf(currentRatePct: number, newRatePct: number): CommissionDirection {
  return newRatePct < currentRatePct ? 'cut' : 'raise';
}

export interface CommissionProposal {
  currentRatePct: number;
  newRatePct: number;
}

export type CommissionVerdict =
  | { accepted: true; direction: CommissionDirection; needsApproval: boolean }
  | { accepted: false; conflict: boolean; violations: RuleViolation[] };

/**
 * The commission kind's own rules: the submitter's view of the rate in force must be current (else a
 * conflict: reload), the new rate must differ, and a raise larger than the configured size needs an approver
 * like a cut does. Dates, notice periods and the rationale are the lifecycle's rules (domain/submission-rules).
 */
export function evaluateCommissionChange(
  proposal: CommissionProposal,
  context: { rateInForcePct: number; raiseApprovalAbovePoints: number },
): CommissionVerdict {
  if (proposal.currentRatePct !== context.rateInForcePct) {
    return {
      accepted: false,
      conflict: true,
      violations: [
        {
          field: 'currentRatePct',
          rule: 'stale-rate',
          reason: `The rate in force is ${context.rateInForcePct}%, not ${proposal.currentRatePct}%: reload the partner and submit against the current rate.`,
        },
      ],
    };
  }
  if (proposal.newRatePct === proposal.currentRatePct) {
    return {
      accepted: false,
      conflict: false,
      violations: [
        {
          field: 'newRatePct',
          rule: 'no-change',
          reason: `The new rate equals the rate in force (${proposal.currentRatePct}%): there is nothing to announce.`,
        },
      ],
    };
  }
  const direction = directionOf(proposal.currentRatePct, proposal.newRatePct);
  const raise = proposal.newRatePct - proposal.currentRatePct;
  return {
    accepted: true,
    direction,
    needsApproval: direction === 'raise' && raise > context.raiseApprovalAbovePoints + 1e-9,
  };
}

/** How revised terms compare for the partner with the terms announced: a lower rate is worse. */
export function compareRates(
  announcedNewRatePct: number,
  revisedNewRatePct: number,
): 'worse' | 'better' | 'same' {
  if (revisedNewRatePct < announcedNewRatePct) return 'worse';
  if (revisedNewRatePct > announcedNewRatePct) return 'better';
  return 'same';
}

/**
 * The commission on an amount of bookings at a rate, in cents. Rates have at most two decimals (the request
 * schema's rule), so the rate is taken as whole hundredths of a point and the product is exact integer
 * arithmetic: 10,000 × 0.29 in floating point is 2899.9999…, and a half cent must round the same way always.
 */
export function commissionCents(amount: number, ratePct: number): number {
  const hundredths = Math.round(ratePct * 100);
  return Math.round((amount * hundredths) / 100);
}

/** "$1,200" for whole amounts, "$1,200.50" otherwise: the way a person writes money. */
export function formatDollars(cents: number): string {
  const whole = cents % 100 === 0;
  return (cents / 100).toLocaleString('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  });
}

/**
 * What the change means in money on a round amount the partner can picture: "Per $10,000 of bookings:
 * $1,200 → $1,100". Part of the notice content, so the partner's acknowledgement covers these numbers too.
 */
export function moneyExample(
  terms: Pick<CommissionTerms, 'currentRatePct' | 'newRatePct'>,
  bookings = 10_000,
): NoticeExample {
  return {
    label: `Per ${formatDollars(bookings * 100)} of bookings`,
    before: formatDollars(commissionCents(bookings, terms.currentRatePct)),
    after: formatDollars(commissionCents(bookings, terms.newRatePct)),
  };
}
