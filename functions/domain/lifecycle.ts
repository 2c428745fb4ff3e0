/**
 * The notice lifecycle every kind of change goes through (../shared/LIFECYCLE.md, adapted): its statuses and
 * the transitions allowed between them, as data. Every write to a change names one of these events and is
 * refused unless the table allows it from the status the change is in (see `assertTransition`); the stored
 * status and revision are then checked again by the write's condition, so a stale decision never lands.
 */
export const changeStatuses = [
  'awaiting-approval',
  'awaiting-consultation',
  'notice-due',
  'notice-sent',
  'escalated',
  'held',
  'disputed',
  'scheduled',
  'applied',
  'rejected',
  'approval-expired',
  'withdrawn',
  'workflow-failed',
] as const;
export type ChangeStatus = (typeof changeStatuses)[number];

/** Statuses a change never leaves (workflow-failed is left only by an operator's retry). */
export const terminalStatuses: ReadonlySet<ChangeStatus> = new Set([
  'applied',
  'rejected',
  'approval-expired',
  'withdrawn',
]);

/** Statuses in which the partner has been told and may act on the notice (acknowledge or raise a concern). */
export const noticeOutStatuses: ReadonlySet<ChangeStatus> = new Set([
  'notice-sent',
  'escalated',
  'held',
  'disputed',
  'scheduled',
]);

const beforeApplied = changeStatuses.filter(
  (status) => !terminalStatuses.has(status) && status !== 'workflow-failed',
);

const noticeOut = ['notice-sent', 'escalated', 'held', 'scheduled'] as const;

/**
 * The transitions, as rows: an event, who causes it, the statuses it may start from, and the statuses it may
 * lead to — or 'same' for a step that records something and leaves the status as it is (a reminder, a late
 * delivery receipt, an acknowledgement of a change already scheduled). An event may have several rows (an
 * acknowledgement moves a waiting change on, and keeps a scheduled one where it is). Which allowed target a
 * step takes is the use case's decision (e.g. approval leads to consultation only at stages that need it);
 * the table only says what is allowed.
 */
