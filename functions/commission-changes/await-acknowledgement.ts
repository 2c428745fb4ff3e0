import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ChangeStore, changeKeys } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';

/**
 * Workflow callback step: park the task token on the change while it is still waiting for the partner. The
 * token is stored only if the status is still notice-sent; if the acknowledgement won the race (or arrived
 * before a re-drive), the workflow is resumed right here, so no interleaving leaves it waiting forever.
 */
export async function awaitAcknowledgement(
  deps: Dependencies,
  input: { changeId: string; taskToken: string },
): Promise<'waiting' | 'already-acknowledged'> {
  try {
    await deps.documentClient.send(
      new UpdateCommand({
        TableName: deps.tables.changes,
        Key: changeKeys.change(input.changeId),
        UpdateExpression: 'SET acknowledgementTaskToken = :token',
        ConditionExpression: '#status = :waiting',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':token': input.taskToken, ':waiting': 'notice-sent' },
      }),
    );
    return 'waiting';
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
  const change = await new ChangeStore(deps.documentClient, deps.tables).get(input.changeId);
  if (change?.status !== 'acknowledged' && change?.status !== 'applied') {
    throw new Error(`Change ${input.changeId} is ${change?.status ?? 'missing'}: nothing to wait for`);
  }
  await deps.workflow.resumeAcknowledgementWait(input.taskToken, {
    acknowledgedAt: change.acknowledgement?.acknowledgedAt ?? null,
  });
  return 'already-acknowledged';
}
