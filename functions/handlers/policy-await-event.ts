import { stepFunctionsWorkflows } from '../composition/workflows.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { awaitPolicyEventInputSchema } from '../policy-changes/task-schemas.ts';
import { awaitPolicyEvent } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow callback task AwaitPolicyEvent (invoked with the task token; its result is not the task's). */
export function createAwaitPolicyEventTask(deps: Dependencies) {
  return taskHandler(deps, awaitPolicyEventInputSchema, async (deps, input) => ({
    state: await awaitPolicyEvent(deps, input),
  }));
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { workflows: stepFunctionsWorkflows };

export const handler = lazyHandler(() => createAwaitPolicyEventTask(composeDependencies(pieces)));
