import { sesEmail } from '../composition/email.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { policyBatchInputSchema } from '../policy-changes/task-schemas.ts';
import { sendPolicyBatch } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task SendBatch (a Distributed Map child): one batch of a round's partners. */
export function createSendPolicyBatchTask(deps: Dependencies) {
  return taskHandler(deps, policyBatchInputSchema, sendPolicyBatch);
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { email: sesEmail };

export const handler = lazyHandler(() => createSendPolicyBatchTask(composeDependencies(pieces)));
