import type { NoticeLifecycleTask, PolicyChangeTask } from '../config/workflows.ts';
import type { Dependencies } from '../dependencies.ts';
import { createAdvanceTask } from './advance.ts';
import { createApplyChangeTask } from './apply-change.ts';
import { createAwaitEventTask } from './await-event.ts';
import { createAwaitPolicyEventTask } from './policy-await-event.ts';
import { createCompletePolicyRoundTask } from './policy-complete-round.ts';
import { createPlanPolicyRoundTask } from './policy-plan-round.ts';
import { createRecordPolicyFailureTask } from './policy-record-failure.ts';
import { createSendPolicyBatchTask } from './policy-send-batch.ts';
import { createRecordFailureTask } from './record-failure.ts';
import { createSendNoticeTask } from './send-notice.ts';

/**
 * The notice-lifecycle workflow's task handlers by the placeholder names in its ASL file
 * (`${AdvanceFunctionArn}` …, see functions/config/workflows.ts): CDK substitutes the ARNs of the Lambda
 * functions built from these handler files, the local runtime these same handlers in process.
 */
export function noticeLifecycleTaskHandlers(
  deps: Dependencies,
): Record<NoticeLifecycleTask, (input: unknown) => Promise<unknown>> {
  return {
    AdvanceFunctionArn: createAdvanceTask(deps),
    SendNoticeFunctionArn: createSendNoticeTask(deps),
    AwaitEventFunctionArn: createAwaitEventTask(deps),
    ApplyChangeFunctionArn: createApplyChangeTask(deps),
    RecordFailureFunctionArn: createRecordFailureTask(deps),
  };
}

/** The policy-change workflow's task handlers by the placeholder names in workflows/policy-change.asl.json. */
export function policyChangeTaskHandlers(
  deps: Dependencies,
): Record<PolicyChangeTask, (input: unknown) => Promise<unknown>> {
  return {
    PlanPolicyRoundFunctionArn: createPlanPolicyRoundTask(deps),
    SendPolicyBatchFunctionArn: createSendPolicyBatchTask(deps),
    CompletePolicyRoundFunctionArn: createCompletePolicyRoundTask(deps),
    AwaitPolicyEventFunctionArn: createAwaitPolicyEventTask(deps),
    RecordPolicyFailureFunctionArn: createRecordPolicyFailureTask(deps),
  };
}
