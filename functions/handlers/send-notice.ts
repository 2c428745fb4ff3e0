import { sendNotice } from '../commission-changes/send-notice.ts';
import type { WorkflowProgress } from '../commission-changes/workflow-progress.ts';
import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { workflowTaskInputSchema } from '../http/schemas.ts';
import { parseTaskInput } from './task-input.ts';

/** Workflow task SendNotice. */
export function createSendNoticeHandler(deps: Dependencies) {
  return async (event: unknown): Promise<WorkflowProgress> => {
    const { changeId } = parseTaskInput(workflowTaskInputSchema, event);
    deps.logger.appendKeys({ changeId });
    return sendNotice(deps, changeId);
  };
}

export const handler = lazyHandler(() => createSendNoticeHandler(dependenciesFromEnvironment()));
