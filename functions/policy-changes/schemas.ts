import * as z from 'zod';
import { externalPartnerId } from '../directory/profile.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { calendarDate, idText, prose } from '../http/schemas.ts';
import { policyChangeStatuses } from './rules.ts';

/** A tier, region or tag as the directory stores them (functions/directory/profile.ts: trimmed, printable). */
const label = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

/** A segment lists at most this many values (explicit partner ids: a larger list is a segment by other means). */
export const MAX_SEGMENT_VALUES = 100;
export const MAX_SEGMENT_PARTNERS = 1000;

const values = <T extends z.ZodType>(item: T, maximum: number) =>
  z.array(item).min(1, 'must list at least one').max(maximum, `must list at most ${maximum}`);

export const segmentSchema = z
  .discriminatedUnion(
    'by',
    [
      z.strictObject({ by: z.literal('all') }),
      z.strictObject({
        by: z.literal('stage'),
        stages: values(
          z.enum(relationshipStages, `must be one of ${relationshipStages.join(', ')}`),
          relationshipStages.length,
        ),
      }),
      z.strictObject({ by: z.literal('tier'), tiers: values(label, MAX_SEGMENT_VALUES) }),
      z.strictObject({ by: z.literal('region'), regions: values(label, MAX_SEGMENT_VALUES) }),
      z.strictObject({ by: z.literal('tag'), tags: values(label, MAX_SEGMENT_VALUES) }),
      z.strictObject({
        by: z.literal('partners'),
        partnerIds: values(externalPartnerId, MAX_SEGMENT_PARTNERS),
      }),
    ],
    { error: 'must be an object whose "by" is one of all, stage, tier, region, tag, partners' },
  )
  .describe('Who the change reaches: a partner matches when it has any of the listed values.');

export const previewRequestSchema = z.strictObject({
  segment: segmentSchema,
  adverse: z
    .boolean()
    .optional()
    .describe('Worse for the partners (default true): the notice period applies.'),
});

const sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hexadecimal characters (a SHA-256 digest)');

export const documentReferenceSchema = z.strictObject({
  uri: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000, 'must be at most 2000 characters'),
  sha256,
});

const policyChangeFields = z.strictObject({
  title: prose(3, 200).describe('One line, as lists and the notice subject show it.'),
  summary: prose(10, 2000).describe('What changes, for the partner, in a paragraph.'),
  policyText: prose(10, 50_000).optional().describe('The full policy text (or give document instead).'),
  document: documentReferenceSchema
    .optional()
    .describe('The full policy as a published document, with the SHA-256 of its bytes (or give policyText).'),
  rationale: z
    .string()
    .max(5000, 'must be at most 5000 characters')
    .describe('Written for the partners and shown verbatim in the notice: why, and what it means for them.'),
  adverse: z.boolean().describe('Worse for (some of) the partners: notice period and a second approver.'),
  effectiveDate: calendarDate.describe('First day the policy applies (UTC).'),
  segment: segmentSchema,
});

/** The policy is its text or a published document, exactly one. */
function oneFullPolicy(
  request: { policyText?: string | undefined; document?: unknown },
  context: z.RefinementCtx,
): void {
  const given = [request.policyText, request.document].filter((item) => item !== undefined).length;
  if (given !== 1) {
    context.addIssue({
      code: 'custom',
      path: [request.policyText === undefined ? 'policyText' : 'document'],
      message:
        given === 0
          ? 'give the policy text or a document reference (policyText or document)'
          : 'give the policy text or a document reference, not both',
    });
  }
}

export const policyChangeRequestSchema = policyChangeFields.superRefine(oneFullPolicy);

/** A revision's new content: the request without its segment (a revision reaches the same partners). */
export const policyContentSchema = policyChangeFields.omit({ segment: true }).superRefine(oneFullPolicy);

export type PolicyChangeRequest = z.output<typeof policyChangeRequestSchema>;

export const policyChangeIdParams = z.object({
  policyChangeId: idText.describe('The policy change id (pol_…).'),
});

export const byStageSchema = z.record(z.enum(relationshipStages), z.number());

export const previewResponseSchema = z.object({
  targeted: z.number(),
  byStage: byStageSchema,
  noticeDays: z.number().describe('The longest notice any stage in the segment requires (0: favourable).'),
  earliestEffectiveDate: z.string(),
  unknownPartnerIds: z.array(z.string()).describe('Ids of an explicit list not in the directory.'),
});

export const policyChangeViewSchema = z.object({
  policyChangeId: z.string(),
  status: z.enum(policyChangeStatuses),
  title: z.string(),
  summary: z.string(),
  policyText: z.string().optional(),
  document: z.object({ uri: z.string(), sha256: z.string() }).optional(),
  rationale: z.string(),
  adverse: z.boolean(),
  effectiveDate: z.string(),
  segment: z.record(z.string(), z.unknown()),
  targeted: z.number(),
  byStage: byStageSchema,
  noticeDays: z.number(),
  submittedBy: z.string(),
  submittedAt: z.string(),
  decision: z
    .object({
      outcome: z.enum(['approved', 'rejected']),
      by: z.string(),
      at: z.string(),
      comment: z.string(),
    })
    .optional(),
  replayed: z.boolean().optional(),
});

export const policyDecisionSchema = z.strictObject({
  comment: prose(3, 2000).describe('Why: recorded in the audit trail.'),
});
