import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { awaitEvent } from '../notices/await-event.ts';
import { awaitEventInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow callback task AwaitEvent (invoked with the task token; its result is not the task's). */
export function createAwaitEventTask(deps: Dependencies) {
  return taskHandler(deps, awaitEventInputSchema, async (deps, input) => ({
    state: await awaitEvent(deps, input),
  }));
}

export const handler = lazyHandler(() => createAwaitEventTask(dependenciesFromEnvironment()));
