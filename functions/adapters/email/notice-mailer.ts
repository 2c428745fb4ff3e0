/** An email the system sends a partner contact or an alliance manager. */
export interface OutgoingEmail {
  /** Idempotency key: the same messageId is delivered at most once, however often a step is retried. */
  messageId: string;
  kind: 'notice' | 'reminder' | 'escalation';
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