export const transitionRules = [
  {
    event: 'submit',
    by: 'finance / partner manager',
    from: [],
    to: ['awaiting-approval', 'awaiting-consultation', 'notice-due'],
  },
  // One approval of several (emergency) keeps the status; the last one moves it on.
  {
    event: 'approve',
    by: 'approver (never the submitter)',
    from: ['awaiting-approval'],
    to: ['awaiting-approval', 'awaiting-consultation', 'notice-due'],
  },
  { event: 'reject', by: 'approver', from: ['awaiting-approval'], to: ['rejected'] },
  { event: 'expire-approval', by: 'clock', from: ['awaiting-approval'], to: ['approval-expired'] },
  {
    event: 'record-consultation',
    by: 'alliance manager',
    from: ['awaiting-consultation'],
    to: ['notice-due'],
  },
  { event: 'remind-consultation', by: 'clock', from: ['awaiting-consultation'], to: 'same' },
  // A favourable change is not held on acknowledgement: it goes straight to scheduled.
  { event: 'send-notice', by: 'workflow', from: ['notice-due'], to: ['notice-sent', 'scheduled'] },
  {
    event: 'record-delivery',
    by: 'email provider',
    from: [...noticeOut, 'disputed', 'withdrawn'],
    to: 'same',
  },
  // A hard bounce or complaint marks a recipient unreachable (and tells the fallback contacts) without moving it.
  {
    event: 'record-unreachable',
    by: 'email provider',
    from: [...noticeOut, 'disputed'],
    to: 'same',
  },
  { event: 'remind', by: 'clock', from: ['notice-sent'], to: 'same' },
  { event: 'escalate', by: 'clock', from: ['notice-sent'], to: ['escalated'] },
  { event: 'acknowledge', by: 'partner', from: ['notice-sent', 'escalated', 'held'], to: ['scheduled'] },
  // Recorded on a change already paused, scheduled or applied (a favourable one), without moving it.
  { event: 'acknowledge', by: 'partner', from: ['disputed', 'scheduled', 'applied'], to: 'same' },
  // A concern pauses an adverse change; a favourable one keeps its status while the concern is handled.
  { event: 'raise-concern', by: 'partner', from: noticeOut, to: ['disputed'] },
  { event: 'raise-concern', by: 'partner', from: [...noticeOut, 'applied'], to: 'same' },
  { event: 'remind-dispute', by: 'clock', from: [...noticeOut, 'disputed', 'applied'], to: 'same' },
  { event: 'escalate-dispute', by: 'clock', from: [...noticeOut, 'disputed', 'applied'], to: 'same' },
  // Upheld with a written answer: back where it was (scheduled if acknowledged meanwhile).
  { event: 'uphold-dispute', by: 'dispute owner', from: ['disputed'], to: noticeOut },
  { event: 'uphold-dispute', by: 'dispute owner', from: [...noticeOut, 'applied'], to: 'same' },
  // New terms: a new notice version goes out (a worse revision restarts the notice period).
  {
    event: 'revise-after-dispute',
    by: 'dispute owner / finance',
    from: [...noticeOut, 'disputed'],
    to: ['notice-due'],
  },
  { event: 'hold', by: 'clock', from: ['notice-sent', 'escalated'], to: ['held'] },
  { event: 'remind-held', by: 'clock', from: ['held'], to: 'same' },
  // A person closes the escalation: proceed without the acknowledgement, or withdraw.
  {
    event: 'resolve-escalation',
    by: 'alliance manager',
    from: ['escalated', 'held'],
    to: ['scheduled', 'withdrawn'],
  },
  {
    event: 'withdraw',
    by: 'finance / dispute owner',
    from: [...beforeApplied, 'workflow-failed'],
    to: ['withdrawn'],
  },
  { event: 'apply', by: 'clock', from: ['scheduled'], to: ['applied'] },
  { event: 'fail-workflow', by: 'workflow', from: beforeApplied, to: ['workflow-failed'] },
  { event: 'retry-workflow', by: 'operator', from: ['workflow-failed'], to: beforeApplied },
] as const satisfies readonly {
  event: string;
  by: string;
  from: readonly ChangeStatus[];
  to: readonly ChangeStatus[] | 'same';
}[];

export type LifecycleEvent = (typeof transitionRules)[number]['event'];
export const lifecycleEvents = [...new Set(transitionRules.map((rule) => rule.event))] as LifecycleEvent[];

/** One row of a transition table: `from: []` is a new record, `to: 'same'` keeps the status where it is. */
export interface TransitionRule<Status extends string, Event extends string> {
  event: Event;
  from: readonly Status[];
  to: readonly Status[] | 'same';
}

/** Whether a transition table (a change's, a policy change's) allows `event` to move `from` → `to`. */
export function transitionAllowed<Status extends string, Event extends string>(
  rules: readonly TransitionRule<Status, Event>[],
  event: Event,
  from: Status | undefined,
  to: Status,
): boolean {
  return rules.some((rule) => {
    if (rule.event !== event) return false;
    if (from === undefined ? rule.from.length > 0 : !rule.from.includes(from)) return false;
    return rule.to === 'same' ? to === from : rule.to.includes(to);
  });
}

export function isAllowed(event: LifecycleEvent, from: ChangeStatus | undefined, to: ChangeStatus): boolean {
  return transitionAllowed<ChangeStatus, LifecycleEvent>(transitionRules, event, from, to);
}

export class TransitionNotAllowed extends Error {
  override readonly name = 'TransitionNotAllowed';
}

/** Throws unless the table allows `event` to move a change from `from` to `to`. */
export function assertTransition(
  event: LifecycleEvent,
  from: ChangeStatus | undefined,
  to: ChangeStatus,
): void {
  if (!isAllowed(event, from, to)) {
    throw new TransitionNotAllowed(`${event} may not move a change from ${from ?? '(new)'} to ${to}`);
  }
}

export function isTerminal(status: ChangeStatus): boolean {
  return terminalStatuses.has(status);
}
