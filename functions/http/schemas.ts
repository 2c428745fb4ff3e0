import { z } from 'zod';
import { parseIsoDate } from '../domain/calendar.ts';
import { changeStatuses } from '../domain/commission-change.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';

/** Every external input is parsed here; the OpenAPI document is generated from the same schemas. */
const ratePct = z
  .number({ error: 'must be a number (percent, e.g. 12.5)' })
  .min(0, 'must be at least 0')
  .max(100, 'must be at most 100')
  .refine(
    (value) => Math.abs(Math.round(value * 100) - value * 100) < 1e-9,
    'must have at most two decimals',
  );

const calendarDate = z
  .string({ error: 'must be a date YYYY-MM-DD' })
  .refine((text) => parseIsoDate(text) !== undefined, 'must be a real calendar date YYYY-MM-DD');

const identifiers = z.array(z.string().trim().min(1, 'must not be empty').max(100)).min(1).max(200);

export const commissionChangeRequestSchema = z
  .object({
    partnerId: z.string({ error: 'is required' }).trim().min(1, 'is required').max(100),
    currentRatePct: ratePct.describe(
      'The rate in force as the submitter sees it; a stale value is refused (409).',
    ),
    newRatePct: ratePct,
    effectiveDate: calendarDate.describe('First day the new rate applies to bookings (UTC).'),
    rationale: z
      .string({ error: 'is required: explain the change to the partner' })
      .max(5000, 'must be at most 5000 characters')
      .describe('Written for the partner and shown verbatim in the notice.'),
    scope: z
      .object({ products: identifiers.optional(), accounts: identifiers.optional() })
      .strict()
      .optional()
      .describe('Products or accounts the change is limited to; all when absent.'),
  })
  .strict();

export const idempotencyKeySchema = z.string().trim().min(1).max(200);

export const auditQuerySchema = z.object({ changeId: z.string().trim().min(1, 'is required') });

export const noticeQuerySchema = z.object({
  token: z.string().min(1, 'is required').max(2000).describe('The signed token from the notice email link.'),
});
export const acknowledgementFormSchema = noticeQuerySchema;

export const workflowTaskInputSchema = z.object({ changeId: z.string().min(1) });
export const awaitAcknowledgementInputSchema = z.object({
  changeId: z.string().min(1),
  taskToken: z.string().min(1),
});

export const fieldErrorSchema = z.object({ field: z.string(), reason: z.string() });
export const errorResponseSchema = z.object({
  error: z.string(),
  message: z.string(),
  fields: z.array(fieldErrorSchema).optional(),
  earliestEffectiveDate: z.string().optional(),
});

export const submissionResponseSchema = z.object({
  changeId: z.string(),
  status: z.enum(changeStatuses),
  earliestEffectiveDate: z.string(),
  noticePeriodDays: z.number(),
  forecastTrustPoints: z
    .number()
    .describe('Trust-ledger points this change is forecast to earn when applied.'),
  replayed: z.boolean(),
});

export const timelineItemSchema = z.object({
  at: z.string(),
  type: z.string(),
  actor: z.string(),
  seq: z.number(),
});

export const changeViewSchema = z.object({
  changeId: z.string(),
  partnerId: z.string(),
  status: z.enum(changeStatuses),
  direction: z.enum(['cut', 'raise']),
  currentRatePct: z.number(),
  newRatePct: z.number(),
  effectiveDate: z.string(),
  rationale: z.string(),
  noticePeriodDays: z.number(),
  submittedBy: z.string(),
  submittedAt: z.string(),
  applyAt: z.string().optional(),
  appliedFrom: z.string().optional(),
  timeline: z.array(timelineItemSchema),
});

export const partnerSummarySchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  stage: z.enum(relationshipStages),
  currentRatePct: z.number().nullable(),
});

export const auditEntrySchema = z.object({
  stream: z.string(),
  seq: z.number(),
  type: z.string(),
  at: z.string(),
  actor: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

export const auditResponseSchema = z.object({
  changeId: z.string(),
  entries: z.array(auditEntrySchema),
  chain: z.object({ intact: z.boolean(), problem: z.string().optional(), seq: z.number().optional() }),
});

/** "field: reason" items from a zod error, with the field path as the client sent it. */
export function fieldErrors(error: z.ZodError): { field: string; reason: string }[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...issue.path, key].join('.'),
        reason: 'is not a known field',
      }));
    }
    const field = issue.path.join('.') || '(body)';
    const reason = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    return [{ field, reason }];
  });
}
