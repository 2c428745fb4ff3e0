import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { taskInputSchema } from '../notices/schemas.ts';
import { sendNotice } from '../notices/send-notice.ts';
import { taskHandler } from './task-input.ts';

/** Workflow task SendNotice. */
export function createSendNoticeTask(deps: Dependencies) {
  return taskHandler(deps, taskInputSchema, (deps, { changeId }) => sendNotice(deps, changeId));
}

export const handler = lazyHandler(() => createSendNoticeTask(dependenciesFromEnvironment()));
