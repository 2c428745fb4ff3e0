import { decideFollowUp, nextCheckAt } from './acknowledgement-follow-up.ts';
import { addDays, DAY_MS } from './calendar.ts';
import { type Change, isCurrentNoticeAcknowledged, isDisputeOpen } from './change.ts';
import { isAllowed, isTerminal } from './lifecycle.ts';
import type { LifecyclePolicy } from './lifecycle-policy.ts';

/**
 * What the clock asks of a change: the deadlines that have passed (each an action the lifecycle takes once)
 * and when to look again. Pure, so the workflow's single wait can time out at exactly the next deadline of
 * whatever the change is waiting for — an approval, a consultation, an acknowledgement, a dispute's answer or
 * the apply date — and every concurrent timer (a dispute's deadline while a notice awaits acknowledgement)
 * is honoured without a second wait.
 */
export type DueAction =
  | { action: 'expire-approval' }
  | { action: 'remind-consultation'; reminderNumber: number }
  | { action: 'remind'; reminderNumber: number }
  | { action: 'escalate' }
  | { action: 'hold' }
  | { action: 'remind-held'; reminderNumber: number }
  | { action: 'remind-dispute'; reminderNumber: number; overdue: boolean }
  | { action: 'escalate-dispute' };

/** What the workflow does next: a named step, wait for an event or the next deadline, or finish. */
export type NextStep = 'send-notice' | 'apply' | 'advance' | 'wait' | 'end';

export interface Agenda {
  next: NextStep;
  /** Deadlines passed and not yet handled, in the order to handle them. */
  due: DueAction[];
  /** The next deadline after now (undefined when only a person's action can move the change). */
  nextAt?: Date;
}

function earliest(dates: readonly (Date | undefined)[]): Date | undefined {
  let best: Date | undefined;
  for (const date of dates) if (date && (!best || date < best)) best = date;
  return best;
}

/** Reminder n (1-based) of a series that starts `every` days after `from`. */
function seriesAt(from: string, every: number, n: number): Date {
  return addDays(new Date(from), every * n);
}

function disputeAgenda(change: Change, policy: LifecyclePolicy, now: Date): Omit<Agenda, 'next'> {
  const dispute = change.dispute;
  if (!dispute || !isDisputeOpen(change)) return { due: [] };
  const dueAt = new Date(dispute.dueAt);
  if (!dispute.escalatedAt) {
    if (dueAt <= now) return { due: [{ action: 'escalate-dispute' }] };
    const reminderAt = addDays(dueAt, -policy.disputeReminderDaysBefore);
    if (dispute.remindersSent === 0 && reminderAt <= now) {
      return { due: [{ action: 'remind-dispute', reminderNumber: 1, overdue: false }], nextAt: dueAt };
    }
    return { due: [], nextAt: dispute.remindersSent === 0 ? reminderAt : dueAt };
  }
  // Escalated and still unanswered: the owner is reminded at a steady pace until an outcome is recorded.
  const every = policy.openTaskReminderDays;
  const sent = dispute.overdueRemindersSent ?? 0;
  const elapsed = Math.floor((now.getTime() - dueAt.getTime()) / (every * DAY_MS));
  const nextAt = seriesAt(dispute.dueAt, every, Math.max(elapsed, sent) + 1);
  if (elapsed > sent) {
    return { due: [{ action: 'remind-dispute', reminderNumber: elapsed, overdue: true }], nextAt };
  }
  return { due: [], nextAt };
}

function statusAgenda(change: Change, policy: LifecyclePolicy, now: Date): Agenda {
  const stage = policy.stages[change.partnerStage];
  switch (change.status) {
    case 'awaiting-approval': {
      const expiresAt = change.approval.expiresAt ? new Date(change.approval.expiresAt) : undefined;
      if (expiresAt && expiresAt <= now) return { next: 'wait', due: [{ action: 'expire-approval' }] };
      return { next: 'wait', due: [], ...(expiresAt ? { nextAt: expiresAt } : {}) };
    }
    case 'awaiting-consultation': {
      const consultation = change.consultation;
      if (!consultation) return { next: 'wait', due: [] };
      const every = policy.consultationReminderDays;
      const elapsed = Math.floor((now.getTime() - Date.parse(consultation.requestedAt)) / (every * DAY_MS));
      const nextAt = seriesAt(
        consultation.requestedAt,
        every,
        Math.max(elapsed, consultation.remindersSent) + 1,
      );
      if (elapsed > consultation.remindersSent) {
        return { next: 'wait', due: [{ action: 'remind-consultation', reminderNumber: elapsed }], nextAt };
      }
      return { next: 'wait', due: [], nextAt };
    }
    case 'notice-due':
      return { next: 'send-notice', due: [] };
    case 'notice-sent': {
      const notice = change.notice;
      if (!notice) return { next: 'wait', due: [] };
      const applyAt = new Date(notice.applyAt);
      const followUp = {
        deliveredAt: new Date(notice.deliveredAt ?? notice.issuedAt),
        remindersSent: change.followUp.remindersSent,
        escalated: change.followUp.escalatedAt !== undefined,
      };
      const decision = decideFollowUp(stage, followUp, now);
      const due: DueAction[] = [];
      if (decision.action === 'remind')
        due.push({ action: 'remind', reminderNumber: decision.reminderNumber ?? 1 });
      if (decision.action === 'escalate') due.push({ action: 'escalate' });
      if (applyAt <= now) due.push({ action: 'hold' });
      const nextAt = earliest([nextCheckAt(stage, followUp, now), applyAt > now ? applyAt : undefined]);
      return { next: 'wait', due, ...(nextAt ? { nextAt } : {}) };
    }
    case 'escalated': {
      const applyAt = change.notice ? new Date(change.notice.applyAt) : undefined;
      if (applyAt && applyAt <= now) return { next: 'wait', due: [{ action: 'hold' }] };
      return { next: 'wait', due: [], ...(applyAt ? { nextAt: applyAt } : {}) };
    }
    case 'held': {
      const since = change.heldSince ?? now.toISOString();
      const sent = change.followUp.heldRemindersSent ?? 0;
      const every = policy.openTaskReminderDays;
      const elapsed = Math.floor((now.getTime() - Date.parse(since)) / (every * DAY_MS));
      const nextAt = seriesAt(since, every, Math.max(elapsed, sent) + 1);
      if (elapsed > sent)
        return { next: 'wait', due: [{ action: 'remind-held', reminderNumber: elapsed }], nextAt };
      return { next: 'wait', due: [], nextAt };
    }
    case 'scheduled': {
      const applyAt = change.notice ? new Date(change.notice.applyAt) : undefined;
      if (applyAt && applyAt <= now) return { next: 'apply', due: [] };
      return { next: 'wait', due: [], ...(applyAt ? { nextAt: applyAt } : {}) };
    }
    case 'disputed':
      return { next: 'wait', due: [] };
    default:
      // Terminal, or failed (an operator retries it).
      return { next: 'end', due: [] };
  }
}

