import type { ChangeScope } from './rate-schedule.ts';
import type { RelationshipStage } from './relationship-stage.ts';

/** Where a commission change is in its life; the order is the order of the workflow. */
export const changeStatuses = ['submitted', 'notice-sent', 'acknowledged', 'applied'] as const;
export type ChangeStatus = (typeof changeStatuses)[number];

/** A cut is adverse (principle 1 applies); a raise benefits the partner and is not held on acknowledgement. */
export type ChangeDirection = 'cut' | 'raise';

export interface CommissionChange {
  changeId: string;
  partnerId: string;
  partnerStage: RelationshipStage;
  currentRatePct: number;
  newRatePct: number;
  direction: ChangeDirection;
  /** The day (YYYY-MM-DD) finance asked the new rate to apply from. */
  effectiveDate: string;
  rationale: string;
  scope?: ChangeScope;
  scopeKey: string;
  /** Minimum notice promised to this partner, counted from delivery (0 for a raise). */
  noticePeriodDays: number;
  submittedBy: string;
  submittedAt: string;
  status: ChangeStatus;
  notice?: DeliveredNotice;
  acknowledgement?: RecordedAcknowledgement;
  followUp: { remindersSent: number; escalated: boolean };
  appliedAt?: string;
  /** The day the new rate actually took effect: the effective date, or later if delivery came late. */
  appliedFrom?: string;
}

export interface DeliveredNotice {
  noticeId: string;
  version: number;
  contentHash: string;
  deliveredAt: string;
  /** Not before the effective date and not before the notice period has run from delivery. */
  applyAt: string;
  recipients: { contactId: string; email: string }[];
}

export interface RecordedAcknowledgement {
  noticeId: string;
  noticeVersion: number;
  contentHash: string;
  acknowledgedAt: string;
  contactId: string;
  sourceIp: string;
  userAgent: string;
}

export function directionOf(currentRatePct: number, newRatePct: number): ChangeDirection {
  return newRatePct < currentRatePct ? 'cut' : 'raise';
}

export function isAdverse(change: Pick<CommissionChange, 'direction'>): boolean {
  return change.direction === 'cut';
}
