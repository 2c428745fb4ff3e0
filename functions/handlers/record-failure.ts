import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { recordWorkflowFailure } from '../notices/failure.ts';
import { failureInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task RecordFailure: reached by every task's Catch. */
export function createRecordFailureTask(deps: Dependencies) {
  return taskHandler(deps, failureInputSchema, recordWorkflowFailure);
}

export const handler = lazyHandler(() => createRecordFailureTask(dependenciesFromEnvironment()));
