import { fileURLToPath } from 'node:url';

/**
 * The one description of each workflow: its ASL file in `workflows/` and the `${...}` placeholders of the
 * task functions it calls. CDK fills the placeholders with Lambda ARNs, the local runtime with handlers.
 */
export const commissionChangeWorkflow = {
  name: 'CommissionChange',
  definitionFile: fileURLToPath(new URL('../../../workflows/commission-change.asl.json', import.meta.url)),
  taskPlaceholders: [
    'SendNoticeFunctionArn',
    'AwaitAcknowledgementFunctionArn',
    'FollowUpAcknowledgementFunctionArn',
    'ApplyChangeFunctionArn',
  ],
} as const;

export type CommissionChangeTaskPlaceholder = (typeof commissionChangeWorkflow.taskPlaceholders)[number];