/** Everything the clock asks of `change` at `now`. */
export function agendaOf(change: Change, policy: LifecyclePolicy, now: Date): Agenda {
  // A notice committed whose delivery was never recorded (the process died between the two, and the emails
  // went out with the pending sweep): the SendNotice step finishes it, so the period counts from delivery.
  if (
    change.notice &&
    !change.notice.deliveredAt &&
    !isTerminal(change.status) &&
    isAllowed('record-delivery', change.status, change.status)
  )
    return { next: 'send-notice', due: [] };
  const own = statusAgenda(change, policy, now);
  const dispute = disputeAgenda(change, policy, now);
  // A favourable change applied while its concern is still open keeps its workflow until the concern is answered.
  const next =
    own.next === 'end' && isTerminal(change.status) && change.status !== 'withdrawn' && isDisputeOpen(change)
      ? 'wait'
      : own.next;
  const due = [...own.due, ...dispute.due];
  const nextAt = earliest([own.nextAt, dispute.nextAt]);
  return { next: due.length > 0 && next === 'wait' ? 'advance' : next, due, ...(nextAt ? { nextAt } : {}) };
}

/** What falls due at `at` for a change in its status, in words for lists and the change view. */
function deadlineWords(change: Change, policy: LifecyclePolicy, at: Date): string {
  const dispute = change.dispute && isDisputeOpen(change) ? change.dispute : undefined;
  if (
    dispute &&
    at.toISOString() === disputeAgenda(change, policy, new Date(at.getTime() - 1)).nextAt?.toISOString()
  ) {
    return at.toISOString() === dispute.dueAt
      ? "dispute owner's answer due"
      : 'reminder to the dispute owner';
  }
  const notice = change.notice;
  switch (change.status) {
    case 'awaiting-approval':
      return 'approval expires';
    case 'awaiting-consultation':
      return 'consultation reminder to the alliance manager';
    case 'notice-sent': {
      if (notice && at.toISOString() === notice.applyAt) return 'apply date (held if still unacknowledged)';
      const day = Math.round(
        (at.getTime() - Date.parse(notice?.deliveredAt ?? notice?.issuedAt ?? '')) / DAY_MS,
      );
      return day === policy.stages[change.partnerStage].escalationDay
        ? 'escalation to the alliance manager if still unacknowledged'
        : 'acknowledgement reminder';
    }
    case 'escalated':
      return 'apply date (held if still unacknowledged)';
    case 'held':
      return 'reminder to the alliance manager (held: needs acknowledgement or a decision)';
    case 'scheduled':
      return 'apply date';
    default:
      return change.status;
  }
}

/** The next deadline in words, for lists and the change view ("acknowledgement reminder" at …). */
export function nextDeadlineOf(
  change: Change,
  policy: LifecyclePolicy,
  now: Date,
): { at: string; what: string } | undefined {
  const agenda = agendaOf(change, policy, now);
  if (agenda.next === 'end') return undefined;
  if (agenda.next === 'send-notice') return { at: now.toISOString(), what: 'notice to be sent' };
  if (agenda.due.length > 0) return { at: now.toISOString(), what: `due now: ${agenda.due[0]!.action}` };
  if (!agenda.nextAt) return undefined;
  return { at: agenda.nextAt.toISOString(), what: deadlineWords(change, policy, agenda.nextAt) };
}

/** Whether the partner still has something to do on the current notice. */
export function awaitsAcknowledgement(change: Change): boolean {
  return change.adverse && change.notice !== undefined && !isCurrentNoticeAcknowledged(change);
}
