import type { ChangeStatus } from './lifecycle.ts';
import type { RelationshipStage } from './relationship-stage.ts';

/**
 * A change on its way through the notice lifecycle. Everything here is the lifecycle's; what differs between
 * kinds of change (a commission rate, a program policy, an alliance-manager reassignment) lives in `terms`,
 * which only the change's kind reads.
 */
export interface Change<Terms = unknown> {
  changeId: string;
  /** The change kind's name (e.g. 'commission-change'): which plug-in reads `terms`. */
  kind: string;
  partnerId: string;
  partnerStage: RelationshipStage;
  terms: Terms;
  /** Worse for the partner: notice period, approval, consultation and acknowledgement all apply. */
  adverse: boolean;
  /** Two pending changes with the same key for one partner would contradict each other (409). */
  conflictKey?: string;
  /** The day (YYYY-MM-DD) the submitter asked the change to take effect from. */
  effectiveDate: string;
  /** Written for the partner and shown verbatim. */
  rationale: string;
  /** Never shown to the partner (principle 2: only fields explicitly marked internal are hidden). */
  internalNote?: string;
  /** Minimum notice promised, counted from delivery (0 for a favourable change). */
  noticePeriodDays: number;
  emergency?: EmergencyNotice;
  submittedBy: string;
  submittedAt: string;
  status: ChangeStatus;
  /** Bumped by every lifecycle write: each write is conditioned on the revision it decided on. */
  revision: number;
  approval: ApprovalState;
  consultation?: ConsultationState;
  notice?: NoticeRecord;
  acknowledgement?: AcknowledgementRecord;
  followUp: FollowUpState;
  dispute?: DisputeState;
  /** Set while held: an adverse change at its apply date without acknowledgement. */
  heldSince?: string;
  escalationResolution?: { outcome: 'proceed' | 'withdraw'; by: string; at: string; note: string };
  /** Set by a revision: the next notice keeps this apply date (a revision better for the partner). */
  revisionPlan?: { keepApplyAt?: string; comparedToPrevious: 'worse' | 'better' | 'same' };
  withdrawal?: { by: string; at: string; reason: string };
  appliedAt?: string;
  /** The day the change actually took effect (the effective date, or later if delivery came late). */
  appliedFrom?: string;
  failure?: { at: string; error: string; cause: string; failedFrom: ChangeStatus; attempt: number };
}

export interface EmergencyNotice {
  justification: string;
  /** The stage's normal notice period that this emergency shortens. */
  standardNoticeDays: number;
}

export interface ApprovalDecision {
  by: string;
  at: string;
  comment: string;
}

export interface ApprovalState {
  /** 0 when no approval is needed; 2 for an emergency (a second approver). */
  required: number;
  approvals: ApprovalDecision[];
  rejection?: ApprovalDecision;
  /** Approval not given by then expires the change. */
  expiresAt?: string;
}

export interface ConsultationState {
  required: 'alliance-manager-call' | 'joint-review';
  requestedAt: string;
  remindersSent: number;
  recorded?: {
    by: string;
    heldOn: string;
    participants: string[];
    summary: string;
    recordedAt: string;
  };
}

export interface NoticeRecipient {
  contactId: string;
  name: string;
  email: string;
  role: 'primary' | 'fallback';
  /** When the email provider accepted this recipient's message. */
  deliveredAt?: string;
  /** The provider reported a hard bounce or a complaint: this address is not written to again about it. */
  unreachable?: { at: string; reason: 'bounce' | 'complaint'; detail: string };
}

export interface NoticeRecord {
  noticeId: string;
  version: number;
  contentHash: string;
  /** When the notice was committed (before any email about it left). */
  issuedAt: string;
  /** When the last primary recipient's email was accepted by the provider; the notice period counts from it. */
  deliveredAt?: string;
  /** Not before the effective date and not before the notice period has run from delivery. */
  applyAt: string;
  /** In plain words, why the apply date is what it is (e.g. approval delayed the notice). */
  applyAtReason: string;
  recipients: NoticeRecipient[];
}

export interface AcknowledgementRecord {
  noticeId: string;
  noticeVersion: number;
  contentHash: string;
  acknowledgedAt: string;
  contactId: string;
  sourceIp: string;
  userAgent: string;
}

export interface FollowUpState {
  remindersSent: number;
  escalatedAt?: string;
  /** Reminders sent to the alliance manager while the change is held. */
  heldRemindersSent?: number;
}

export interface DisputeOwner {
  userId: string;
  name: string;
  email: string;
}

export type DisputeOutcome =
  | { outcome: 'upheld'; answer: string }
  | { outcome: 'revised'; answer: string; comparedToPrevious: 'worse' | 'better' | 'same' }
  | { outcome: 'withdrawn'; answer: string };

export interface DisputeState {
  disputeId: string;
  noticeId: string;
  contactId: string;
  comment: string;
  raisedAt: string;
  owner: DisputeOwner;
  dueAt: string;
  /** Reminders before the deadline (one, a few days before it). */
  remindersSent: number;
  escalatedAt?: string;
  /** Reminders after the escalation, while still unanswered. */
  overdueRemindersSent?: number;
  /** The status the change was in when the concern paused it (adverse changes only). */
  pausedFrom?: ChangeStatus;
  resolution?: DisputeOutcome & { by: string; at: string };
}

export function isDisputeOpen(change: Pick<Change, 'dispute'>): boolean {
  return change.dispute !== undefined && change.dispute.resolution === undefined;
}

/** The partner acknowledged the notice currently in force (not an earlier version). */
export function isCurrentNoticeAcknowledged(change: Pick<Change, 'notice' | 'acknowledgement'>): boolean {
  return (
    change.notice !== undefined &&
    change.acknowledgement !== undefined &&
    change.acknowledgement.noticeId === change.notice.noticeId
  );
}
