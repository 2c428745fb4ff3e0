import * as z from 'zod';
import { idText, prose } from '../http/schemas.ts';
import { changeEnvelopeSchema } from '../notices/schemas.ts';

/** The reassignment kind's own fields of a submission. */
export const reassignmentFieldsSchema = z.object({
  incomingManager: idText.describe(
    'The userId of the staff member (partner-manager role) who becomes the partner’s alliance manager on the handover date.',
  ),
});

/** POST /api/reassignments: the lifecycle's envelope (effectiveDate = the handover date) plus the manager. */
export const reassignmentRequestSchema = changeEnvelopeSchema.extend(reassignmentFieldsSchema.shape).strict();

/** Another incoming manager proposed when a dispute about a reassignment is resolved by revising it. */
export const reassignmentRevisionSchema = z
  .object({ incomingManager: idText.describe('The revised incoming alliance manager (a staff userId).') })
  .strict();

/** POST /api/changes/{changeId}/handover: the caller's own handover note. */
export const handoverRequestSchema = z
  .object({
    note: prose(1, 2000).describe(
      'What was handed over (open topics, contacts introduced, the first joint call): kept on the change.',
    ),
  })
  .strict();
