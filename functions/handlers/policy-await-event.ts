import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { awaitPolicyEventInputSchema } from '../policy-changes/task-schemas.ts';
import { awaitPolicyEvent } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow callback task AwaitPolicyEvent (invoked with the task token; its result is not the task's). */
export function createAwaitPolicyEventTask(deps: Dependencies) {
  return taskHandler(deps, awaitPolicyEventInputSchema, async (deps, input) => ({
    state: await awaitPolicyEvent(deps, input),
  }));
}

export const handler = lazyHandler(() => createAwaitPolicyEventTask(dependenciesFromEnvironment()));
