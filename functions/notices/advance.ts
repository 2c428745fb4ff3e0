import type { TransactItem } from '../adapters/dynamodb/audited-transaction.ts';
import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { agendaOf, type DueAction } from '../domain/agenda.ts';
import type { Partner } from '../domain/partner.ts';
import { type TrustEventSource, type TrustRule, trustEvent } from '../domain/trust-rules.ts';
import { type ActOutcome, act, type Decision } from './act.ts';
import {
  approvalDecisionEmail,
  consultationEmail,
  disputeEscalationEmail,
  disputeReminderEmail,
  escalationEmail,
  heldReminderEmail,
  type Recipient,
} from './emails.ts';
import { fallbackNoticePlan, noticeInForce } from './fallback-contacts.ts';
import { progressOf, type WorkflowProgress } from './progress.ts';
import { ChangeNotFound, noticeEmails, partnerOf } from './send-notice.ts';

/**
 * Bound on the deadlines handled in one call. Each handled deadline moves the change's agenda on, so only a
 * long outage leaves several due at once (a reminder, the escalation, the hold and a dispute's escalation at
 * most): ten is ample, and a change that still has something due is advanced again by the workflow at once.
 */
export const MAX_ACTIONS_PER_ADVANCE = 10;

/**
 * Workflow step when a wait times out: handles every deadline of the change that has passed — an approval
 * expiring, a consultation reminder, an acknowledgement reminder or escalation, a hold at the apply date, a
 * dispute's reminder or escalation — each once, with its emails, trust cost and audit entry, then says what
 * the workflow does next. (Emails a crashed step left queued are the sweep's: see
 * start-pending-workflows.ts.)
 */
export async function advance(deps: Dependencies, changeId: string): Promise<WorkflowProgress> {
  const stored = await deps.changes.get(changeId);
  if (!stored) throw new ChangeNotFound(`No change ${changeId}`);
  let change: StoredChange = stored;
  for (let handled = 0; handled < MAX_ACTIONS_PER_ADVANCE; handled += 1) {
    const first = agendaOf(change, deps.policy, deps.clock.now()).due[0];
    if (!first) break;
    const outcome: ActOutcome<undefined, 'not-due'> = await act(
      deps,
      changeId,
      (current, now) => decideDeadline(deps, current, now, first),
      {
        fromWorkflow: true,
        known: change,
      },
    );
    if (outcome.ok) change = outcome.change;
    else if (outcome.refusal === 'not-due' && outcome.change) change = outcome.change;
    else break;
  }
  return progressOf(change, deps.policy, deps.clock.now());
}

function sameAction(a: DueAction, b: DueAction): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

type DeadlineDecision = Decision<undefined, 'not-due'>;

/** Decides one due action on the change as stored (re-checked: a retry or a race finds it no longer due). */
async function decideDeadline(
  deps: Dependencies,
  change: StoredChange,
  now: Date,
  action: DueAction,
): Promise<DeadlineDecision> {
  if (!agendaOf(change, deps.policy, now).due.some((due) => sameAction(due, action)))
    return { refuse: 'not-due' };
  const partner = await partnerOf(deps, change);
  const ledger: LedgerWrite = (rule, cause, source) =>
    deps.trust.recordEvents([
      trustEvent(rule, {
        partnerId: change.partnerId,
        stage: change.partnerStage,
        at: now,
        cause,
        source,
        changeId: change.changeId,
      }),
    ]);
  switch (action.action) {
    case 'expire-approval': {
      const submitter = await recipientOf(deps, change.submittedBy);
      return {
        event: 'expire-approval',
        to: 'approval-expired',
        audit: {
          type: 'approval-expired',
          actor: 'workflow',
          details: { expiresAt: change.approval.expiresAt },
        },
        items: releaseLock(deps, change),
        messages: submitter
          ? [approvalDecisionEmail(deps, change, partner, submitter, { outcome: 'expired' })]
          : [],
        result: undefined,
      };
    }
    case 'remind-consultation':
      return {
        event: 'remind-consultation',
        to: 'awaiting-consultation',
        patch: { consultation: { ...change.consultation!, remindersSent: action.reminderNumber } },
        audit: {
          type: 'consultation-reminder-sent',
          actor: 'workflow',
          details: { reminderNumber: action.reminderNumber, allianceManager: partner.allianceManager.userId },
        },
        messages: [consultationEmail(deps, change, partner, action.reminderNumber)],
        result: undefined,
      };
    case 'remind':
      return remind(deps, change, action.reminderNumber, ledger);
    case 'escalate':
      return escalate(deps, change, partner, now, ledger);
    case 'hold':
      return {
        event: 'hold',
        to: 'held',
        patch: { heldSince: now.toISOString(), followUp: { ...change.followUp, heldRemindersSent: 0 } },
        audit: {
          type: 'change-held',
          actor: 'workflow',
          details: {
            applyAt: change.notice?.applyAt,
            reason: 'adverse change not acknowledged by its apply date',
          },
        },
        messages: [heldReminderEmail(deps, { ...change, heldSince: now.toISOString() }, partner, 0)],
        result: undefined,
      };
    case 'remind-held':
      return {
        event: 'remind-held',
        to: 'held',
        patch: { followUp: { ...change.followUp, heldRemindersSent: action.reminderNumber } },
        audit: {
          type: 'held-reminder-sent',
          actor: 'workflow',
          details: { reminderNumber: action.reminderNumber },
        },
        messages: [heldReminderEmail(deps, change, partner, action.reminderNumber)],
        result: undefined,
      };
    case 'remind-dispute': {
      const dispute = change.dispute!;
      return {
        event: 'remind-dispute',
        to: change.status,
        patch: {
          dispute: action.overdue
            ? { ...dispute, overdueRemindersSent: action.reminderNumber }
            : { ...dispute, remindersSent: action.reminderNumber },
        },
        audit: {
          type: 'dispute-reminder-sent',
          actor: 'workflow',
          details: {
            disputeId: dispute.disputeId,
            reminderNumber: action.reminderNumber,
            overdue: action.overdue,
          },
        },
        messages: [
          disputeReminderEmail(deps, change, partner, dispute, action.reminderNumber, action.overdue),
        ],
        result: undefined,
      };
    }
    case 'escalate-dispute': {
      const dispute = change.dispute!;
      const people = [change.submittedBy, ...change.approval.approvals.map((approval) => approval.by)];
      const found = (
        await Promise.all([...new Set(people)].map((userId) => recipientOf(deps, userId)))
      ).filter((recipient): recipient is Recipient => recipient !== undefined);
      return {
        event: 'escalate-dispute',
        to: change.status,
        patch: { dispute: { ...dispute, escalatedAt: now.toISOString() } },
        audit: {
          type: 'dispute-escalated',
          actor: 'workflow',
          details: { disputeId: dispute.disputeId, dueAt: dispute.dueAt, to: found.map((r) => r.email) },
        },
        messages: [
          disputeEscalationEmail(deps, change, partner, dispute, found.length > 0 ? found : [dispute.owner]),
        ],
        result: undefined,
      };
    }
  }
}

