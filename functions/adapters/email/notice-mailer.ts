/** What an email is about: shown in the local outbox, and how tests and people find a message. */
export const emailKinds = [
  'notice',
  'reminder',
  'escalation',
  'fallback-notice',
  'approval-request',
  'approval-decision',
  'consultation-request',
  'consultation-reminder',
  'held-reminder',
  'dispute-raised',
  'dispute-reminder',
  'dispute-escalation',
  'dispute-answer',
  'withdrawal',
] as const;
export type EmailKind = (typeof emailKinds)[number];

/** An email the system sends a partner contact or a member of staff. */
export interface OutgoingEmail {
  /** Idempotency key: the same messageId is delivered at most once, however often a step is retried. */
  messageId: string;
  kind: EmailKind;
  changeId: string;
  to: { name: string; email: string }[];
  subject: string;
  text: string;
  html: string;
  /** The links the message carries (shown in the local outbox so a person can click through). */
  links: string[];
}

export interface NoticeMailer {
  send(email: OutgoingEmail): Promise<'sent' | 'already-sent'>;
}
