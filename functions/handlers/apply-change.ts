import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { applyChange } from '../notices/apply.ts';
import { taskInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task ApplyChange. */
export function createApplyChangeTask(deps: Dependencies) {
  return taskHandler(deps, taskInputSchema, (deps, { changeId }) => applyChange(deps, changeId));
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = {};

export const handler = lazyHandler(() => createApplyChangeTask(composeDependencies(pieces)));
