import type { CommissionChangeTaskPlaceholder } from '../adapters/step-functions/workflow-definitions.ts';
import type { Dependencies } from '../dependencies.ts';
import { createApplyChangeHandler } from './apply-change.ts';
import { createAwaitAcknowledgementHandler } from './await-acknowledgement.ts';
import { createFollowUpAcknowledgementHandler } from './follow-up-acknowledgement.ts';
import { createSendNoticeHandler } from './send-notice.ts';

/**
 * The commission-change workflow's task handlers by the placeholder names in its ASL file
 * (`${SendNoticeFunctionArn}` …): CDK substitutes Lambda ARNs, the local runtime these handlers.
 */
export function commissionChangeTaskHandlers(
  deps: Dependencies,
): Record<CommissionChangeTaskPlaceholder, (input: unknown) => Promise<unknown>> {
  return {
    SendNoticeFunctionArn: createSendNoticeHandler(deps),
    AwaitAcknowledgementFunctionArn: createAwaitAcknowledgementHandler(deps),
    FollowUpAcknowledgementFunctionArn: createFollowUpAcknowledgementHandler(deps),
    ApplyChangeFunctionArn: createApplyChangeHandler(deps),
  };
}
