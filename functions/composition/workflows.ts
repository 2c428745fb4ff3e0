import {
  createStepFunctionsClient,
  StepFunctionsWorkflowGateway,
} from '../adapters/step-functions/workflow-gateway.ts';
import { environmentVariables as env } from '../config/environment.ts';
import { type Pieces, required } from '../dependencies.ts';

/** Both workflows through one Step Functions client: starting them, and resuming their parked waits. */
export const stepFunctionsWorkflows: Pieces['workflows'] = ({ environment, logger, traced }) => {
  const client = traced(createStepFunctionsClient(environment[env.stepFunctionsEndpoint]));
  // Each execution's input carries the correlation id of the request that started it.
  const correlationId = () => logger.getCorrelationId();
  // The ARNs are read lazily: a function that only resumes waits (the AwaitEvent tasks) need not be given
  // them, but one that starts a workflow fails loudly instead of calling Step Functions with a placeholder.
  const workflow = new StepFunctionsWorkflowGateway(
    environment[env.stateMachineArn] ?? '',
    client,
    'changeId',
    correlationId,
  );
  const policyWorkflow = new StepFunctionsWorkflowGateway(
    environment[env.policyStateMachineArn] ?? '',
    client,
    'policyChangeId',
    correlationId,
  );
  return {
    workflow: {
      start: (changeId, attempt) => {
        required(environment, env.stateMachineArn);
        return workflow.start(changeId, attempt);
      },
      resume: (token, output) => workflow.resume(token, output),
    },
    policyWorkflow: {
      start: (policyChangeId, attempt) => {
        required(environment, env.policyStateMachineArn);
        return policyWorkflow.start(policyChangeId, attempt);
      },
      resume: (token, output) => policyWorkflow.resume(token, output),
    },
  };
};
