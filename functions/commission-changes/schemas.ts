import * as z from 'zod';
import { identifiers, ratePct } from '../http/schemas.ts';
import { changeEnvelopeSchema } from '../notices/schemas.ts';

/** The commission kind's own fields of a submission. */
export const commissionFieldsSchema = z.object({
  currentRatePct: ratePct.describe(
    'The rate in force as the submitter sees it; a stale value is refused (409).',
  ),
  newRatePct: ratePct,
  scope: z
    .object({ products: identifiers.optional(), accounts: identifiers.optional() })
    .strict()
    .optional()
    .describe('Products or accounts the change is limited to; all when absent.'),
});

/** POST /api/commission-changes: the lifecycle's envelope plus the commission fields. */
export const commissionChangeRequestSchema = changeEnvelopeSchema
  .extend(commissionFieldsSchema.shape)
  .strict();

/** New terms proposed when a dispute about a commission change is resolved by revising it. */
export const commissionRevisionSchema = z
  .object({ newRatePct: ratePct.describe('The revised new rate.') })
  .strict();
