import { awaitAcknowledgement } from '../commission-changes/await-acknowledgement.ts';
import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { awaitAcknowledgementInputSchema } from '../http/schemas.ts';
import { parseTaskInput } from './task-input.ts';

/** Workflow callback task AwaitAcknowledgement (invoked with the task token; its result is not the task's). */
export function createAwaitAcknowledgementHandler(deps: Dependencies) {
  return async (event: unknown): Promise<{ state: 'waiting' | 'already-acknowledged' }> => {
    const input = parseTaskInput(awaitAcknowledgementInputSchema, event);
    return { state: await awaitAcknowledgement(deps, input) };
  };
}

export const handler = lazyHandler(() => createAwaitAcknowledgementHandler(dependenciesFromEnvironment()));
