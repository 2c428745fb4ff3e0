import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import { nextCheckAt, secondsUntil } from '../domain/acknowledgement-follow-up.ts';
import { isAdverse } from '../domain/commission-change.ts';
import type { StagePolicy } from '../domain/relationship-stage.ts';

/** What the workflow needs to choose its next state; every task that can precede the choice returns it. */
export interface WorkflowProgress {
  applyAt: string;
  holdForAcknowledgement: boolean;
  acknowledged: boolean;
  /** Seconds until the next reminder/escalation check (the acknowledgement wait's timeout). */
  nextCheckSeconds: number;
}

export function progressOf(change: StoredChange, policy: StagePolicy, now: Date): WorkflowProgress {
  if (!change.notice) throw new Error(`Change ${change.changeId} has no delivered notice yet`);
  const deliveredAt = new Date(change.notice.deliveredAt);
  const next = nextCheckAt(
    policy,
    { deliveredAt, remindersSent: change.followUp.remindersSent, escalated: change.followUp.escalated },
    now,
  );
  return {
    applyAt: change.notice.applyAt,
    holdForAcknowledgement: isAdverse(change),
    acknowledged: change.status === 'acknowledged' || change.status === 'applied',
    nextCheckSeconds: secondsUntil(next, now),
  };
}
