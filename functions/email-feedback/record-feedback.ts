import { parseNoticeId } from '../adapters/dynamodb/change-store.ts';
import { messageIdFromTags } from '../adapters/email/email-tags.ts';
import type { Dependencies } from '../dependencies.ts';
import type { NoticeRecipient, NoticeRecord } from '../domain/change.ts';
import { act } from '../notices/act.ts';
import { fallbackNoticePlan } from '../notices/fallback-contacts.ts';
import { partnerOf } from '../notices/send-notice.ts';
import { type SesEvent, sesEventSchema } from './ses-event.ts';

/** Why a feedback event changed nothing: each is logged, none is an error (an error would only be retried). */
export type IgnoredFeedback =
  | 'unparseable'
  /** A delivery delay, a rejection, a transient or undetermined bounce: the address may still work. */
  | 'not-final'
  /** Not tagged by us (another sender on the account), or not one of a change's notice emails. */
  | 'unknown-message'
  | 'policy-change-message'
  | 'unknown-change'
  /** The change's current notice does not have this contact at this address (e.g. revised meanwhile). */
  | 'not-a-recipient'
  | 'already-unreachable'
  /** The change is in a status the lifecycle table does not record feedback in (applied, withdrawn …). */
  | 'not-allowed';

export type FeedbackOutcome =
  | { outcome: 'marked-unreachable'; changeId: string; contactId: string; fallbackContacts: string[] }
  | { outcome: 'ignored'; reason: IgnoredFeedback };

/** A commission-change notice email's message id: `<noticeId>#<notice|fallback|reminder-n>#<contactId>`. */
const noticeMessageId = /^(?<noticeId>[^#]+)#(?<tag>notice|fallback|reminder-\d+)#(?<contactId>[^#]+)$/;
/** A policy-change email's: `<policyChangeId>/<roundId>/<partnerId>/<contactId>` (functions/policy-changes/emails.ts). */
const policyMessageId = /^pol_[^/]*\/[^/]+\/[^/]+\/[^/]+$/;

/**
 * SES reports that an email could not reach its recipient (a permanent bounce) or that the recipient marked
 * it as spam (a complaint). Either way that address is not a way to tell the partner: the recipient is marked
 * unreachable on the notice — a named lifecycle step (record-unreachable) guarded by the transition table,
 * with its audit entry in the same transaction — and, if no primary recipient is left reachable, the partner's
 * fallback contacts are sent the notice (the escalation's own path: functions/notices/fallback-contacts.ts).
 *
 * A transient bounce is SES having given up retrying for now (a full mailbox, a greylisting server): the
 * address is not known to be bad, so nothing is marked; a later permanent bounce would mark it. The same
 * event twice, or an event for a message we cannot place, changes nothing and is logged, never thrown.
 */
export async function recordEmailFeedback(deps: Dependencies, raw: unknown): Promise<FeedbackOutcome> {
  const parsed = sesEventSchema.safeParse(raw);
  if (!parsed.success) return ignored(deps, 'unparseable', { issues: parsed.error.issues.length });
  const event = parsed.data;
  const final = finalFeedback(event);
  const context = { eventType: event.eventType, sesMessageId: event.mail.messageId };
  if (!final) return ignored(deps, 'not-final', { ...context, bounceType: event.bounce?.bounceType });
  const messageId = messageIdFromTags(event.mail.tags);
  if (messageId && policyMessageId.test(messageId))
    return ignored(deps, 'policy-change-message', { ...context, messageId });
  const match = messageId ? noticeMessageId.exec(messageId)?.groups : undefined;
  const notice = match ? parseNoticeId(match.noticeId!) : undefined;
  if (!match || !notice) return ignored(deps, 'unknown-message', { ...context, messageId });
  const contactId = match.contactId!;
  const { changeId } = notice;
  const addresses = new Set(final.addresses.map((address) => address.toLowerCase()));

  const outcome = await act<string[], 'not-a-recipient' | 'already-unreachable'>(
    deps,
    changeId,
    async (change, now) => {
      const current = change.notice;
      const recipient = current?.recipients.find((r) => r.contactId === contactId);
      if (!current || !recipient || !addresses.has(recipient.email.toLowerCase()))
        return { refuse: 'not-a-recipient' };
      if (recipient.unreachable) return { refuse: 'already-unreachable' };
      const unreachable: NonNullable<NoticeRecipient['unreachable']> = {
        at: now.toISOString(),
        reason: final.reason,
        detail: final.detail,
      };
      const marked = current.recipients.map((r) => (r === recipient ? { ...r, unreachable } : r));
      const withMark: NoticeRecord = { ...current, recipients: marked };
      const primaryLeft = marked.some((r) => r.role === 'primary' && !r.unreachable);
      const partner = await partnerOf(deps, change);
      const preface = `You are receiving this notice because email to ${partner.name}'s primary contact could not be delivered. Please read it and acknowledge it, or raise a concern.`;
      const fallback = primaryLeft
        ? undefined
        : await fallbackNoticePlan(deps, { ...change, notice: withMark }, partner, preface);
      const fallbackContacts = (fallback?.fallbacks ?? []).map((contact) => contact.contactId);
      return {
        event: 'record-unreachable' as const,
        to: change.status,
        patch: { notice: { ...withMark, recipients: fallback?.recipients ?? marked } },
        audit: {
          type: 'recipient-unreachable' as const,
          actor: 'email-provider',
          details: {
            noticeId: current.noticeId,
            contactId,
            email: recipient.email,
            reason: final.reason,
            detail: final.detail,
            sesMessageId: event.mail.messageId,
            messageId,
            fallbackContacts,
          },
        },
        messages: fallback?.messages ?? [],
        result: fallbackContacts,
      };
    },
    // The provider's report, not a person's step: it does not wait for (or wake) the workflow's wait.
    { fromWorkflow: true },
  );
  if (outcome.ok) {
    deps.logger.info('Recipient marked unreachable', {
      ...context,
      changeId,
      contactId,
      fallbackContacts: outcome.result,
    });
    return { outcome: 'marked-unreachable', changeId, contactId, fallbackContacts: outcome.result };
  }
  return ignored(deps, outcome.refusal, { ...context, changeId, contactId, detail: outcome.detail });
}

/** A permanent bounce or a complaint, with the addresses it names; undefined for anything else. */
function finalFeedback(
  event: SesEvent,
): { reason: 'bounce' | 'complaint'; detail: string; addresses: string[] } | undefined {
  if (event.eventType === 'Bounce' && event.bounce?.bounceType === 'Permanent') {
    return {
      reason: 'bounce',
      detail: `Permanent${event.bounce.bounceSubType ? ` (${event.bounce.bounceSubType})` : ''}`,
      addresses: event.bounce.bouncedRecipients.map((r) => r.emailAddress),
    };
  }
  if (event.eventType === 'Complaint' && event.complaint) {
    return {
      reason: 'complaint',
      detail: event.complaint.complaintFeedbackType ?? 'complaint',
      addresses: event.complaint.complainedRecipients.map((r) => r.emailAddress),
    };
  }
  return undefined;
}

function ignored(
  deps: Dependencies,
  reason: IgnoredFeedback,
  context: Record<string, unknown>,
): FeedbackOutcome {
  deps.logger.info('Email feedback ignored', { reason, ...context });
  return { outcome: 'ignored', reason };
}
