import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { policyBatchInputSchema } from '../policy-changes/task-schemas.ts';
import { sendPolicyBatch } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task SendBatch (a Distributed Map child): one batch of a round's partners. */
export function createSendPolicyBatchTask(deps: Dependencies) {
  return taskHandler(deps, policyBatchInputSchema, sendPolicyBatch);
}

export const handler = lazyHandler(() => createSendPolicyBatchTask(dependenciesFromEnvironment()));
