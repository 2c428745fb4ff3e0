import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { policyFailureInputSchema } from '../policy-changes/task-schemas.ts';
import { recordPolicyFailure } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task RecordFailure: reached by every step's Catch. */
export function createRecordPolicyFailureTask(deps: Dependencies) {
  return taskHandler(deps, policyFailureInputSchema, recordPolicyFailure);
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = {};

export const handler = lazyHandler(() => createRecordPolicyFailureTask(composeDependencies(pieces)));
