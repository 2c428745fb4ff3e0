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

/** An example the partner can picture: the commission on a round sale before and after. */
export function exampleImpact(
  terms: Pick<CommissionTerms, 'currentRatePct' | 'newRatePct'>,
  saleAmount = 10_000,
): string {
  const money = (value: number) =>
    value.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
  const before = Math.round(saleAmount * terms.currentRatePct) / 100;
  const after = Math.round(saleAmount * terms.newRatePct) / 100;
  return `On a ${money(saleAmount)} sale booked once it takes effect, your commission is ${money(after)} instead of ${money(before)}.`;
}
