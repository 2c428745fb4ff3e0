import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import { secondsUntil } from '../domain/acknowledgement-follow-up.ts';
import { agendaOf, type NextStep } from '../domain/agenda.ts';
import { addDays } from '../domain/calendar.ts';
import type { ChangeStatus } from '../domain/lifecycle.ts';
import type { LifecyclePolicy } from '../domain/lifecycle-policy.ts';

/**
 * What the workflow needs to choose its next state. Every task returns it, and every resumed wait receives it,
 * so the Route choice in workflows/notice-lifecycle.asl.json always decides on the change as last written.
 */
export interface WorkflowProgress {
  changeId: string;
  status: ChangeStatus;
  /** The revision this progress was computed from: the wait parks its token only if it is still current. */
  revision: number;
  next: NextStep;
  /** Seconds until the next deadline (capped by the policy's maxWaitDays): the wait's timeout. */
  waitSeconds: number;
}

export function progressOf(change: StoredChange, policy: LifecyclePolicy, now: Date): WorkflowProgress {
  const agenda = agendaOf(change, policy, now);
  const cap = addDays(now, policy.maxWaitDays);
  const until = agenda.nextAt && agenda.nextAt < cap ? agenda.nextAt : cap;
  return {
    changeId: change.changeId,
    status: change.status,
    revision: change.revision,
    next: agenda.next,
    waitSeconds: secondsUntil(until, now),
  };
}
