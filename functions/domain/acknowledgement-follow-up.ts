import { DAY_MS } from './calendar.ts';
import type { StagePolicy } from './relationship-stage.ts';

/** After escalation, how often the workflow looks again (no further messages: the alliance manager owns it). */
export const POST_ESCALATION_CHECK_DAYS = 7;

export type FollowUpAction = 'remind' | 'escalate' | 'none';

export interface FollowUpState {
  deliveredAt: Date;
  remindersSent: number;
  escalated: boolean;
}

export interface FollowUpDecision {
  action: FollowUpAction;
  /** Which reminder this is (1-based) when action is 'remind'. */
  reminderNumber?: number;
  nextCheckAt: Date;
}

function checkpoint(deliveredAt: Date, day: number): Date {
  return new Date(deliveredAt.getTime() + day * DAY_MS);
}

/** When to look next if nothing is done now: the next reminder day, the escalation day, or a weekly check. */
export function nextCheckAt(policy: StagePolicy, state: FollowUpState, now: Date): Date {
  const days = [...policy.reminderDays, policy.escalationDay];
  for (const day of days) {
    const at = checkpoint(state.deliveredAt, day);
    if (at > now) return at;
  }
  const sinceEscalation = now.getTime() - checkpoint(state.deliveredAt, policy.escalationDay).getTime();
  const weeks = Math.floor(sinceEscalation / (POST_ESCALATION_CHECK_DAYS * DAY_MS)) + 1;
  return new Date(
    checkpoint(state.deliveredAt, policy.escalationDay).getTime() +
      weeks * POST_ESCALATION_CHECK_DAYS * DAY_MS,
  );
}

/**
 * What an unacknowledged notice needs now (principle 4). Only the latest due step is taken: after a long
 * outage the partner gets the escalation, not a burst of stale reminders.
 */
export function decideFollowUp(policy: StagePolicy, state: FollowUpState, now: Date): FollowUpDecision {
  const next = nextCheckAt(policy, state, now);
  if (state.escalated) return { action: 'none', nextCheckAt: next };
  if (checkpoint(state.deliveredAt, policy.escalationDay) <= now)
    return { action: 'escalate', nextCheckAt: next };
  const dueReminders = policy.reminderDays.filter((day) => checkpoint(state.deliveredAt, day) <= now).length;
  if (dueReminders > state.remindersSent) {
    return { action: 'remind', reminderNumber: dueReminders, nextCheckAt: next };
  }
  return { action: 'none', nextCheckAt: next };
}

/** Seconds until `at`, at least 1: Step Functions timeouts must be positive whole seconds. */
export function secondsUntil(at: Date, now: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
}
