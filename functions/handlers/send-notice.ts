import { sesEmail } from '../composition/email.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { taskInputSchema } from '../notices/schemas.ts';
import { sendNotice } from '../notices/send-notice.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task SendNotice. */
export function createSendNoticeTask(deps: Dependencies) {
  return taskHandler(deps, taskInputSchema, (deps, { changeId }) => sendNotice(deps, changeId));
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { email: sesEmail };

export const handler = lazyHandler(() => createSendNoticeTask(composeDependencies(pieces)));
