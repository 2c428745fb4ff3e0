/**
 * A restart: stop() abandons running executions without recording an outcome; a new runtime on the same
 * table and clock re-drives them from the start with the same name and input.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/index.ts';
import { createExecutionsTable, type ExecutionsTable } from './executions-table.ts';
import {
  DAY_MS,
  expectRejectsWithName,
  fixture,
  type Harness,
  recorder,
  startHarness,
  T0,
} from './harness.ts';
import { fakeParkAndWaitHandlers, parkAndWaitMachine } from './park-and-wait-fakes.ts';

describe('durability across a restart', () => {
  let tables: ExecutionsTable;
  let dir: string;
  const open: Harness[] = [];

  beforeAll(async () => {
    tables = await createExecutionsTable();
    dir = await mkdtemp(join(tmpdir(), 'sfn-durability-'));
  });
  afterAll(async () => {
    for (const harness of open) await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('re-drives a commission change parked mid-way to completion', async () => {
    const clockFile = join(dir, 'clock.json');
    const clock1 = await VirtualClock.open({ frozenAt: T0, filePath: clockFile });
    const fake1 = fakeParkAndWaitHandlers(clock1);
    const first = await startHarness({
      tables,
      clock: clock1,
      stateMachines: [parkAndWaitMachine(fake1.handlers)],
    });
    open.push(first);

    const { executionArn } = await first.client.send(
      new StartExecutionCommand({
        stateMachineArn: first.sfn.stateMachineArn('ParkAndWait'),
        name: 'cut-restart',
        input: JSON.stringify({ changeId: 'cut-restart' }),
      }),
    );
    const started = await first.describe(executionArn!);
    await first.sfn.advanceAndSettle(8 * DAY_MS);
    expect(fake1.calls.followUp).toEqual(['cut-restart']);
    const oldToken = fake1.lastToken('cut-restart');

    await first.close();
    expect(clock1.pendingTimers()).toBe(0);
    clock1.close();

    // A new process: the clock comes back from its file, the execution from the table.
    const clock2 = await VirtualClock.open({ frozenAt: T0, filePath: clockFile });
    expect(clock2.nowMs()).toBe(T0.getTime() + 8 * DAY_MS);
    const fake2 = fakeParkAndWaitHandlers(clock2);
    const second = await startHarness({
      tables,
      clock: clock2,
      stateMachines: [parkAndWaitMachine(fake2.handlers)],
    });
    open.push(second);
    // Stopping did not fail it: it is still RUNNING, and nothing runs it until resumeExecutions().
    expect((await second.describe(executionArn!)).status).toBe('RUNNING');
    expect(fake2.calls.sendNotice).toEqual([]);

    expect(await second.sfn.resumeExecutions()).toBe(1);
    await second.sfn.idle();
    expect(await second.sfn.resumeExecutions()).toBe(0);
    // Re-driven from the start: the (idempotent) first task runs again, and parks with a new token.
    expect(fake2.calls.sendNotice).toEqual(['cut-restart']);
    const newToken = fake2.lastToken('cut-restart');
    expect(newToken).not.toBe(oldToken);
    await expectRejectsWithName(
      second.client.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{}' })),
      'TaskDoesNotExist',
    );

    await second.client.send(
      new SendTaskSuccessCommand({ taskToken: newToken, output: '{"acknowledged":true}' }),
    );
    await second.sfn.idle();
    expect(fake2.calls.applyChange).toEqual([]);
    await second.sfn.advanceAndSettle(30 * DAY_MS);
    expect(fake2.calls.applyChange).toEqual(['cut-restart']);
    const described = await second.describe(executionArn!);
    expect(described.status).toBe('SUCCEEDED');
    // The same execution: same name, input and start date.
    expect(described.name).toBe('cut-restart');
    expect(described.input).toBe(started.input);
    expect(described.startDate?.getTime()).toBe(started.startDate?.getTime());
    clock2.close();
  });

  it('re-drives a long wait, which ends at the same absolute time when it is a Timestamp', async () => {
    const clock = await VirtualClock.open({ frozenAt: T0 });
    const done1 = recorder();
    const machine = (handler: (input: unknown) => Promise<unknown>) => ({
      name: 'LongWait',
      definitionFile: fixture('long-wait.asl.json'),
      substitutions: { DoneFunctionArn: 'Done' },
      handlers: { Done: handler },
    });
    const first = await startHarness({ tables, clock, stateMachines: [machine(done1.handler)] });
    open.push(first);
    const until = new Date(T0.getTime() + 60 * DAY_MS).toISOString();
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({
        stateMachineArn: first.sfn.stateMachineArn('LongWait'),
        name: 'wait-restart',
        input: JSON.stringify({ id: 'r', waitSeconds: 0, until }),
      }),
    );
    await first.sfn.advanceAndSettle(20 * DAY_MS);
    await first.close();

    const done2 = recorder();
    const second = await startHarness({ tables, clock, stateMachines: [machine(done2.handler)] });
    open.push(second);
    expect(await second.sfn.resumeExecutions()).toBe(1);
    await second.sfn.advanceAndSettle(40 * DAY_MS - 1000);
    expect((await second.describe(executionArn!)).status).toBe('RUNNING');
    await second.sfn.advanceAndSettle(1000);
    expect((await second.describe(executionArn!)).status).toBe('SUCCEEDED');
    expect(done1.calls).toHaveLength(0);
    expect(done2.calls).toHaveLength(1);
  });
});
