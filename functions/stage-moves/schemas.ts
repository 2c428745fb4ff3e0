import * as z from 'zod';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { changeEnvelopeSchema } from '../notices/schemas.ts';

const stage = z.enum(relationshipStages);

/** The stage-move kind's own fields of a submission. */
export const stageMoveFieldsSchema = z.object({
  toStage: stage.describe('The stage the partner moves to (down the pyramid is adverse for the partner).'),
  currentStage: stage.describe(
    'The partner’s stage as the submitter sees it; a stale value is refused (409).',
  ),
});

/** POST /api/stage-moves: the lifecycle's envelope plus the stage fields. */
export const stageMoveRequestSchema = changeEnvelopeSchema.extend(stageMoveFieldsSchema.shape).strict();

/** A new target stage proposed when a dispute about a stage move is resolved by revising it. */
export const stageMoveRevisionSchema = z
  .object({ toStage: stage.describe('The revised stage the partner moves to.') })
  .strict();
