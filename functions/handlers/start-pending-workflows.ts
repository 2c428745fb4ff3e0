import { startPendingWorkflows } from '../commission-changes/start-pending-workflows.ts';
import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';

/** Scheduled (EventBridge): starts the workflow of any change whose own start did not happen. */
export function createStartPendingWorkflowsHandler(deps: Dependencies) {
  return async (_event: unknown): Promise<{ started: number }> => {
    const started = await startPendingWorkflows(deps);
    if (started.length > 0)
      deps.logger.warn('Started workflows of changes left pending', { changeIds: started });
    return { started: started.length };
  };
}

export const handler = lazyHandler(() => createStartPendingWorkflowsHandler(dependenciesFromEnvironment()));
