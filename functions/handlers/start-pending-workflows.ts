import { sesEmail } from '../composition/email.ts';
import { stepFunctionsWorkflows } from '../composition/workflows.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { startPendingWorkflows } from '../notices/start-pending-workflows.ts';
import { startPendingPolicyWorkflows } from '../policy-changes/workflow.ts';

/** Scheduled (EventBridge): starts workflows whose own start did not happen, delivers emails left queued. */
export function createStartPendingWorkflowsHandler(deps: Dependencies) {
  return async (_event: unknown): Promise<{ started: number; delivered: number }> => {
    deps.logger.resetKeys();
    const { started, delivered } = await startPendingWorkflows(deps);
    const policyChanges = await startPendingPolicyWorkflows(deps);
    if (started.length > 0 || delivered > 0) {
      deps.logger.warn('Picked up what a crashed step left behind', { changeIds: started, delivered });
    }
    return { started: started.length + policyChanges.length, delivered };
  };
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { email: sesEmail, workflows: stepFunctionsWorkflows };

export const handler = lazyHandler(() => createStartPendingWorkflowsHandler(composeDependencies(pieces)));
