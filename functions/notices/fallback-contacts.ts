import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { OutgoingEmail } from '../adapters/email/notice-mailer.ts';
import type { Dependencies } from '../dependencies.ts';
import type { NoticeRecipient } from '../domain/change.ts';
import type { NoticeContent } from '../domain/notice.ts';
import { fallbackContacts, type Partner, type PartnerContact } from '../domain/partner.ts';
import { noticeEmails } from './send-notice.ts';

/**
 * The content of the notice in force, exactly as stored when it was sent: a reminder or a fallback contact's
 * copy shows the very words (and content hash) the first recipients got.
 */
export async function noticeInForce(deps: Dependencies, change: StoredChange): Promise<NoticeContent> {
  const notice = change.notice!;
  const stored = await deps.changes.notice(change.changeId, notice.version);
  if (!stored) throw new Error(`Notice ${notice.noticeId} of change ${change.changeId} is missing`);
  return stored.content;
}

/**
 * The fallback-contact path of a notice (principle 4: silence is never just one inbox), shared by the
 * escalation (nobody acknowledged: functions/notices/advance.ts) and by a bounce or complaint (nobody can be
 * reached: functions/email-feedback/record-feedback.ts): the partner's fallback contacts not yet told, added
 * to the notice's recipients, each sent the notice in force with a preface saying why. The message ids are
 * the same on both paths (`<noticeId>#fallback#<contactId>`), so a contact told after a bounce is not told
 * again at the escalation.
 */
export async function fallbackNoticePlan(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  preface: string,
): Promise<{ fallbacks: PartnerContact[]; recipients: NoticeRecipient[]; messages: OutgoingEmail[] }> {
  const notice = change.notice!;
  const fallbacks = fallbackContacts(partner).filter(
    (contact) => !notice.recipients.some((recipient) => recipient.contactId === contact.contactId),
  );
  const recipients: NoticeRecipient[] = [
    ...notice.recipients,
    ...fallbacks.map(({ contactId, name, email }) => ({ contactId, name, email, role: 'fallback' as const })),
  ];
  if (fallbacks.length === 0) return { fallbacks, recipients, messages: [] };
  const content = await noticeInForce(deps, change);
  const messages = await noticeEmails(deps, change, content, fallbacks, new Date(notice.applyAt), {
    kind: 'fallback-notice',
    tag: 'fallback',
    preface,
  });
  return { fallbacks, recipients, messages };
}
