import type { Dependencies } from '../dependencies.ts';
import { deliverQueuedMessages } from './deliver.ts';

/** A submission normally starts its own workflow within milliseconds; leave it that long before stepping in. */
export const DEFAULT_GRACE_SECONDS = 60;

/**
 * The sweep — on a schedule in AWS, at start-up locally — for what a crash between a commit and its follow-up
 * left behind: a change recorded whose workflow never started (starts are named after the change, so one that
 * did start is never started twice), and emails committed but never handed to the provider.
 */
export async function startPendingWorkflows(
  deps: Dependencies,
  graceSeconds: number = DEFAULT_GRACE_SECONDS,
): Promise<{ started: string[]; delivered: number }> {
  const cutoff = new Date(deps.clock.now().getTime() - graceSeconds * 1000).toISOString();
  const started: string[] = [];
  for (const { changeId, workflowAttempt } of await deps.changes.pendingWorkflows(cutoff)) {
    await deps.workflow.start(changeId, workflowAttempt);
    started.push(changeId);
  }
  let delivered = 0;
  const changes = new Set(
    (await deps.changes.undeliveredMessages(cutoff)).map((message) => message.changeId),
  );
  for (const changeId of changes) {
    try {
      const before = (await deps.changes.messages(changeId, true)).length;
      await deliverQueuedMessages(deps, changeId);
      delivered += before;
    } catch (error) {
      deps.logger.error('Queued emails still undeliverable', { changeId, error: error as Error });
    }
  }
  return { started, delivered };
}
