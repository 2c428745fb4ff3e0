import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { EmailKind, OutgoingEmail } from '../adapters/email/notice-mailer.ts';
import type { Dependencies } from '../dependencies.ts';
import type { DisputeState } from '../domain/change.ts';
import { humanDate, plainEmail, type RenderedEmail } from '../domain/notice.ts';
import type { Partner } from '../domain/partner.ts';
import { kindOf } from './change-kind.ts';

/**
 * The lifecycle's emails other than the notice itself: to staff (approvals, consultations, escalations,
 * disputes) and to partner contacts (answers, withdrawals). Each has a deterministic message id naming its
 * cause, so a retried step never sends it twice.
 */
export interface Recipient {
  name: string;
  email: string;
}

function email(
  kind: EmailKind,
  messageId: string,
  changeId: string,
  to: Recipient[],
  rendered: RenderedEmail,
  links: string[] = [],
): OutgoingEmail {
  // Only a name and an address go into a message, whatever else the person's record holds.
  return {
    messageId,
    kind,
    changeId,
    to: to.map(({ name, email: address }) => ({ name, email: address })),
    ...rendered,
    links,
  };
}

/** One line naming the change for staff: "commission 12% → 11% (all products and accounts) for Northwind". */
export function describeChange(
  deps: Pick<Dependencies, 'kinds'>,
  change: StoredChange,
  partner: Partner,
): string {
  return `${kindOf(deps, change.kind).describe(change.terms)} for ${partner.name}`;
}

function apiLink(deps: Dependencies, changeId: string): string {
  return `${deps.publicBaseUrl}/api/changes/${encodeURIComponent(changeId)}`;
}

export function approvalRequestEmails(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  approvers: Recipient[],
): OutgoingEmail[] {
  const what = describeChange(deps, change, partner);
  const paragraphs = [
    `${change.submittedBy} asks for your approval of a ${change.adverse ? 'change worse for the partner' : 'change'}: ${what}, effective ${change.effectiveDate}.`,
    ...(change.emergency
      ? [
          `EMERGENCY short notice (${change.noticePeriodDays} days instead of ${change.emergency.standardNoticeDays}): it needs ${change.approval.required} approvers. Justification: ${change.emergency.justification}`,
        ]
      : []),
    `Rationale the partner will read: ${change.rationale}`,
    ...(change.internalNote ? [`Internal note (not shown to the partner): ${change.internalNote}`] : []),
    `No notice goes out before it is approved. Approve or reject it with a comment: \`pcn approve ${change.changeId} --comment "…"\` or \`pcn reject ${change.changeId} --comment "…"\`. It expires on ${change.approval.expiresAt?.slice(0, 10) ?? 'its expiry date'} if nobody decides.`,
  ];
  return approvers.map((approver) =>
    email(
      'approval-request',
      `${change.changeId}#approval-request#${approver.email}`,
      change.changeId,
      [approver],
      plainEmail(`Approval needed: ${what}`, [`Dear ${approver.name},`, '', ...paragraphs]),
      [apiLink(deps, change.changeId)],
    ),
  );
}

export function approvalDecisionEmail(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  submitter: Recipient,
  decision: { outcome: 'approved' | 'rejected' | 'expired'; by?: string; comment?: string },
): OutgoingEmail {
  const what = describeChange(deps, change, partner);
  const lines = {
    approved: `Your change (${what}) is approved by ${decision.by}: ${decision.comment ?? ''}`,
    rejected: `Your change (${what}) was rejected by ${decision.by}: ${decision.comment ?? ''}`,
    expired: `Your change (${what}) was not approved in time and has expired. Nothing was sent to the partner; submit it again if it is still needed.`,
  }[decision.outcome];
  return email(
    'approval-decision',
    `${change.changeId}#approval-${decision.outcome}`,
    change.changeId,
    [submitter],
    plainEmail(`Change ${decision.outcome}: ${what}`, [`Dear ${submitter.name},`, '', lines]),
  );
}

