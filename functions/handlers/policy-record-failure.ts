import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { policyFailureInputSchema } from '../policy-changes/task-schemas.ts';
import { recordPolicyFailure } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task RecordFailure: reached by every step's Catch. */
export function createRecordPolicyFailureTask(deps: Dependencies) {
  return taskHandler(deps, policyFailureInputSchema, recordPolicyFailure);
}

export const handler = lazyHandler(() => createRecordPolicyFailureTask(dependenciesFromEnvironment()));
