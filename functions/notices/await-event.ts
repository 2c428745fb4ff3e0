import type { Dependencies } from '../dependencies.ts';
import { progressOf } from './progress.ts';
import { ChangeNotFound } from './send-notice.ts';

/**
 * Workflow callback step: parks the task token on the change while it waits for a person (approver, alliance
 * manager, partner, dispute owner) or for its next deadline. The token is parked only if the change is still
 * at the revision the workflow decided to wait on; if anything happened since, the workflow is resumed right
 * here with fresh progress, so no interleaving of a person's action and this step leaves it waiting.
 */
export async function awaitEvent(
  deps: Dependencies,
  input: { changeId: string; taskToken: string; revision: number },
): Promise<'waiting' | 'resumed'> {
  if (await deps.changes.parkTaskToken(input.changeId, input.taskToken, input.revision)) return 'waiting';
  const change = await deps.changes.get(input.changeId);
  if (!change) throw new ChangeNotFound(`No change ${input.changeId}`);
  await deps.workflow.resume(input.taskToken, progressOf(change, deps.policy, deps.clock.now()));
  return 'resumed';
}
