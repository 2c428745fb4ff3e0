import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredChange } from '../../functions/adapters/dynamodb/change-store.ts';
import { agendaOf, nextDeadlineOf } from '../../functions/domain/agenda.ts';
import { addDays, DAY_MS } from '../../functions/domain/calendar.ts';
import type { DisputeState } from '../../functions/domain/change.ts';
import type { ChangeStatus } from '../../functions/domain/lifecycle.ts';
import { defaultLifecyclePolicy as policy } from '../../functions/domain/lifecycle-policy.ts';
import { progressOf } from '../../functions/notices/progress.ts';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (days: number) => addDays(T0, days);

function change(overrides: Partial<StoredChange> = {}): StoredChange {
  return {
    changeId: 'chg_1',
    kind: 'commission-change',
    partnerId: 'p1',
    partnerStage: 'transactional',
    terms: {},
    adverse: true,
    effectiveDate: '2026-04-15',
    rationale: 'x',
    noticePeriodDays: 30,
    submittedBy: 'fiona',
    submittedAt: T0.toISOString(),
    status: 'notice-sent',
    revision: 1,
    approval: { required: 1, approvals: [], expiresAt: at(7).toISOString() },
    followUp: { remindersSent: 0 },
    notice: {
      noticeId: 'chg_1-v1',
      version: 1,
      contentHash: 'sha256:x',
      issuedAt: T0.toISOString(),
      deliveredAt: T0.toISOString(),
      applyAt: '2026-04-15T00:00:00.000Z',
      applyAtReason: '',
      recipients: [],
    },
    ...overrides,
  };
}

function dispute(overrides: Partial<DisputeState> = {}): DisputeState {
  return {
    disputeId: 'd1',
    noticeId: 'chg_1-v1',
    contactId: 'c1',
    comment: 'We cannot absorb this.',
    raisedAt: T0.toISOString(),
    owner: { userId: 'dana', name: 'Dana', email: 'dana@vendor.example' },
    dueAt: at(10).toISOString(),
    remindersSent: 0,
    pausedFrom: 'notice-sent',
    ...overrides,
  };
}

