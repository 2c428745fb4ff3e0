import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { completeRoundInputSchema } from '../policy-changes/task-schemas.ts';
import { completePolicyRound } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task CompleteRound: a round's failed batches surfaced, the round recorded, the next planned. */
export function createCompletePolicyRoundTask(deps: Dependencies) {
  return taskHandler(deps, completeRoundInputSchema, completePolicyRound);
}

export const handler = lazyHandler(() => createCompletePolicyRoundTask(dependenciesFromEnvironment()));
