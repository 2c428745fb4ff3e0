import { GetExecutionHistoryCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';

/**
 * The states a change's execution entered, in order, from its history: each StateEntered event is one billed
 * state transition on AWS Standard workflows.
 */
export async function statesEntered(
  client: SFNClient,
  stateMachineArn: string,
  executionName: string,
): Promise<string[]> {
  const listed = await client.send(new ListExecutionsCommand({ stateMachineArn }));
  const execution = listed.executions?.find((candidate) => candidate.name === executionName);
  if (!execution?.executionArn) throw new Error(`No execution named ${executionName}`);
  const history = await client.send(
    new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 }),
  );
  return (history.events ?? [])
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '');
}
