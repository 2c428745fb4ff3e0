import type { Dependencies } from '../dependencies.ts';
import { isTerminal } from '../domain/lifecycle.ts';
import { act } from './act.ts';

/** Bound on what is kept of a failure's cause: enough to diagnose, never an item-size problem. */
const MAX_CAUSE_CHARACTERS = 2000;

/**
 * Workflow step reached by every task's Catch: a step failed for good (its retries exhausted), so the change
 * is marked workflow-failed — visible in lists and on the change, audited — instead of silently stuck.
 * An operator retries it (retryWorkflow) once the cause is fixed.
 */
export async function recordWorkflowFailure(
  deps: Dependencies,
  input: { changeId: string; error: string; cause: string },
): Promise<{ recorded: boolean }> {
  deps.logger.error('Workflow step failed for good', { ...input });
  const outcome = await act<undefined, 'ended'>(
    deps,
    input.changeId,
    (change, now) => {
      if (isTerminal(change.status) || change.status === 'workflow-failed') return { refuse: 'ended' };
      const failure = {
        at: now.toISOString(),
        error: input.error.slice(0, 200),
        cause: input.cause.slice(0, MAX_CAUSE_CHARACTERS),
        failedFrom: change.status,
        attempt: change.workflowAttempt ?? 1,
      };
      return {
        event: 'fail-workflow' as const,
        to: 'workflow-failed' as const,
        patch: { failure },
        remove: ['taskToken', 'taskTokenRevision'],
        audit: { type: 'workflow-failed' as const, actor: 'workflow', details: failure },
        result: undefined,
      };
    },
    { fromWorkflow: true },
  );
  return { recorded: outcome.ok };
}

export type RetryOutcome =
  | { outcome: 'retried'; attempt: number }
  | { outcome: 'unknown-change' | 'not-failed' | 'not-allowed' };

/** An operator's retry of a failed workflow: the change goes back where it failed and a new execution starts. */
export async function retryWorkflow(deps: Dependencies, changeId: string, by: string): Promise<RetryOutcome> {
  const outcome = await act<number, 'not-failed'>(deps, changeId, (change) => {
    if (change.status !== 'workflow-failed' || !change.failure) return { refuse: 'not-failed' as const };
    const attempt = (change.workflowAttempt ?? 1) + 1;
    return {
      event: 'retry-workflow' as const,
      to: change.failure.failedFrom,
      patch: { workflowAttempt: attempt, workflowPending: 'pending' as const },
      remove: ['failure'],
      audit: {
        type: 'workflow-retried' as const,
        actor: by,
        details: { attempt, failedFrom: change.failure.failedFrom, error: change.failure.error },
      },
      result: attempt,
    };
  });
  if (!outcome.ok) return { outcome: outcome.refusal };
  await deps.workflow.start(changeId, outcome.result);
  return { outcome: 'retried', attempt: outcome.result };
}
