import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, expectRejectsWithName, fixture, type Harness, recorder, startHarness } from './harness.ts';

interface AwaitPayload {
  id: string;
  taskToken: string;
}

describe('callback tasks (.waitForTaskToken)', () => {
  let h: Harness;
  const awaitAck = recorder<AwaitPayload>(() => ({ ignored: 'the result of the handler itself' }));
  const remind = recorder((_input, call) => ({ reminder: call }));

  beforeAll(async () => {
    h = await startHarness({
      stateMachines: [
        {
          name: 'Callback',
          definitionFile: fixture('callback.asl.json'),
          substitutions: { AwaitFunctionArn: 'Await', RemindFunctionArn: 'Remind' },
          handlers: { Await: awaitAck.handler, Remind: remind.handler },
        },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function start(id: string): Promise<string> {
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({
        stateMachineArn: h.sfn.stateMachineArn('Callback'),
        name: id,
        input: JSON.stringify({ id }),
      }),
    );
    await h.sfn.idle();
    return executionArn!;
  }

  function lastToken(id: string): string {
    const call = awaitAck.calls.filter((c) => c.id === id).at(-1);
    if (!call) throw new Error(`no Await call for ${id}`);
    return call.taskToken;
  }

  it('SendTaskSuccess over HTTP resumes the task with its output', async () => {
    const arn = await start('success');
    expect((await h.describe(arn)).status).toBe('RUNNING');
    const token = lastToken('success');
    expect(token).toMatch(/^[\w-]{40,}$/);

    await h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await h.client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ acknowledgedBy: 'ana' }) }),
    );
    await h.sfn.idle();
    const described = await h.describe(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({
      id: 'success',
      acknowledgement: { acknowledgedBy: 'ana' },
    });

    // The token is spent: AWS's error name comes through the SDK as error.name.
    await expectRejectsWithName(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
      'TaskDoesNotExist',
    );
  });

  it('SendTaskFailure is caught by its error name', async () => {
    const arn = await start('rejected');
    await h.client.send(
      new SendTaskFailureCommand({
        taskToken: lastToken('rejected'),
        error: 'Partner.Rejected',
        cause: 'too low',
      }),
    );
    await h.sfn.idle();
    const described = await h.describe(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!).rejection).toEqual({ Error: 'Partner.Rejected', Cause: 'too low' });
  });

  it('a 14-day TimeoutSeconds fires on the virtual clock, is caught as States.Timeout (not States.TaskFailed) and loops with a fresh token', async () => {
    const arn = await start('timeout');
    const first = lastToken('timeout');
    const remindersBefore = remind.calls.length;

    await h.clock.advance(14 * DAY_MS - 1);
    await h.sfn.idle();
    expect(remind.calls.length).toBe(remindersBefore);
    expect(lastToken('timeout')).toBe(first);

    await h.clock.advance(1);
    await h.sfn.idle();
    expect(remind.calls.length).toBe(remindersBefore + 1);
    const second = lastToken('timeout');
    expect(second).not.toBe(first);
    expect((await h.describe(arn)).status).toBe('RUNNING');

    // The timed-out token is gone: AWS answers TaskTimedOut.
    await expectRejectsWithName(
      h.client.send(new SendTaskSuccessCommand({ taskToken: first, output: '{}' })),
      'TaskTimedOut',
    );

    await h.clock.advance(14 * DAY_MS);
    await h.sfn.idle();
    expect(remind.calls.length).toBe(remindersBefore + 2);
    const third = lastToken('timeout');

    await h.client.send(new SendTaskSuccessCommand({ taskToken: third, output: '{"late":true}' }));
    await h.sfn.idle();
    const described = await h.describe(arn);
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output!);
    expect(output.acknowledgement).toEqual({ late: true });
    expect(output.timedOut).toEqual({ Error: 'States.Timeout', Cause: 'States.Timeout' });
  });

  it('rejects bad calls with AWS error names', async () => {
    await expectRejectsWithName(
      h.client.send(new SendTaskSuccessCommand({ taskToken: 'never-issued', output: '{}' })),
      'TaskDoesNotExist',
    );
    await expectRejectsWithName(
      h.client.send(new SendTaskHeartbeatCommand({ taskToken: 'never-issued' })),
      'TaskDoesNotExist',
    );
    const arn = await start('bad-output');
    await expectRejectsWithName(
      h.client.send(new SendTaskSuccessCommand({ taskToken: lastToken('bad-output'), output: '{not json' })),
      'InvalidOutput',
    );
    expect((await h.describe(arn)).status).toBe('RUNNING');
  });
});
