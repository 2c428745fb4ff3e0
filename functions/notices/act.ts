import type { TransactItem } from '../adapters/dynamodb/audited-transaction.ts';
import { ChangeStore, type StoredChange, type TransitionOptions } from '../adapters/dynamodb/change-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { OutgoingEmail } from '../adapters/email/notice-mailer.ts';
import type { Dependencies } from '../dependencies.ts';
import {
  type AuditEntry,
  type AuditEntryType,
  type AuditStreamHead,
  headAfter,
} from '../domain/audit-chain.ts';
import { type ChangeStatus, isAllowed, type LifecycleEvent } from '../domain/lifecycle.ts';
import { commitChangeStep } from './commit.ts';
import { deliverMessagesLater } from './deliver.ts';
import { progressOf } from './progress.ts';

/**
 * Each lost race means another writer's step landed in between; re-deciding on the new state settles it in a
 * round or two (the new state usually refuses or makes the step a no-op), so a handful of rounds is plenty.
 */
export const MAX_DECISION_ROUNDS = 5;

type Patch = Parameters<Dependencies['changes']['transition']>[3];
type Remove = NonNullable<Parameters<Dependencies['changes']['transition']>[4]>['remove'];

/** One lifecycle step, as a use case decides it: the transition, its audit entry, its other writes, its emails. */
export interface StepPlan<Result> {
  event: LifecycleEvent;
  to: ChangeStatus;
  patch?: Patch;
  remove?: Remove;
  audit: { type: AuditEntryType; actor: string; details: Record<string, unknown> };
  /** Other writes committed in the same transaction (an acknowledgement record, ledger events, a rate entry). */
  items?: TransactItem[];
  /** Emails committed with the step and delivered right after it. */
  messages?: OutgoingEmail[];
  result: Result;
}

export type Decision<Result, Refusal extends string> =
  | StepPlan<Result>
  | { refuse: Refusal; detail?: string };

export type ActOutcome<Result, Refusal extends string> =
  | { ok: true; result: Result; change: StoredChange }
  | {
      ok: false;
      refusal: Refusal | 'unknown-change' | 'not-allowed';
      detail?: string;
      change?: StoredChange;
    };

/**
 * Runs one person's action on a change: decide on the change as stored, commit the step with its audit entry
 * and emails in one transaction (guarded by the status and revision it decided on), then deliver the emails
 * and resume the workflow if it waits. A lost race re-decides on the new state.
 */
export async function act<Result, Refusal extends string>(
  deps: Dependencies,
  changeId: string,
  decide: (change: StoredChange, now: Date) => Promise<Decision<Result, Refusal>> | Decision<Result, Refusal>,
  options: {
    fromWorkflow?: boolean;
    /** The change as the caller just read it: the first round decides on it instead of reading it again. */
    known?: StoredChange;
    /** The caller delivers the step's emails itself (and marks them in its next step), so act leaves them queued. */
    callerDelivers?: boolean;
  } = {},
): Promise<ActOutcome<Result, Refusal>> {
  for (let round = 1; ; round += 1) {
    const change = round === 1 && options.known ? options.known : await deps.changes.get(changeId);
    if (!change) return { ok: false, refusal: 'unknown-change' };
    const now = deps.clock.now();
    const decision = await decide(change, now);
    if ('refuse' in decision) {
      return {
        ok: false,
        refusal: decision.refuse,
        ...(decision.detail ? { detail: decision.detail } : {}),
        change,
      };
    }
    // The lifecycle's transition table has the last word: a step it does not allow from here is refused.
    if (!isAllowed(decision.event, change.status, decision.to)) {
      return {
        ok: false,
        refusal: 'not-allowed',
        detail: `A change that is ${change.status} cannot be moved by ${decision.event}.`,
        change,
      };
    }
    const at = now.toISOString();
    const transitionOptions: TransitionOptions = {
      ...(decision.remove ? { remove: decision.remove } : {}),
      // A person's step must know which wait to resume after it: it commits only on the token it read.
      ...(options.fromWorkflow ? { fromWorkflow: true } : { taskTokenSeen: change.taskToken ?? null }),
    };
    // The change records its stream's new head, so its next step chains without reading the head.
    const items = (head: AuditStreamHead) => [
      deps.changes.transition(
        change,
        decision.event,
        decision.to,
        { ...decision.patch, auditHead: head },
        transitionOptions,
      ),
      ...(decision.items ?? []),
      ...(decision.messages ?? []).map((email) => deps.changes.queueMessage(email, at)),
    ];
    let entries: AuditEntry[];
    try {
      entries = await commitChangeStep(
        deps,
        { changeId, partnerId: change.partnerId, kind: change.kind, status: decision.to },
        { ...decision.audit, at },
        items,
        change.auditHead,
      );
    } catch (error) {
      if (error instanceof ConditionNotMet && round < MAX_DECISION_ROUNDS) continue;
      throw error;
    }
    const messages = decision.messages ?? [];
    // Delivered now, or left queued for the sweep: the step itself is committed either way.
    if (messages.length > 0 && !options.callerDelivers) await deliverMessagesLater(deps, changeId, messages);
    // Computed, not read back: the commit was guarded by the status, the revision and (for a person's step)
    // the parked token it was decided on, so nothing else of the change can have moved in between.
    const after = ChangeStore.afterTransition(
      change,
      decision.to,
      { ...decision.patch, auditHead: headAfter(entries) },
      transitionOptions,
    );
    if (!options.fromWorkflow) await resumeWorkflow(deps, after);
    return { ok: true, result: decision.result, change: after };
  }
}

/**
 * Wakes the workflow if it is parked on an older revision of the change (a person just acted). `change` is the
 * change as committed: a token parked between the read and the commit fails the commit (taskTokenSeen) and the
 * step is decided again, and a park after the commit finds the revision moved and is not parked at all (see
 * ChangeStore.parkTaskToken and functions/notices/await-event.ts).
 */
export async function resumeWorkflow(deps: Dependencies, change: StoredChange): Promise<void> {
  if (!change.taskToken || (change.taskTokenRevision ?? -1) >= change.revision) return;
  try {
    await deps.workflow.resume(change.taskToken, progressOf(change, deps.policy, deps.clock.now()));
  } catch (error) {
    // The action is committed; the workflow looks again at its next deadline at the latest (maxWaitDays).
    deps.logger.error('Could not resume the workflow', { changeId: change.changeId, error: error as Error });
  }
}