async function remind(
  deps: Dependencies,
  change: StoredChange,
  reminderNumber: number,
  ledger: LedgerWrite,
): Promise<DeadlineDecision> {
  const notice = change.notice!;
  const content = await noticeInForce(deps, change);
  // Not to an address the provider reported bounced or complained (functions/email-feedback/record-feedback.ts).
  const recipients = notice.recipients.filter(
    (recipient) => recipient.role === 'primary' && !recipient.unreachable,
  );
  const preface = `Reminder ${reminderNumber}: we have not yet received your acknowledgement of this notice.`;
  return {
    event: 'remind',
    to: 'notice-sent',
    patch: { followUp: { ...change.followUp, remindersSent: reminderNumber } },
    audit: {
      type: 'reminder-sent',
      actor: 'workflow',
      details: { noticeId: notice.noticeId, reminderNumber, recipients: recipients.map((r) => r.contactId) },
    },
    items: ledger('reminder-needed', `${notice.noticeId}#reminder-${reminderNumber}`, {
      type: 'reminder-sent',
      id: notice.noticeId,
    }),
    messages: await noticeEmails(deps, change, content, recipients, new Date(notice.applyAt), {
      kind: 'reminder',
      tag: `reminder-${reminderNumber}`,
      preface,
      subject: (subject) => `Reminder ${reminderNumber}: please acknowledge — ${subject}`,
    }),
    result: undefined,
  };
}

async function escalate(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  now: Date,
  ledger: LedgerWrite,
): Promise<DeadlineDecision> {
  const notice = change.notice!;
  // The fallback contacts are told too (principle 4): silence is never just one inbox.
  const preface = `You are receiving this notice because ${partner.name}'s primary contact has not acknowledged it. Please read it and acknowledge it, or raise a concern.`;
  const fallback = await fallbackNoticePlan(deps, change, partner, preface);
  return {
    event: 'escalate',
    to: 'escalated',
    patch: {
      followUp: { ...change.followUp, escalatedAt: now.toISOString() },
      notice: { ...notice, recipients: fallback.recipients },
    },
    audit: {
      type: 'escalated-to-alliance-manager',
      actor: 'workflow',
      details: {
        noticeId: notice.noticeId,
        allianceManager: partner.allianceManager,
        fallbackContacts: fallback.fallbacks.map((contact) => contact.contactId),
      },
    },
    items: ledger('escalation-needed', `${notice.noticeId}#escalation`, {
      type: 'escalated',
      id: notice.noticeId,
    }),
    messages: [escalationEmail(deps, change, partner), ...fallback.messages],
    result: undefined,
  };
}

/** A step's one ledger entry (with its summary update): the items of its transaction. */
type LedgerWrite = (rule: TrustRule, cause: string, source: TrustEventSource) => TransactItem[];

/** A member of staff as an email recipient, if the directory knows them. */
export async function recipientOf(deps: Dependencies, userId: string): Promise<Recipient | undefined> {
  const member = await deps.staff.get(userId);
  return member ? { name: member.name, email: member.email } : undefined;
}

/** The conflict lock of a change that ends (applied, withdrawn, rejected, expired). */
export function releaseLock(deps: Dependencies, change: StoredChange) {
  return change.conflictKey
    ? [deps.changes.releaseConflict(change.partnerId, change.conflictKey, change.changeId)]
    : [];
}
