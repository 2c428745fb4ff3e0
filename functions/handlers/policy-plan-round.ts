import { type Dependencies, dependenciesFromEnvironment, lazyHandler } from '../dependencies.ts';
import { policyTaskInputSchema } from '../policy-changes/task-schemas.ts';
import { planPolicyRound } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task PlanRound: what is due now, and the manifest of a round due. */
export function createPlanPolicyRoundTask(deps: Dependencies) {
  return taskHandler(deps, policyTaskInputSchema, (deps, { policyChangeId }) =>
    planPolicyRound(deps, policyChangeId),
  );
}

export const handler = lazyHandler(() => createPlanPolicyRoundTask(dependenciesFromEnvironment()));
