import { sesEmail } from '../composition/email.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { advance } from '../notices/advance.ts';
import { taskInputSchema } from '../notices/schemas.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task Advance: every deadline of the change that has passed. */
export function createAdvanceTask(deps: Dependencies) {
  return taskHandler(deps, taskInputSchema, (deps, { changeId }) => advance(deps, changeId));
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { email: sesEmail };

export const handler = lazyHandler(() => createAdvanceTask(composeDependencies(pieces)));
