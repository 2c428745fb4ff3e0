import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, expectRejectsWithName, fixture, type Harness, recorder, startHarness } from './harness.ts';

describe('executions through the SFNClient', () => {
  let h: Harness;
  let arn: (name: string) => string;
  const awaitAck = recorder<{ id: string; taskToken: string }>();
  const echo = recorder((input) => input);
  let flakyFailures = 0;
  const flaky = recorder((input: { id: string }) => {
    if (input.id.startsWith('fatal')) throw Object.assign(new Error('gave up'), { name: 'Flaky.Fatal' });
    if (flakyFailures-- > 0) throw Object.assign(new Error('try again'), { name: 'Flaky.Transient' });
    return { flaky: 'ok' };
  });

  beforeAll(async () => {
    h = await startHarness({
      instantRetries: true,
      stateMachines: [
        {
          name: 'Callback',
          definitionFile: fixture('callback.asl.json'),
          substitutions: { AwaitFunctionArn: 'Await', RemindFunctionArn: 'Remind' },
          handlers: { Await: awaitAck.handler, Remind: async () => ({}) },
        },
        {
          name: 'Mixed',
          definitionFile: fixture('mixed.asl.json'),
          substitutions: { EchoFunctionArn: 'Echo', FlakyFunctionArn: 'Flaky' },
          handlers: { Echo: echo.handler, Flaky: flaky.handler },
        },
      ],
    });
    arn = (name) => h.sfn.stateMachineArn(name);
  });
  afterAll(async () => {
    await h?.close();
  });

  const start = (stateMachine: string, name: string | undefined, input: unknown) =>
    h.client.send(
      new StartExecutionCommand({ stateMachineArn: arn(stateMachine), name, input: JSON.stringify(input) }),
    );

  it('StartExecution is idempotent by name while running; another input or a closed one is ExecutionAlreadyExists', async () => {
    const first = await start('Callback', 'same-name', { id: 'same-name' });
    expect(first.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Callback:same-name');
    expect(first.startDate).toBeInstanceOf(Date);
    expect(first.startDate?.getTime()).toBe(h.clock.now().getTime());
    await h.sfn.idle();
    const again = await start('Callback', 'same-name', { id: 'same-name' });
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    await h.sfn.idle();
    expect(awaitAck.calls.filter((c) => c.id === 'same-name')).toHaveLength(1);

    await expectRejectsWithName(start('Callback', 'same-name', { id: 'other' }), 'ExecutionAlreadyExists');

    const token = awaitAck.calls.find((c) => c.id === 'same-name')!.taskToken;
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await h.sfn.idle();
    expect((await h.describe(first.executionArn!)).status).toBe('SUCCEEDED');
    await expectRejectsWithName(
      start('Callback', 'same-name', { id: 'same-name' }),
      'ExecutionAlreadyExists',
    );
  });

  it('a name defaults to a uuid', async () => {
    const { executionArn } = await start('Callback', undefined, { id: 'unnamed' });
    expect(executionArn).toMatch(/:execution:Callback:[0-9a-f-]{36}$/);
    await h.sfn.idle();
  });

  it('validates requests with AWS error names', async () => {
    await expectRejectsWithName(
      h.client.send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Nope',
          input: '{}',
        }),
      ),
      'StateMachineDoesNotExist',
    );
    await expectRejectsWithName(start('Callback', 'has space', {}), 'InvalidName');
    await expectRejectsWithName(
      h.client.send(new StartExecutionCommand({ stateMachineArn: arn('Callback'), input: '{oops' })),
      'InvalidExecutionInput',
    );
    await expectRejectsWithName(
      h.describe('arn:aws:states:us-east-1:000000000000:execution:Callback:missing'),
      'ExecutionDoesNotExist',
    );
    await expectRejectsWithName(h.describe('not-an-arn'), 'InvalidArn');
  });

  it('DescribeExecution reports RUNNING, SUCCEEDED, FAILED and ABORTED', async () => {
    const ok = await start('Mixed', 'mixed-ok', { id: 'ok', items: [{ seconds: 60 }, { seconds: 7200 }] });
    const fatal = await start('Mixed', 'fatal-1', { id: 'fatal-1', items: [] });
    const stopped = await start('Callback', 'to-stop', { id: 'to-stop' });
    await h.sfn.idle();

    expect((await h.describe(ok.executionArn!)).status).toBe('RUNNING');
    const failed = await h.describe(fatal.executionArn!);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Fatal', cause: 'Flaky failed for good' });
    expect(failed.stopDate).toBeInstanceOf(Date);

    expect(h.sfn.pendingCallbacks()).toBeGreaterThan(0);
    const pendingBefore = h.sfn.pendingCallbacks();
    const { stopDate } = await h.client.send(
      new StopExecutionCommand({ executionArn: stopped.executionArn!, error: 'Operator', cause: 'testing' }),
    );
    expect(stopDate).toBeInstanceOf(Date);
    await h.sfn.idle();
    expect(h.sfn.pendingCallbacks()).toBe(pendingBefore - 1);
    expect(await h.describe(stopped.executionArn!)).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'testing',
    });
    const token = awaitAck.calls.find((c) => c.id === 'to-stop')!.taskToken;
    await expectRejectsWithName(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
      'TaskDoesNotExist',
    );

    // The Map items wait 1 minute and 2 hours, then the Parallel branch waits 40 days.
    await h.clock.advance(2 * 60 * 60 * 1000);
    await h.sfn.idle();
    expect((await h.describe(ok.executionArn!)).status).toBe('RUNNING');
    await h.clock.advance(40 * DAY_MS);
    await h.sfn.idle();
    const succeeded = await h.describe(ok.executionArn!);
    expect(succeeded.status).toBe('SUCCEEDED');
    const beforeParallel = {
      id: 'ok',
      items: [{ seconds: 60 }, { seconds: 7200 }],
      invoked: { echo: { id: 'ok' }, status: 200 },
      flaky: { flaky: 'ok' },
      fan: [{ seconds: 60 }, { seconds: 7200 }],
    };
    // A Wait passes its input through: the waiting branch's output is the Parallel state's input.
    expect(JSON.parse(succeeded.output!)).toEqual({ ...beforeParallel, both: [beforeParallel, 'passed'] });
  });

  it('retries a handler error by name (Retry) and catches another (Catch)', async () => {
    flakyFailures = 2;
    const before = flaky.calls.length;
    const { executionArn } = await start('Mixed', 'retried', { id: 'retried', items: [] });
    await h.sfn.idle();
    expect(flaky.calls.length - before).toBe(3);
    await h.clock.advance(40 * DAY_MS);
    await h.sfn.idle();
    expect((await h.describe(executionArn!)).status).toBe('SUCCEEDED');

    flakyFailures = 10;
    const { executionArn: exhausted } = await start('Mixed', 'exhausted', { id: 'exhausted', items: [] });
    await h.sfn.idle();
    const failed = await h.describe(exhausted!);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Flaky.Transient');
    // A handler's error carries a Lambda-style Cause.
    expect(JSON.parse(failed.cause!)).toMatchObject({
      errorType: 'Flaky.Transient',
      errorMessage: 'try again',
    });
    flakyFailures = 0;
  });

  it('GetExecutionHistory returns AWS-like events', async () => {
    const { executionArn } = await start('Callback', 'history', { id: 'history' });
    await h.sfn.idle();
    await h.clock.advance(14 * DAY_MS);
    await h.sfn.idle();
    const token = awaitAck.calls.filter((c) => c.id === 'history').at(-1)!.taskToken;
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":1}' }));
    await h.sfn.idle();

    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = events!.map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskTimedOut',
      'TaskStateExited', // the interpreter exits a state whose error was caught; AWS may not
      'TaskStateEntered',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events!.map((e) => e.id)).toEqual(events!.map((_, i) => i + 1));
    expect(events![0]!.timestamp).toBeInstanceOf(Date);
    expect(events![1]!.stateEnteredEventDetails?.name).toBe('AwaitAcknowledgement');
    expect(events![2]!.taskTimedOutEventDetails?.error).toBe('States.Timeout');
    expect(events!.at(-1)!.timestamp!.getTime() - events![0]!.timestamp!.getTime()).toBe(14 * DAY_MS);
    expect(JSON.parse(events!.at(-1)!.executionSucceededEventDetails!.output!).acknowledgement).toEqual({
      ok: 1,
    });

    const page = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 3, reverseOrder: true }),
    );
    expect(page.events!.map((e) => e.type)).toEqual([
      'ExecutionSucceeded',
      'PassStateExited',
      'PassStateEntered',
    ]);
    expect(page.nextToken).toBeTruthy();
    const rest = await h.client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 100,
        reverseOrder: true,
        nextToken: page.nextToken,
      }),
    );
    expect(rest.events).toHaveLength(events!.length - 3);
    expect(rest.nextToken).toBeUndefined();
  });

  it('rewritten Waits still show as Wait states in the history', async () => {
    const { executionArn } = await start('Mixed', 'waits-in-history', { id: 'w', items: [{ seconds: 1 }] });
    await h.sfn.idle();
    await h.clock.advance(1000);
    await h.sfn.idle();
    await h.clock.advance(40 * DAY_MS);
    await h.sfn.idle();
    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = events!.map((e) => e.type);
    expect(types).toContain('WaitStateEntered');
    expect(types).toContain('MapIterationStarted');
    expect(types.filter((t) => t === 'WaitStateExited')).toHaveLength(2);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
  });

  it('ListExecutions filters by status; DescribeStateMachine returns the substituted definition', async () => {
    const { executions } = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn('Callback'), statusFilter: 'ABORTED' }),
    );
    expect(executions!.map((e) => e.name)).toEqual(['to-stop']);
    const all = await h.client.send(new ListExecutionsCommand({ stateMachineArn: arn('Callback') }));
    expect(all.executions!.length).toBeGreaterThanOrEqual(4);

    const machine = await h.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: arn('Callback') }),
    );
    expect(machine.name).toBe('Callback');
    expect(JSON.parse(machine.definition!).States.AwaitAcknowledgement.Parameters.FunctionName).toBe('Await');
  });
});
