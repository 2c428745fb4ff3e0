import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/** The two things the handlers ask of Step Functions. */
export interface WorkflowGateway {
  startCommissionChange(changeId: string): Promise<void>;
  /** Resumes a callback task; 'gone' when the task no longer waits (timed out, resumed, or re-driven). */
  resumeAcknowledgementWait(taskToken: string, output: Record<string, unknown>): Promise<'resumed' | 'gone'>;
}

const GONE = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class StepFunctionsWorkflowGateway implements WorkflowGateway {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client: SFNClient,
  ) {}

  async startCommissionChange(changeId: string): Promise<void> {
    // The execution is named after the change: a retried start is the same execution, never a second one.
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: changeId,
          input: JSON.stringify({ changeId }),
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    }
  }

  async resumeAcknowledgementWait(taskToken: string, output: Record<string, unknown>) {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      return 'resumed' as const;
    } catch (error) {
      if (GONE.has((error as Error).name)) return 'gone' as const;
      throw error;
    }
  }
}

export function createStepFunctionsClient(endpoint?: string): SFNClient {
  return new SFNClient(
    endpoint
      ? { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {},
  );
}
