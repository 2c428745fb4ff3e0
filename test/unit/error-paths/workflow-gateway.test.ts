/** StepFunctionsWorkflowGateway error paths with a mocked Step Functions client. */
import 'aws-sdk-client-mock-vitest/extend';
import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsWorkflowGateway } from '../../../functions/adapters/step-functions/workflow-gateway.ts';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:CommissionChange';
const sfn = mockClient(SFNClient);

function gateway() {
  return new StepFunctionsWorkflowGateway(ARN, new SFNClient({ region: 'us-east-1' }));
}

function throttling() {
  return new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
}

beforeEach(() => {
  sfn.reset();
});

describe('StepFunctionsWorkflowGateway.start', () => {
  it('starts an execution named after the change', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:chg_1`, startDate: new Date() });
    await gateway().start('chg_1');
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: ARN,
      name: 'chg_1',
      input: JSON.stringify({ changeId: 'chg_1' }),
    });
  });

  it('carries the id of the request that starts it in the execution input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:chg_1`, startDate: new Date() });
    const requestId = 'req-7f3a';
    await new StepFunctionsWorkflowGateway(
      ARN,
      new SFNClient({ region: 'us-east-1' }),
      'changeId',
      () => requestId,
    ).start('chg_1');
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: ARN,
      name: 'chg_1',
      input: JSON.stringify({ changeId: 'chg_1', correlationId: requestId }),
    });
  });

  it("names an operator's retry after the attempt, so a failed execution's name is never reused", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:chg_1-retry-1`, startDate: new Date() });
    await gateway().start('chg_1', 2);
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: ARN,
      name: 'chg_1-retry-1',
      input: JSON.stringify({ changeId: 'chg_1' }),
    });
  });

  it('treats ExecutionAlreadyExists as success (a retried start is the same execution)', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution already exists', $metadata: {} }));
    await expect(gateway().start('chg_1')).resolves.toBeUndefined();
  });

  it('propagates other errors (throttling) so the caller fails and is retried', async () => {
    const error = throttling();
    sfn.on(StartExecutionCommand).rejects(error);
    await expect(gateway().start('chg_1')).rejects.toBe(error);
  });
});

describe('StepFunctionsWorkflowGateway.resume', () => {
  it('sends task success with the output as JSON', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await gateway().resume('token-1', { acknowledgedAt: '2026-03-03T00:00:00Z' })).toBe('resumed');
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({ acknowledgedAt: '2026-03-03T00:00:00Z' }),
    });
  });

  it.each([
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task timed out', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'Invalid token', $metadata: {} })],
  ])("answers 'gone' when Step Functions says %s", async (_name, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error());
    expect(await gateway().resume('token-1', {})).toBe('gone');
  });

  it('propagates other errors (throttling)', async () => {
    const error = throttling();
    sfn.on(SendTaskSuccessCommand).rejects(error);
    await expect(gateway().resume('token-1', {})).rejects.toBe(error);
  });
});
