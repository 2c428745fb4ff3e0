import { stepFunctionsWorkflows } from '../composition/workflows.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { awaitEvent } from '../notices/await-event.ts';
import { awaitEventInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow callback task AwaitEvent (invoked with the task token; its result is not the task's). */
export function createAwaitEventTask(deps: Dependencies) {
  return taskHandler(deps, awaitEventInputSchema, async (deps, input) => ({
    state: await awaitEvent(deps, input),
  }));
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { workflows: stepFunctionsWorkflows };

export const handler = lazyHandler(() => createAwaitEventTask(composeDependencies(pieces)));
