import { transitionAllowed } from '../domain/lifecycle.ts';
import { judgeRationale } from '../domain/rationale.ts';
import { earliestEffectiveDate, effectiveDateWindowViolation } from '../domain/submission-rules.ts';
import type { SegmentPreview } from './segment.ts';

/**
 * A policy change's statuses and the steps between them, as data (like functions/domain/lifecycle.ts for a
 * change to one partner). After approval the workflow (workflows/policy-change.asl.json) sends the notice
 * (`notifying` until its round is done), reminds and escalates while `notified`, and at the day it takes
 * effect records every partner's outcome (`in-effect`); a withdrawal tells everyone notified first
 * (`withdrawing`, then `withdrawn`).
 */
export const policyChangeStatuses = [
  'awaiting-approval',
  'approved',
  'rejected',
  'notifying',
  'notified',
  'withdrawing',
  'withdrawn',
  'in-effect',
  'workflow-failed',
] as const;
export type PolicyChangeStatus = (typeof policyChangeStatuses)[number];

/** The statuses a policy change never leaves. */
export const finalPolicyStatuses: ReadonlySet<PolicyChangeStatus> = new Set([
  'rejected',
  'withdrawn',
  'in-effect',
  'workflow-failed',
]);

export const policyChangeTransitions = [
  // An adverse change waits for a second person; a favourable one needs no approval (as for one partner).
  { event: 'submit', from: [], to: ['awaiting-approval', 'approved'] },
  { event: 'approve', from: ['awaiting-approval'], to: ['approved'] },
  { event: 'reject', from: ['awaiting-approval'], to: ['rejected'] },
  // A round planned or completed, a wait parked: the workflow's own bookkeeping, status unchanged.
  {
    event: 'round',
    from: ['approved', 'notifying', 'notified', 'withdrawing'],
    to: ['notifying', 'notified', 'withdrawing'],
  },
  { event: 'notice-sent', from: ['notifying'], to: ['notified'] },
  // A revision is a new notice version to everyone: its notice round starts again.
  { event: 'revise', from: ['notifying', 'notified'], to: ['notifying'] },
  { event: 'withdraw', from: ['approved', 'notifying', 'notified'], to: ['withdrawing'] },
  { event: 'withdrawn', from: ['withdrawing'], to: ['withdrawn'] },
  { event: 'take-effect', from: ['notified'], to: ['in-effect'] },
  { event: 'fail', from: ['approved', 'notifying', 'notified', 'withdrawing'], to: ['workflow-failed'] },
] as const satisfies readonly {
  event: string;
  from: readonly PolicyChangeStatus[];
  to: readonly PolicyChangeStatus[];
}[];
export type PolicyChangeEvent = (typeof policyChangeTransitions)[number]['event'];

export function isPolicyTransitionAllowed(
  event: PolicyChangeEvent,
  from: PolicyChangeStatus | undefined,
  to: PolicyChangeStatus,
): boolean {
  return transitionAllowed<PolicyChangeStatus, PolicyChangeEvent>(policyChangeTransitions, event, from, to);
}

/** Where a submitted policy change starts: adverse needs a second person's approval (maker-checker). */
export function initialPolicyStatus(adverse: boolean): PolicyChangeStatus {
  return adverse ? 'awaiting-approval' : 'approved';
}

export interface PolicyRuleViolation {
  field: string;
  rule:
    | 'empty-segment'
    | 'unknown-partners'
    | 'invalid-date'
    | 'notice-period'
    | 'retroactive'
    | 'too-far-ahead'
    | 'rationale';
  reason: string;
}

export interface PolicyVerdict {
  violations: PolicyRuleViolation[];
  noticeDays: number;
  earliestEffectiveDate: string;
}

/**
 * The rules a policy change must meet before it is recorded: it reaches somebody, every partner it names
 * exists, its effective date leaves the longest notice any stage in the segment requires (and is neither in
 * the past nor beyond the horizon every kind of change has), and its rationale explains.
 */
export function evaluatePolicyChange(input: {
  adverse: boolean;
  effectiveDate: string;
  rationale: string;
  now: Date;
  preview: Pick<SegmentPreview, 'targeted' | 'noticeDays' | 'unknownPartnerIds'>;
}): PolicyVerdict {
  const { preview, now } = input;
  const violations: PolicyRuleViolation[] = [];
  if (preview.unknownPartnerIds.length > 0) {
    const shown = preview.unknownPartnerIds.slice(0, 10).join(', ');
    const more =
      preview.unknownPartnerIds.length > 10 ? ` and ${preview.unknownPartnerIds.length - 10} more` : '';
    violations.push({
      field: 'segment.partnerIds',
      rule: 'unknown-partners',
      reason: `Not in the directory: ${shown}${more}. Fix or remove them, so nobody meant to be told is left out.`,
    });
  } else if (preview.targeted === 0) {
    violations.push({
      field: 'segment',
      rule: 'empty-segment',
      reason: 'The segment reaches no partner: a policy change must reach at least one.',
    });
  }
  const earliest = earliestEffectiveDate(input.adverse, now, preview.noticeDays);
  const window = effectiveDateWindowViolation(input.effectiveDate, now);
  if (window) {
    violations.push(window);
  } else if (input.effectiveDate < earliest) {
    violations.push({
      field: 'effectiveDate',
      rule: 'notice-period',
      reason: `The segment's longest notice period is ${preview.noticeDays} days: the earliest effective date is ${earliest}.`,
    });
  }
  const rationale = judgeRationale(input.rationale);
  if (!rationale.ok) violations.push({ field: 'rationale', rule: 'rationale', reason: rationale.reason });
  return { violations, noticeDays: preview.noticeDays, earliestEffectiveDate: earliest };
}
