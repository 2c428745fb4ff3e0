import type { OutgoingEmail } from './notice-mailer.ts';

/**
 * SES message tags that let a bounce or complaint event find its way back: SES's own message id is not ours,
 * but the event carries the tags the message was sent with (mail.tags, each a list of values). Tag values
 * may hold only ASCII letters, digits, '_', '-' and '.', so our message id (which has '#') travels as
 * base64url, whose alphabet fits.
 */
export const emailTagNames = {
  messageId: 'pcn-message-id',
  changeId: 'pcn-change-id',
  kind: 'pcn-kind',
} as const;

const tagValue = /^[A-Za-z0-9_.-]{1,256}$/;

export interface EmailTag {
  Name: string;
  Value: string;
}

export function emailTagsOf(email: Pick<OutgoingEmail, 'messageId' | 'changeId' | 'kind'>): EmailTag[] {
  const tags: EmailTag[] = [
    { Name: emailTagNames.messageId, Value: Buffer.from(email.messageId, 'utf8').toString('base64url') },
    { Name: emailTagNames.kind, Value: email.kind },
  ];
  // A change id is usually tag-safe already; it is a convenience for filtering, so one that is not is left out.
  if (tagValue.test(email.changeId)) tags.push({ Name: emailTagNames.changeId, Value: email.changeId });
  return tags;
}

/** Our message id, from an SES event's mail.tags; undefined when the message was not tagged by us. */
export function messageIdFromTags(
  tags: Readonly<Record<string, readonly string[]>> | undefined,
): string | undefined {
  const encoded = tags?.[emailTagNames.messageId]?.[0];
  if (!encoded || !tagValue.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64url').toString('utf8');
  // base64url decoding is lenient; a value that does not round-trip was not written by emailTagsOf.
  return Buffer.from(decoded, 'utf8').toString('base64url') === encoded ? decoded : undefined;
}
