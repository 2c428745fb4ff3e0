import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { applyChange } from '../notices/apply.ts';
import { taskInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task ApplyChange. */
export function createApplyChangeTask(deps: Dependencies) {
  return taskHandler(deps, taskInputSchema, (deps, { changeId }) => applyChange(deps, changeId));
}

export const handler = lazyHandler(() => createApplyChangeTask(dependenciesFromEnvironment()));
