import { queryAll } from '../adapters/dynamodb/all-items.ts';
import type { Dependencies } from '../dependencies.ts';

export const WORKFLOW_PENDING = 'pending';
/** A submission normally starts its own workflow within milliseconds; leave it that long before stepping in. */
export const DEFAULT_GRACE_SECONDS = 60;

/**
 * A change is recorded before its workflow is started; if the start failed (throttling, a crash in between),
 * the change would wait forever. This sweep — on a schedule in AWS, at start-up locally — starts the workflow
 * of every change still marked pending after a grace period. Starts are named after the change, so one that
 * did start is never started twice.
 */
export async function startPendingWorkflows(
  deps: Dependencies,
  graceSeconds: number = DEFAULT_GRACE_SECONDS,
): Promise<string[]> {
  const cutoff = new Date(deps.clock.now().getTime() - graceSeconds * 1000).toISOString();
  const pending = await queryAll<{ changeId: string }>(deps.documentClient, {
    TableName: deps.tables.changes,
    IndexName: 'pendingWorkflow',
    KeyConditionExpression: 'workflowPending = :pending AND submittedAt <= :cutoff',
    ExpressionAttributeValues: { ':pending': WORKFLOW_PENDING, ':cutoff': cutoff },
  });
  const started: string[] = [];
  for (const { changeId } of pending) {
    await deps.workflow.startCommissionChange(changeId);
    started.push(changeId);
  }
  return started;
}
