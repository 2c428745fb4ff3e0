import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/index.ts';
import { DAY_MS, fixture, type Harness, recorder, startHarness, T0 } from './harness.ts';

describe('Wait states on the virtual clock', () => {
  let h: Harness;
  const done = recorder();

  beforeAll(async () => {
    h = await startHarness({
      stateMachines: [
        {
          name: 'LongWait',
          definitionFile: fixture('long-wait.asl.json'),
          substitutions: { DoneFunctionArn: 'Done' },
          handlers: { Done: done.handler },
        },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function start(name: string, input: Record<string, unknown>): Promise<string> {
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({
        stateMachineArn: h.sfn.stateMachineArn('LongWait'),
        name,
        input: JSON.stringify(input),
      }),
    );
    return executionArn!;
  }

  it.each([30, 90])('a %i-day Wait does not finish until the clock is advanced past it', async (days) => {
    const before = done.calls.length;
    const startedAt = h.clock.now();
    const arn = await start(`wait-${days}`, {
      id: `w${days}`,
      waitSeconds: days * 86_400,
      until: T0.toISOString(),
    });
    await h.sfn.idle();
    expect((await h.describe(arn)).status).toBe('RUNNING');

    await h.clock.advance(days * DAY_MS - 1000);
    await h.sfn.idle();
    expect((await h.describe(arn)).status).toBe('RUNNING');
    expect(done.calls.length).toBe(before);

    await h.clock.advance(1000);
    await h.sfn.idle();
    const described = await h.describe(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(done.calls.length).toBe(before + 1);
    // $$.Execution.StartTime is the virtual start time, not the real one.
    expect(done.calls.at(-1)).toEqual({ id: `w${days}`, startedAt: startedAt.toISOString() });
    expect(described.startDate?.getTime()).toBe(startedAt.getTime());
    expect(described.stopDate?.getTime()).toBe(startedAt.getTime() + days * DAY_MS);
    expect(JSON.parse(described.output!)).toMatchObject({ id: `w${days}`, done: { ok: true } });
  });

  it('a Timestamp wait follows the virtual clock too, and a past timestamp does not wait', async () => {
    const until = new Date(h.clock.now().getTime() + 45 * DAY_MS);
    const arn = await start('until', { id: 'u', waitSeconds: 0, until: until.toISOString() });
    await h.sfn.idle();
    expect((await h.describe(arn)).status).toBe('RUNNING');
    expect(h.clock.pendingTimers()).toBe(1);
    await h.clock.advanceTo(until);
    await h.sfn.idle();
    expect((await h.describe(arn)).status).toBe('SUCCEEDED');
    expect(h.clock.pendingTimers()).toBe(0);
  });
});

describe('Wait states on a flowing virtual clock (real time + offset)', () => {
  it('a 30-day Wait still waits (Node would fire a 30-day setTimeout at once) and ends after advance', async () => {
    const clock = await VirtualClock.open();
    const done = recorder();
    const h = await startHarness({
      clock,
      stateMachines: [
        {
          name: 'LongWait',
          definitionFile: fixture('long-wait.asl.json'),
          substitutions: { DoneFunctionArn: 'Done' },
          handlers: { Done: done.handler },
        },
      ],
    });
    try {
      const { executionArn } = await h.client.send(
        new StartExecutionCommand({
          stateMachineArn: h.sfn.stateMachineArn('LongWait'),
          input: JSON.stringify({ id: 'flowing', waitSeconds: 30 * 86_400, until: '2000-01-01T00:00:00Z' }),
        }),
      );
      await h.sfn.idle();
      expect(clock.pendingTimers()).toBe(1);
      expect((await h.describe(executionArn!)).status).toBe('RUNNING');
      await clock.advance(30 * DAY_MS);
      await h.sfn.idle();
      expect((await h.describe(executionArn!)).status).toBe('SUCCEEDED');
      expect(done.calls).toHaveLength(1);
    } finally {
      await h.close();
      clock.close();
    }
  });
});