export function consultationEmail(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  reminderNumber: number,
): OutgoingEmail {
  const manager = partner.allianceManager;
  const what = describeChange(deps, change, partner);
  const form = change.consultation?.required === 'joint-review' ? 'joint review' : 'call';
  const kind: EmailKind = reminderNumber === 0 ? 'consultation-request' : 'consultation-reminder';
  const subject =
    reminderNumber === 0
      ? `Consultation needed before notice: ${what}`
      : `Reminder ${reminderNumber}: consultation still needed before notice: ${what}`;
  return email(
    kind,
    `${change.changeId}#consultation-${reminderNumber}`,
    change.changeId,
    [manager],
    plainEmail(subject, [
      `Dear ${manager.name},`,
      '',
      `${partner.name} is a ${partner.stage} partner: before the notice of this change goes out, hold a ${form} with them and record it (who, when, a summary): \`pcn consult ${change.changeId} --held-on YYYY-MM-DD --participants "…" --summary "…"\`.`,
      `The notice period (${change.noticePeriodDays} days) counts from delivery, so the apply date moves out while this waits.`,
      `Rationale the partner will read: ${change.rationale}`,
    ]),
    [apiLink(deps, change.changeId)],
  );
}

export function escalationEmail(deps: Dependencies, change: StoredChange, partner: Partner): OutgoingEmail {
  const manager = partner.allianceManager;
  const notice = change.notice!;
  const what = describeChange(deps, change, partner);
  return email(
    'escalation',
    `${notice.noticeId}#escalation`,
    change.changeId,
    [manager],
    plainEmail(`Escalation: ${partner.name} has not acknowledged ${what}`, [
      `Dear ${manager.name},`,
      '',
      `${partner.name} has not acknowledged the notice of ${what} (effective ${change.effectiveDate}, delivered ${(notice.deliveredAt ?? notice.issuedAt).slice(0, 10)}). Their fallback contacts have now been sent the notice too.`,
      `It will not apply unacknowledged: on ${notice.applyAt.slice(0, 10)} it is held until the partner acknowledges it, or until you resolve the escalation: \`pcn resolve-escalation ${change.changeId} --outcome proceed|withdraw --note "…"\`.`,
      `Rationale shown to the partner: ${change.rationale}`,
    ]),
    [apiLink(deps, change.changeId)],
  );
}

export function heldReminderEmail(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  reminderNumber: number,
): OutgoingEmail {
  const manager = partner.allianceManager;
  const what = describeChange(deps, change, partner);
  return email(
    'held-reminder',
    `${change.changeId}#held-${reminderNumber}`,
    change.changeId,
    [manager],
    plainEmail(`Held, still unacknowledged: ${what}`, [
      `Dear ${manager.name},`,
      '',
      `${what} reached its apply date without the partner's acknowledgement, so it is held (since ${change.heldSince?.slice(0, 10) ?? 'today'}).`,
      `It waits for the partner's acknowledgement or your decision: \`pcn resolve-escalation ${change.changeId} --outcome proceed|withdraw --note "…"\`.`,
    ]),
    [apiLink(deps, change.changeId)],
  );
}

export function disputeRaisedEmail(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  dispute: DisputeState,
  contactName: string,
): OutgoingEmail {
  const what = describeChange(deps, change, partner);
  return email(
    'dispute-raised',
    `${change.changeId}#${dispute.disputeId}#raised`,
    change.changeId,
    [dispute.owner],
    plainEmail(`Concern raised by ${partner.name}: ${what}`, [
      `Dear ${dispute.owner.name},`,
      '',
      `${contactName} of ${partner.name} raised a concern about ${what}:`,
      dispute.comment,
      '',
      `You own it: answer by ${humanDate(dispute.dueAt.slice(0, 10))}. ${change.adverse ? 'The change is paused until then.' : 'The change is favourable to the partner and is not paused.'} Resolve it with an outcome — upheld with a written answer, revised with new terms, or withdrawn: \`pcn resolve-dispute ${change.changeId} --outcome upheld|revised|withdrawn --answer "…"\`.`,
    ]),
    [apiLink(deps, change.changeId)],
  );
}

