import {
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, fixture, type Harness, recorder, startHarness } from './harness.ts';

describe('heartbeats, execution timeouts and the raw protocol', () => {
  let h: Harness;
  const worker = recorder<{ id: string; taskToken: string }>();

  beforeAll(async () => {
    h = await startHarness({
      stateMachines: [
        {
          name: 'Timeouts',
          definitionFile: fixture('timeouts.asl.json'),
          substitutions: { WorkerFunctionArn: 'Worker' },
          handlers: { Worker: worker.handler },
        },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const start = async (id: string) => {
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({
        stateMachineArn: h.sfn.stateMachineArn('Timeouts'),
        name: id,
        input: JSON.stringify({ id }),
      }),
    );
    await h.sfn.idle();
    return executionArn!;
  };
  const token = (id: string) => worker.calls.filter((call) => call.id === id).at(-1)!.taskToken;

  it('heartbeats keep a callback alive; a missed one fails it with States.HeartbeatTimeout', async () => {
    const arn = await start('beats');
    for (let day = 0; day < 6; day++) {
      await h.sfn.advanceAndSettle(2 * DAY_MS);
      await h.client.send(new SendTaskHeartbeatCommand({ taskToken: token('beats') }));
    }
    expect((await h.describe(arn)).status).toBe('RUNNING');
    await h.sfn.advanceAndSettle(3 * DAY_MS);
    expect(await h.describe(arn)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('the execution timeout runs on the virtual clock: TIMED_OUT, and its pending timers are released', async () => {
    const arn = await start('slow');
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token('slow'), output: '{}' }));
    await h.sfn.idle();
    expect(h.clock.pendingTimers()).toBe(2); // the 90-day Sleep and the 60-day execution timeout
    await h.sfn.advanceAndSettle(60 * DAY_MS - 1000);
    expect((await h.describe(arn)).status).toBe('RUNNING');
    await h.sfn.advanceAndSettle(1000);
    expect(await h.describe(arn)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('StopExecution releases the timers of a waiting execution', async () => {
    const arn = await start('stop-me');
    expect(h.clock.pendingTimers()).toBe(3); // task timeout, heartbeat, execution timeout
    await h.client.send(new StopExecutionCommand({ executionArn: arn }));
    await h.sfn.idle();
    expect(h.clock.pendingTimers()).toBe(0);
    expect(h.sfn.pendingCallbacks()).toBe(0);
    expect((await h.describe(arn)).status).toBe('ABORTED');
  });

  it('speaks AWS JSON 1.0: errors are HTTP 400 with __type, unknown operations are rejected', async () => {
    const call = (target: string, body: unknown) =>
      fetch(`${h.sfn.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
        body: JSON.stringify(body),
      });
    const missing = await call('AWSStepFunctions.SendTaskSuccess', { taskToken: 'nope', output: '{}' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await missing.json()).toEqual({ __type: 'TaskDoesNotExist', message: 'Task Does Not Exist' });

    const unknown = await call('AWSStepFunctions.CreateActivity', { name: 'x' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');

    const started = await call('AWSStepFunctions.StartExecution', {
      stateMachineArn: h.sfn.stateMachineArn('Timeouts'),
      name: 'raw',
      input: '{"id":"raw"}',
    });
    expect(started.status).toBe(200);
    const body = (await started.json()) as { executionArn: string; startDate: unknown };
    expect(body.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Timeouts:raw');
    expect(typeof body.startDate).toBe('number');
    await h.sfn.idle();
    await h.client.send(new StopExecutionCommand({ executionArn: body.executionArn }));
  });
});