describe('agendaOf: what the clock asks of a change', () => {
  it('expires an approval nobody gave by its deadline, and waits for it until then', () => {
    const waiting = change({ status: 'awaiting-approval', notice: undefined });
    expect(agendaOf(waiting, policy, at(6.9))).toEqual({ next: 'wait', due: [], nextAt: at(7) });
    expect(agendaOf(waiting, policy, at(7))).toMatchObject({
      next: 'advance',
      due: [{ action: 'expire-approval' }],
    });
  });

  it('reminds the alliance manager of a consultation every week, one reminder per week even after an outage', () => {
    const waiting = change({
      status: 'awaiting-consultation',
      notice: undefined,
      consultation: { required: 'alliance-manager-call', requestedAt: T0.toISOString(), remindersSent: 0 },
    });
    expect(agendaOf(waiting, policy, at(6)).due).toEqual([]);
    expect(agendaOf(waiting, policy, at(7)).due).toEqual([
      { action: 'remind-consultation', reminderNumber: 1 },
    ]);
    expect(agendaOf(waiting, policy, at(30)).due).toEqual([
      { action: 'remind-consultation', reminderNumber: 4 },
    ]);
    const reminded = { ...waiting, consultation: { ...waiting.consultation!, remindersSent: 4 } };
    expect(agendaOf(reminded, policy, at(30))).toEqual({ next: 'wait', due: [], nextAt: at(35) });
  });

  it('sends a notice that is due at once', () => {
    expect(agendaOf(change({ status: 'notice-due', notice: undefined }), policy, T0).next).toBe(
      'send-notice',
    );
  });

  it('finishes a notice whose delivery was never recorded (a crash between the two) before anything else', () => {
    const { deliveredAt: _, ...undelivered } = change().notice!;
    for (const status of ['notice-sent', 'scheduled', 'escalated', 'held', 'disputed'] as const) {
      expect(agendaOf(change({ status, notice: undelivered }), policy, at(20)).next, status).toBe(
        'send-notice',
      );
      expect(agendaOf(change({ status }), policy, at(1)).next, status).not.toBe('send-notice');
    }
    for (const status of ['applied', 'withdrawn', 'workflow-failed'] as const)
      expect(agendaOf(change({ status, notice: undelivered }), policy, at(1)).next, status).toBe('end');
  });

  it('reminds on the stage days, escalates, and holds an unacknowledged adverse change at its apply date', () => {
    expect(agendaOf(change(), policy, at(2)).nextAt).toEqual(at(3));
    expect(agendaOf(change(), policy, at(3)).due).toEqual([{ action: 'remind', reminderNumber: 1 }]);
    const reminded = change({ followUp: { remindersSent: 2 } });
    expect(agendaOf(reminded, policy, at(10)).due).toEqual([{ action: 'escalate' }]);
    const escalated = change({
      status: 'escalated',
      followUp: { remindersSent: 2, escalatedAt: at(10).toISOString() },
    });
    expect(agendaOf(escalated, policy, at(20))).toEqual({
      next: 'wait',
      due: [],
      nextAt: new Date('2026-04-15T00:00:00.000Z'),
    });
    expect(agendaOf(escalated, policy, new Date('2026-04-15T00:00:00.000Z')).due).toEqual([
      { action: 'hold' },
    ]);
  });

  it('after a long outage does the latest due step and the hold together, not stale reminders', () => {
    expect(agendaOf(change(), policy, new Date('2026-05-01T00:00:00.000Z')).due).toEqual([
      { action: 'escalate' },
      { action: 'hold' },
    ]);
  });

  it('reminds the alliance manager weekly while a change is held', () => {
    const held = change({
      status: 'held',
      heldSince: at(44).toISOString(),
      followUp: { remindersSent: 2, heldRemindersSent: 0 },
    });
    expect(agendaOf(held, policy, at(50)).due).toEqual([]);
    expect(agendaOf(held, policy, at(51)).due).toEqual([{ action: 'remind-held', reminderNumber: 1 }]);
  });

  it('applies a scheduled change at its apply date, not a millisecond before', () => {
    const scheduled = change({ status: 'scheduled' });
    const applyAt = new Date('2026-04-15T00:00:00.000Z');
    expect(agendaOf(scheduled, policy, new Date(applyAt.getTime() - 1))).toEqual({
      next: 'wait',
      due: [],
      nextAt: applyAt,
    });
    expect(agendaOf(scheduled, policy, applyAt).next).toBe('apply');
  });

  it('runs a dispute’s deadline beside the notice’s: reminder before it, escalation at it, then weekly', () => {
    const disputed = change({ status: 'disputed', dispute: dispute() });
    expect(agendaOf(disputed, policy, at(1))).toEqual({ next: 'wait', due: [], nextAt: at(7) });
    expect(agendaOf(disputed, policy, at(7)).due).toEqual([
      { action: 'remind-dispute', reminderNumber: 1, overdue: false },
    ]);
    const reminded = change({ status: 'disputed', dispute: dispute({ remindersSent: 1 }) });
    expect(agendaOf(reminded, policy, at(8)).nextAt).toEqual(at(10));
    expect(agendaOf(reminded, policy, at(10)).due).toEqual([{ action: 'escalate-dispute' }]);
    const escalated = change({
      status: 'disputed',
      dispute: dispute({ remindersSent: 1, escalatedAt: at(10).toISOString() }),
    });
    expect(agendaOf(escalated, policy, at(16)).due).toEqual([]);
    expect(agendaOf(escalated, policy, at(17)).due).toEqual([
      { action: 'remind-dispute', reminderNumber: 1, overdue: true },
    ]);
  });

  it('keeps waiting for a favourable applied change’s open concern, and ends once it is answered', () => {
    const applied = change({
      status: 'applied',
      adverse: false,
      dispute: dispute({ pausedFrom: undefined }),
    });
    expect(agendaOf(applied, policy, at(1)).next).toBe('wait');
    const answered = change({
      status: 'applied',
      adverse: false,
      dispute: dispute({
        resolution: { outcome: 'upheld', answer: 'a', by: 'dana', at: at(2).toISOString() },
      }),
    });
    expect(agendaOf(answered, policy, at(3))).toEqual({ next: 'end', due: [] });
  });

  it.each<ChangeStatus>(['applied', 'withdrawn', 'rejected', 'approval-expired', 'workflow-failed'])(
    'ends the workflow of a %s change',
    (status) => {
      expect(agendaOf(change({ status }), policy, at(100)).next).toBe('end');
      expect(nextDeadlineOf(change({ status }), policy, at(100))).toBeUndefined();
    },
  );

  it('property: the next deadline is always in the future, and nothing is due before it', () => {
    const statuses: ChangeStatus[] = [
      'awaiting-approval',
      'notice-sent',
      'escalated',
      'held',
      'scheduled',
      'disputed',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...statuses), fc.integer({ min: 0, max: 120 * 24 }), (status, hours) => {
        const now = new Date(T0.getTime() + hours * 3_600_000);
        const subject = change({
          status,
          ...(status === 'held' ? { heldSince: T0.toISOString() } : {}),
          ...(status === 'disputed' ? { dispute: dispute() } : {}),
        });
        const agenda = agendaOf(subject, policy, now);
        if (agenda.nextAt) {
          expect(agenda.nextAt.getTime()).toBeGreaterThan(now.getTime());
          if (agenda.due.length === 0) {
            const justBefore = new Date(agenda.nextAt.getTime() - 1);
            expect(agendaOf(subject, policy, justBefore).due).toEqual([]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('progressOf: what the workflow waits for', () => {
  it('waits until the next deadline, but never longer than maxWaitDays (a lost resume costs days, not forever)', () => {
    const scheduled = change({
      status: 'scheduled',
      notice: { ...change().notice!, applyAt: at(60).toISOString() },
    });
    const progress = progressOf(scheduled, policy, T0);
    expect(progress).toMatchObject({ next: 'wait', status: 'scheduled', revision: 1 });
    expect(progress.waitSeconds).toBe((policy.maxWaitDays * DAY_MS) / 1000);
    expect(progressOf(change({ status: 'scheduled' }), policy, at(44)).waitSeconds).toBeLessThanOrEqual(
      (policy.maxWaitDays * DAY_MS) / 1000,
    );
    const soon = progressOf(change(), policy, at(2.5));
    expect(soon.waitSeconds).toBe((0.5 * DAY_MS) / 1000);
  });
});

describe('nextDeadlineOf: the next deadline in words', () => {
  it('names the reminder, the escalation, the apply date and the dispute deadline', () => {
    expect(nextDeadlineOf(change(), policy, at(1))).toEqual({
      at: at(3).toISOString(),
      what: 'acknowledgement reminder',
    });
    expect(nextDeadlineOf(change({ followUp: { remindersSent: 2 } }), policy, at(8))).toEqual({
      at: at(10).toISOString(),
      what: 'escalation to the alliance manager if still unacknowledged',
    });
    expect(nextDeadlineOf(change({ status: 'scheduled' }), policy, at(20))?.what).toBe('apply date');
    const disputed = change({ status: 'disputed', dispute: dispute({ remindersSent: 1 }) });
    expect(nextDeadlineOf(disputed, policy, at(8))).toEqual({
      at: at(10).toISOString(),
      what: "dispute owner's answer due",
    });
    expect(nextDeadlineOf(change({ status: 'notice-due' }), policy, at(1))?.what).toBe('notice to be sent');
  });
});
