import { s3Manifests } from '../composition/manifests.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { policyTaskInputSchema } from '../policy-changes/task-schemas.ts';
import { planPolicyRound } from '../policy-changes/workflow.ts';
import { taskHandler } from './task-input.ts';

/** Policy workflow task PlanRound: what is due now, and the manifest of a round due. */
export function createPlanPolicyRoundTask(deps: Dependencies) {
  return taskHandler(deps, policyTaskInputSchema, (deps, { policyChangeId }) =>
    planPolicyRound(deps, policyChangeId),
  );
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { manifests: s3Manifests };

export const handler = lazyHandler(() => createPlanPolicyRoundTask(composeDependencies(pieces)));
