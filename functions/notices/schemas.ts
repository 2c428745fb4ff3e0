import * as z from 'zod';
import { changeStatuses } from '../domain/lifecycle.ts';
import { calendarDate, idText, prose } from '../http/schemas.ts';

/** The lifecycle's part of every submission (a kind adds its own fields beside these). */
export const changeEnvelopeSchema = z.object({
  partnerId: idText.describe('The partner the change is for.'),
  effectiveDate: calendarDate.describe(
    'First day the change applies (UTC); moved later if notice is delivered late.',
  ),
  rationale: z
    .string()
    .max(5000, 'must be at most 5000 characters')
    .describe('Written for the partner and shown verbatim in the notice: why, and what it means for them.'),
  internalNote: prose(1, 2000)
    .optional()
    .describe('Never shown to the partner (approvers and staff see it).'),
  emergency: z
    .object({
      justification: z
        .string()
        .max(2000, 'must be at most 2000 characters')
        .describe('Shown to the partner: what forces the short notice.'),
    })
    .strict()
    .optional()
    .describe('Short notice (down to the emergency minimum): needs a second approver and costs trust.'),
  trustForecastRead: z
    .boolean()
    .optional()
    .describe(
      '"I have read this": required (true) when the dry run says the trust forecast falls under the threshold; recorded in the audit trail.',
    ),
});

/** Workflow task inputs are external input too. */
export const taskInputSchema = z.object({ changeId: idText });
export const awaitEventInputSchema = z.object({
  changeId: idText,
  taskToken: z.string().min(1).max(4096),
  revision: z.number().int().min(0),
});
/** What a Catch puts in the state (`$.failure`): the error name and its cause, both optional in practice. */
export const failureInputSchema = z
  .object({
    changeId: idText,
    failure: z
      .object({ Error: z.string().max(10_000).optional(), Cause: z.string().max(300_000).optional() })
      .default({}),
  })
  .transform(({ changeId, failure }) => ({
    changeId,
    error: failure.Error ?? 'Unknown',
    cause: failure.Cause ?? '',
  }));

export const changeIdParams = z.object({ changeId: idText.describe('The change id (chg_…).') });

const listQueryFields = z.object({
  status: z.enum(changeStatuses).optional(),
  partnerId: idText.optional(),
  submittedBy: idText.optional(),
  from: calendarDate.optional().describe('Submitted on or after this day.'),
  to: calendarDate.optional().describe('Submitted before this day.'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2000).optional().describe('From the previous page.'),
});

function datesInOrder(query: { from?: string | undefined; to?: string | undefined }): boolean {
  return !query.from || !query.to || query.from <= query.to;
}
const datesOutOfOrder = { path: ['to'], message: 'must not be before from' };

/** The list of one kind's changes (its route fixes the kind). */
export const listQuerySchema = listQueryFields.strict().refine(datesInOrder, datesOutOfOrder);

/** The list of every kind's changes, or of the kind asked for. */
export const allKindsListQuerySchema = listQueryFields
  .extend({
    kind: idText
      .optional()
      .describe('Only changes of this kind (commission-change, stage-move …); every kind when absent.'),
  })
  .strict()
  .refine(datesInOrder, datesOutOfOrder);

export const withdrawalSchema = z
  .object({ reason: prose(10, 2000).describe('Told to everyone already notified.') })
  .strict();

export const escalationResolutionSchema = z
  .object({
    outcome: z.enum(['proceed', 'withdraw']),
    note: prose(10, 2000).describe('What was agreed with the partner, or why it is withdrawn.'),
  })
  .strict();

export const noticeQuerySchema = z.object({
  token: z.string().min(1, 'is required').max(2000).describe('The signed token from the notice email link.'),
});
export const acknowledgementFormSchema = noticeQuerySchema;
export const noticeParams = z.object({ noticeId: idText.describe('The notice id (<changeId>-v<version>).') });
