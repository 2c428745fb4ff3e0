import { s3Manifests } from '../composition/manifests.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { completeRoundInputSchema } from '../policy-changes/task-schemas.ts';
import { completePolicyRound } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task CompleteRound: a round's failed batches surfaced, the round recorded, the next planned. */
export function createCompletePolicyRoundTask(deps: Dependencies) {
  return taskHandler(deps, completeRoundInputSchema, completePolicyRound);
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { manifests: s3Manifests };

export const handler = lazyHandler(() => createCompletePolicyRoundTask(composeDependencies(pieces)));
