/**
 * SES event-publishing records as a configuration set's EventBridge destination delivers them (the event's
 * `detail`), for a message we sent: tagged exactly as SesMailer tags it (functions/adapters/email/email-tags.ts).
 */
import { emailTagsOf } from '../../functions/adapters/email/email-tags.ts';
import type { OutgoingEmail } from '../../functions/adapters/email/notice-mailer.ts';

type Sent = Pick<OutgoingEmail, 'messageId' | 'changeId' | 'kind'> & { to: string };

function mailOf(sent: Sent, sesMessageId: string) {
  const tags: Record<string, string[]> = { 'ses:configuration-set': ['pcn-notices'] };
  for (const tag of emailTagsOf(sent)) tags[tag.Name] = [tag.Value];
  return {
    timestamp: '2026-03-02T09:00:00.000Z',
    source: 'partner-notices@example.com',
    messageId: sesMessageId,
    destination: [sent.to],
    tags,
  };
}

export function sesBounce(
  sent: Sent,
  bounceType: 'Permanent' | 'Transient' | 'Undetermined' = 'Permanent',
  sesMessageId = `ses-${sent.messageId.length}-bounce`,
) {
  return {
    eventType: 'Bounce',
    bounce: {
      feedbackId: `feedback-${sesMessageId}`,
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [{ emailAddress: sent.to, action: 'failed', status: '5.1.1' }],
      timestamp: '2026-03-02T09:00:05.000Z',
    },
    mail: mailOf(sent, sesMessageId),
  };
}

export function sesComplaint(sent: Sent, sesMessageId = `ses-${sent.messageId.length}-complaint`) {
  return {
    eventType: 'Complaint',
    complaint: {
      feedbackId: `feedback-${sesMessageId}`,
      complainedRecipients: [{ emailAddress: sent.to }],
      complaintFeedbackType: 'abuse',
      timestamp: '2026-03-02T10:00:00.000Z',
    },
    mail: mailOf(sent, sesMessageId),
  };
}

/** The EventBridge envelope around a record, as the feedback rule's target receives it. */
export function onDefaultBus(detail: object, detailType = 'Email Bounced') {
  return {
    version: '0',
    id: 'c1d2e3f4',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: '2026-03-02T09:00:06Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}
