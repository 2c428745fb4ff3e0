import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/** What the use cases ask of Step Functions. */
export interface WorkflowGateway {
  /** Starts the change's lifecycle workflow; `attempt` > 1 after an operator's retry of a failed one. */
  start(changeId: string, attempt?: number): Promise<void>;
  /** Resumes a parked wait; 'gone' when the task no longer waits (timed out, resumed, or re-driven). */
  resume(taskToken: string, output: object): Promise<'resumed' | 'gone'>;
}

function correlation(id: unknown): { correlationId?: string } {
  return typeof id === 'string' && id !== '' ? { correlationId: id } : {};
}

const GONE = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/** The execution's name: the change itself, so a retried start is the same execution, never a second one. */
export function executionNameOf(changeId: string, attempt = 1): string {
  return attempt <= 1 ? changeId : `${changeId}-retry-${attempt - 1}`;
}

export class StepFunctionsWorkflowGateway implements WorkflowGateway {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client: SFNClient,
    /** The input's one field naming what the execution is about (a change, a policy change). */
    private readonly inputKey: 'changeId' | 'policyChangeId' = 'changeId',
    /**
     * The id of what asks for the start (the API request's: the logger's correlation id), kept in the
     * execution's input so an execution leads back to the request that started it.
     */
    private readonly correlationId: () => unknown = () => undefined,
  ) {}

  async start(changeId: string, attempt = 1): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionNameOf(changeId, attempt),
          input: JSON.stringify({ [this.inputKey]: changeId, ...correlation(this.correlationId()) }),
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    }
  }

  async resume(taskToken: string, output: object) {
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
