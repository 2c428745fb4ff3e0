import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';

/** The history of the execution named `executionName` (a change's id), its first 1,000 events. */
export async function executionHistory(
  client: SFNClient,
  stateMachineArn: string,
  executionName: string,
): Promise<HistoryEvent[]> {
  const listed = await client.send(new ListExecutionsCommand({ stateMachineArn }));
  const execution = listed.executions?.find((candidate) => candidate.name === executionName);
  if (!execution?.executionArn) throw new Error(`No execution named ${executionName}`);
  const history = await client.send(
    new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 }),
  );
  return history.events ?? [];
}

/**
 * The states a change's execution entered, in order, from its history: each StateEntered event is one billed
 * state transition on AWS Standard workflows.
 */
export async function statesEntered(
  client: SFNClient,
  stateMachineArn: string,
  executionName: string,
): Promise<string[]> {
  return (await executionHistory(client, stateMachineArn, executionName))
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '');
}

/**
 * About the bytes the state machine's logging (level ALL, with execution data, infra/workflow.ts) writes to
 * CloudWatch Logs for an execution: one log event per history event, carrying the same details.
 */
export function historyLogBytes(events: readonly HistoryEvent[]): number {
  return events.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event)), 0);
}
