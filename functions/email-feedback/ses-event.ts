import * as z from 'zod';

/**
 * The part of an SES event-publishing record (a configuration set's event destination, here EventBridge:
 * the record is the event's `detail`) the feedback path reads. Everything else SES sends is let through
 * unread: SES adds fields over time, and a new one must not turn a bounce into a parse failure.
 */
const recipients = z.array(z.looseObject({ emailAddress: z.string() }));

export const sesEventSchema = z.looseObject({
  eventType: z.string(),
  mail: z.looseObject({
    /** SES's id of the message (not ours: ours travels in the tags, see email-tags.ts). */
    messageId: z.string(),
    tags: z.record(z.string(), z.array(z.string())).optional(),
  }),
  bounce: z
    .looseObject({
      /** Permanent (hard), Transient (soft: SES has given up retrying for now) or Undetermined. */
      bounceType: z.string(),
      bounceSubType: z.string().optional(),
      bouncedRecipients: recipients,
    })
    .optional(),
  complaint: z
    .looseObject({
      complainedRecipients: recipients,
      complaintFeedbackType: z.string().optional(),
    })
    .optional(),
});
export type SesEvent = z.infer<typeof sesEventSchema>;

/** EventBridge detail-types of the SES events the feedback rule routes to the handler (infra/email.ts). */
export const feedbackDetailTypes = ['Email Bounced', 'Email Complaint Received'] as const;
