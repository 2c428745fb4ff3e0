/**
 * The real workflows/commission-change.asl.json, with fake in-test task handlers, on the virtual clock.
 */
import {
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/virtual-clock.ts';
import {
  commissionChangeMachine,
  fakeCommissionChangeHandlers,
  NOTICE_DAYS,
} from './commission-change-fakes.ts';
import { DAY_MS, type Harness, startHarness, T0 } from './harness.ts';

describe('commission-change workflow (real ASL, fake handlers)', () => {
  let h: Harness;
  let fake: ReturnType<typeof fakeCommissionChangeHandlers>;

  beforeAll(async () => {
    const clock = await VirtualClock.open({ frozenAt: T0 });
    fake = fakeCommissionChangeHandlers(clock);
    h = await startHarness({ clock, stateMachines: [commissionChangeMachine(fake.handlers)] });
  });
  afterAll(async () => {
    await h?.close();
  });

  const start = async (changeId: string) => {
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({
        stateMachineArn: h.sfn.stateMachineArn('CommissionChange'),
        name: changeId,
        input: JSON.stringify({ changeId }),
      }),
    );
    await h.sfn.idle();
    return executionArn!;
  };

  it('an adverse change parks for acknowledgement, follows up on schedule, then applies once after the notice period', async () => {
    const startedAt = h.clock.nowMs();
    const arn = await start('cut-1');
    expect(fake.calls.sendNotice).toEqual(['cut-1']);
    expect(fake.calls.awaitAcknowledgement).toHaveLength(1);
    expect((await h.describe(arn)).status).toBe('RUNNING');

    // Day 7: the first follow-up (nextCheckSeconds pointed there), then a fresh wait with a fresh token.
    await h.clock.advance(7 * DAY_MS - 1000);
    await h.sfn.idle();
    expect(fake.calls.followUp).toEqual([]);
    await h.clock.advance(1000);
    await h.sfn.idle();
    expect(fake.calls.followUp).toEqual(['cut-1']);
    expect(fake.calls.awaitAcknowledgement).toHaveLength(2);

    // Day 12: the second.
    await h.clock.advance(5 * DAY_MS);
    await h.sfn.idle();
    expect(fake.calls.followUp).toEqual(['cut-1', 'cut-1']);
    const tokens = fake.calls.awaitAcknowledgement.map((call) => call.taskToken);
    expect(new Set(tokens).size).toBe(3);

    // Day 13: the partner acknowledges; the workflow now waits for applyAt (day 30).
    await h.clock.advance(DAY_MS);
    fake.acknowledge('cut-1');
    await h.client.send(
      new SendTaskSuccessCommand({
        taskToken: fake.lastToken('cut-1'),
        output: JSON.stringify({ acknowledged: true }),
      }),
    );
    await h.sfn.idle();
    expect(fake.calls.applyChange).toEqual([]);
    expect((await h.describe(arn)).status).toBe('RUNNING');

    await h.clock.advanceTo(new Date(startedAt + NOTICE_DAYS * DAY_MS - 1000));
    await h.sfn.idle();
    expect(fake.calls.applyChange).toEqual([]);
    // Follow-ups stopped with the acknowledgement.
    expect(fake.calls.followUp).toHaveLength(2);

    await h.clock.advance(1000);
    await h.sfn.idle();
    expect(fake.calls.applyChange).toEqual(['cut-1']);
    const described = await h.describe(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(described.stopDate!.getTime()).toBe(startedAt + NOTICE_DAYS * DAY_MS);
    const output = JSON.parse(described.output!);
    expect(output.acknowledgement).toEqual({ acknowledged: true });
    expect(output.applied).toEqual({ appliedAt: new Date(startedAt + NOTICE_DAYS * DAY_MS).toISOString() });

    // Same number of states entered as AWS would count: 2 + 3 per wait/follow-up round + the rest.
    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    const entered = events!
      .filter((e) => e.type?.endsWith('StateEntered'))
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered).toEqual([
      'SendNotice',
      'IsAcknowledgementRequired',
      'AwaitAcknowledgement',
      'FollowUpAcknowledgement',
      'IsAcknowledgementRequired',
      'AwaitAcknowledgement',
      'FollowUpAcknowledgement',
      'IsAcknowledgementRequired',
      'AwaitAcknowledgement',
      'WaitUntilApplyDate',
      'ApplyChange',
    ]);
    expect(events!.filter((e) => e.type === 'WaitStateEntered')).toHaveLength(1);
  });

  it('escalation keeps following up while unacknowledged, and a raise is never held', async () => {
    const cut = await start('cut-2');
    const raise = await start('raise-1');
    // One bare advance fires only what is due at its end: the day-7 timeout; the follow-up it triggers
    // computes its next check from the new "now".
    await h.clock.advance(8 * DAY_MS);
    await h.sfn.idle();
    expect(fake.calls.followUp.filter((id) => id === 'cut-2')).toHaveLength(1);
    // advanceAndSettle stops at every timer on the way, as if the days had passed for real.
    await h.sfn.advanceAndSettle(12 * DAY_MS);
    expect(fake.calls.followUp.filter((id) => id === 'cut-2')).toHaveLength(3);
    expect(fake.calls.awaitAcknowledgement.filter((c) => c.changeId === 'raise-1')).toHaveLength(0);

    await h.clock.advance(10 * DAY_MS);
    await h.sfn.idle();
    expect((await h.describe(raise)).status).toBe('SUCCEEDED');
    expect(fake.calls.applyChange.filter((id) => id === 'raise-1')).toHaveLength(1);
    // The unacknowledged cut is still held after its notice period, and is never applied.
    expect((await h.describe(cut)).status).toBe('RUNNING');
    expect(fake.calls.applyChange.filter((id) => id === 'cut-2')).toHaveLength(0);
    await h.client.send(new StopExecutionCommand({ executionArn: cut }));
  });
});