export function disputeReminderEmail(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  dispute: DisputeState,
  reminderNumber: number,
  overdue: boolean,
): OutgoingEmail {
  const what = describeChange(deps, change, partner);
  return email(
    'dispute-reminder',
    `${change.changeId}#${dispute.disputeId}#${overdue ? 'overdue' : 'reminder'}-${reminderNumber}`,
    change.changeId,
    [dispute.owner],
    plainEmail(`${overdue ? 'Overdue' : 'Reminder'}: answer ${partner.name}'s concern about ${what}`, [
      `Dear ${dispute.owner.name},`,
      '',
      `${partner.name}'s concern (raised ${dispute.raisedAt.slice(0, 10)}) is due ${overdue ? 'since' : 'on'} ${dispute.dueAt.slice(0, 10)} and has no outcome yet:`,
      dispute.comment,
    ]),
    [apiLink(deps, change.changeId)],
  );
}

export function disputeEscalationEmail(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  dispute: DisputeState,
  to: Recipient[],
): OutgoingEmail {
  const what = describeChange(deps, change, partner);
  return email(
    'dispute-escalation',
    `${change.changeId}#${dispute.disputeId}#escalation`,
    change.changeId,
    to,
    plainEmail(`Escalation: ${partner.name}'s concern about ${what} is unanswered`, [
      `${partner.name} raised a concern on ${dispute.raisedAt.slice(0, 10)}; its owner ${dispute.owner.name} has not recorded an outcome by the deadline ${dispute.dueAt.slice(0, 10)}.`,
      dispute.comment,
      '',
      'You submitted or approved this change: make sure the partner gets an answer.',
    ]),
    [apiLink(deps, change.changeId)],
  );
}

export function disputeAnswerEmails(
  change: StoredChange,
  partner: Partner,
  dispute: DisputeState,
  outcome: 'upheld' | 'revised' | 'withdrawn',
  answer: string,
  recipients: Recipient[],
): OutgoingEmail[] {
  const what = {
    upheld: 'We have considered your concern; the change stands as announced. Our answer:',
    revised:
      'We have revised the change after your concern; a revised notice follows in a separate email. Our answer:',
    withdrawn: 'We have withdrawn the change after your concern. Our answer:',
  }[outcome];
  return recipients.map((recipient) =>
    email(
      'dispute-answer',
      `${change.changeId}#${dispute.disputeId}#answer#${recipient.email}`,
      change.changeId,
      [recipient],
      plainEmail(`Our answer to your concern (change ${change.changeId})`, [
        `Dear ${recipient.name},`,
        '',
        what,
        answer,
        '',
        `${dispute.owner.name} (${dispute.owner.email}) answered for ${partner.allianceManager.name === dispute.owner.name ? 'us as your alliance manager' : 'us'}.`,
      ]),
    ),
  );
}

export function withdrawalEmails(
  change: StoredChange,
  partner: Partner,
  reason: string,
  recipients: Recipient[],
): OutgoingEmail[] {
  return recipients.map((recipient) =>
    email(
      'withdrawal',
      `${change.changeId}#withdrawal#${recipient.email}`,
      change.changeId,
      [recipient],
      plainEmail(`Withdrawn: the change we announced (change ${change.changeId})`, [
        `Dear ${recipient.name},`,
        '',
        `The change we announced to ${partner.name} (notice ${change.notice?.noticeId ?? change.changeId}) is withdrawn and will not take effect. Nothing changes for you.`,
        `Why: ${reason}`,
        '',
        `Questions: ${partner.allianceManager.name} <${partner.allianceManager.email}>.`,
      ]),
    ),
  );
}
