import { type AppliedChange, applyChange } from '../commission-changes/apply.ts';
import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { workflowTaskInputSchema } from '../http/schemas.ts';
import { parseTaskInput } from './task-input.ts';

/** Workflow task ApplyChange. */
export function createApplyChangeHandler(deps: Dependencies) {
  return async (event: unknown): Promise<AppliedChange> => {
    const { changeId } = parseTaskInput(workflowTaskInputSchema, event);
    return applyChange(deps, changeId);
  };
}

export const handler = lazyHandler(() => createApplyChangeHandler(dependenciesFromEnvironment()));
