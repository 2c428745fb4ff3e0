import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { recordWorkflowFailure } from '../notices/failure.ts';
import { failureInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task RecordFailure: reached by every task's Catch. */
export function createRecordFailureTask(deps: Dependencies) {
  return taskHandler(deps, failureInputSchema, recordWorkflowFailure);
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = {};

export const handler = lazyHandler(() => createRecordFailureTask(composeDependencies(pieces)));
