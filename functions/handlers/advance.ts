import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { advance } from '../notices/advance.ts';
import { taskInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task Advance: every deadline of the change that has passed. */
export function createAdvanceTask(deps: Dependencies) {
  return taskHandler(deps, taskInputSchema, (deps, { changeId }) => advance(deps, changeId));
}

export const handler = lazyHandler(() => createAdvanceTask(dependenciesFromEnvironment()));
