import { followUpAcknowledgement } from '../commission-changes/follow-up.ts';
import type { WorkflowProgress } from '../commission-changes/workflow-progress.ts';
import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { workflowTaskInputSchema } from '../http/schemas.ts';
import { parseTaskInput } from './task-input.ts';

/** Workflow task FollowUpAcknowledgement. */
export function createFollowUpAcknowledgementHandler(deps: Dependencies) {
  return async (event: unknown): Promise<WorkflowProgress> => {
    const { changeId } = parseTaskInput(workflowTaskInputSchema, event);
    return followUpAcknowledgement(deps, changeId);
  };
}

export const handler = lazyHandler(() => createFollowUpAcknowledgementHandler(dependenciesFromEnvironment()));
