import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  type ChangeStatus,
  changeStatuses,
  isAllowed,
  lifecycleEvents,
  TransitionNotAllowed,
  terminalStatuses,
  transitionRules,
} from '../../functions/domain/lifecycle.ts';

const EVENTS = lifecycleEvents;

describe('the lifecycle transition table', () => {
  it('names only known statuses', () => {
    for (const rule of transitionRules) {
      for (const status of [...rule.from, ...(rule.to === 'same' ? [] : rule.to)]) {
        expect(changeStatuses).toContain(status);
      }
    }
  });

  it('never moves an ended change (applied, withdrawn, rejected, expired) to another status', () => {
    for (const event of EVENTS) {
      for (const from of terminalStatuses) {
        for (const to of changeStatuses) {
          // What may still be recorded on an ended change keeps it where it is (an acknowledgement of an applied
          // raise, the answer to its concern, a late delivery receipt).
          if (isAllowed(event, from, to)) expect(to).toBe(from);
        }
      }
    }
  });

  it('reaches every status from submission', () => {
    const reached = new Set<ChangeStatus>(['awaiting-approval', 'awaiting-consultation', 'notice-due']);
    for (let changed = true; changed; ) {
      changed = false;
      for (const rule of transitionRules) {
        if (
          rule.to === 'same' ||
          !(rule.from as readonly ChangeStatus[]).some((status) => reached.has(status))
        )
          continue;
        for (const to of rule.to) {
          if (!reached.has(to)) {
            reached.add(to);
            changed = true;
          }
        }
      }
    }
    expect([...reached].sort()).toEqual([...changeStatuses].sort());
  });

  it('never lets an unapproved change be notified: only approval or consultation leads to notice-due', () => {
    const intoNoticeDue = EVENTS.filter((event) =>
      changeStatuses.some((from) => isAllowed(event, from, 'notice-due')),
    );
    // retry-workflow restores the status the workflow failed in (functions/notices/failure.ts).
    expect(intoNoticeDue.sort()).toEqual(
      ['approve', 'record-consultation', 'retry-workflow', 'revise-after-dispute'].sort(),
    );
    expect(isAllowed('submit', undefined, 'notice-due')).toBe(true);
    expect(isAllowed('approve', 'awaiting-consultation', 'notice-due')).toBe(false);
    expect(isAllowed('approve', 'awaiting-approval', 'notice-due')).toBe(true);
    expect(isAllowed('send-notice', 'awaiting-approval', 'notice-sent')).toBe(false);
    expect(isAllowed('send-notice', 'awaiting-consultation', 'notice-sent')).toBe(false);
  });

  it('applies only a scheduled change: never one held, disputed or still waiting for acknowledgement', () => {
    for (const from of changeStatuses) expect(isAllowed('apply', from, 'applied')).toBe(from === 'scheduled');
    for (const event of EVENTS) {
      if (event === 'apply') continue;
      for (const from of changeStatuses)
        if (from !== 'applied') expect(isAllowed(event, from, 'applied')).toBe(false);
    }
  });

  it('holds rather than applies an adverse change at its date while unacknowledged', () => {
    expect(isAllowed('hold', 'notice-sent', 'held')).toBe(true);
    expect(isAllowed('hold', 'escalated', 'held')).toBe(true);
    expect(isAllowed('acknowledge', 'held', 'scheduled')).toBe(true);
    expect(isAllowed('resolve-escalation', 'held', 'scheduled')).toBe(true);
    expect(isAllowed('resolve-escalation', 'held', 'withdrawn')).toBe(true);
  });

  it('withdraws from any status before applied, never after', () => {
    for (const from of changeStatuses) {
      expect(isAllowed('withdraw', from, 'withdrawn')).toBe(!terminalStatuses.has(from));
    }
  });

  it('assertTransition throws TransitionNotAllowed naming the event and both statuses', () => {
    expect(() => assertTransition('apply', 'held', 'applied')).toThrow(TransitionNotAllowed);
    expect(() => assertTransition('apply', 'held', 'applied')).toThrow(
      /apply may not move a change from held to applied/,
    );
    expect(() => assertTransition('submit', undefined, 'awaiting-approval')).not.toThrow();
    expect(() => assertTransition('submit', 'notice-due', 'awaiting-approval')).toThrow(TransitionNotAllowed);
  });
});
