/**
 * The real workflows/notice-lifecycle.asl.json on the local Step Functions runtime and the virtual clock, with
 * fake task handlers that play a change's progress: what the workflow does with each answer, how its one wait
 * times out into Advance, and how a step failing for good ends in RecordFailure.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { VirtualClock } from '@pcn/local-step-functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noticeLifecycleTasks, noticeLifecycleWorkflow } from '../../functions/config/workflows.ts';
import type { WorkflowProgress } from '../../functions/notices/progress.ts';
import { DAY_MS, type Harness, startHarness, T0 } from './harness.ts';

const definitionFile = fileURLToPath(
  new URL(`../../${noticeLifecycleWorkflow.definitionFile}`, import.meta.url),
);
const definition = JSON.parse(readFileSync(definitionFile, 'utf8')) as {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
};

type Step = Partial<WorkflowProgress> & { next: WorkflowProgress['next'] };

/** Fake handlers: each task answers the next progress of a per-change script, and records its calls. */
function scriptedHandlers(scripts: Record<string, Record<string, Step[]>>) {
  const calls: { task: string; input: Record<string, unknown> }[] = [];
  const answer = (task: string) => async (input: unknown) => {
    const record = input as Record<string, unknown>;
    calls.push({ task, input: record });
    const changeId = String(record.changeId);
    const step = scripts[changeId]?.[task]?.shift();
    if (task === 'AwaitEventFunctionArn') return { state: 'waiting' };
    if (task === 'RecordFailureFunctionArn') return { recorded: true };
    if (!step) throw Object.assign(new Error(`no scripted answer for ${task}`), { name: 'ScriptExhausted' });
    if (step.next === ('throw' as string)) throw Object.assign(new Error('boom'), { name: 'Boom' });
    if (step.next === ('missing' as string)) {
      throw Object.assign(new Error(`No change ${changeId}`), { name: 'ChangeNotFound' });
    }
    return { changeId, status: 'notice-sent', revision: 1, waitSeconds: 86_400, ...step };
  };
  const handlers = Object.fromEntries(noticeLifecycleTasks.map((task) => [task, answer(task)]));
  return { handlers, calls };
}

function transitionsOf(events: HistoryEvent[]): string[] {
  return events
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '?');
}

describe('the notice-lifecycle ASL', () => {
  it('gives every Task a Retry on transient errors, a timeout and a Catch into the named RecordFailure state', () => {
    const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(
      ['Advance', 'ApplyChange', 'AwaitEvent', 'RecordFailure', 'SendNotice'].sort(),
    );
    for (const [name, state] of tasks) {
      const retry = state.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[];
      const transient = retry.flatMap((retrier) => (retrier.MaxAttempts === 0 ? [] : retrier.ErrorEquals));
      // States.TaskFailed: a handler's own error (DynamoDB past the SDK's retries …) is transient too.
      expect(transient, name).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.TooManyRequestsException',
          'States.TaskFailed',
        ]),
      );
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
      const catchers = state.Catch as { ErrorEquals: string[]; Next: string }[];
      const catchAll = catchers.find((catcher) => catcher.ErrorEquals.includes('States.ALL'));
      expect(catchAll?.Next, name).toBe(name === 'RecordFailure' ? 'Failed' : 'RecordFailure');
    }
    // The only waiting is the callback, and it always has a timeout (the change's next deadline).
    expect(Object.values(definition.States).filter((state) => state.Type === 'Wait')).toEqual([]);
    expect(definition.States.AwaitEvent!.Resource).toMatch(/waitForTaskToken$/);
    expect(definition.States.AwaitEvent!.TimeoutSecondsPath).toBe('$.progress.waitSeconds');
    // Every placeholder is a task of the workflow's one description, and every task is used.
    const placeholders = [...readFileSync(definitionFile, 'utf8').matchAll(/\$\{(\w+)\}/g)].map(
      (match) => match[1],
    );
    expect([...new Set(placeholders)].sort()).toEqual([...noticeLifecycleTasks].sort());
  });

  describe('on the local runtime', () => {
    let h: Harness;
    let fake: ReturnType<typeof scriptedHandlers>;
    const scripts: Record<string, Record<string, Step[]>> = {};

    beforeAll(async () => {
      const clock = await VirtualClock.open({ frozenAt: T0 });
      fake = scriptedHandlers(scripts);
      h = await startHarness({
        clock,
        instantRetries: true,
        stateMachines: [
          {
            name: noticeLifecycleWorkflow.name,
            definitionFile,
            substitutions: Object.fromEntries(noticeLifecycleTasks.map((task) => [task, task])),
            handlers: fake.handlers,
          },
        ],
      });
    });

    afterAll(async () => {
      await h?.close();
    });

    async function start(changeId: string) {
      const { executionArn } = await h.client.send(
        new StartExecutionCommand({
          stateMachineArn: h.sfn.stateMachineArn(noticeLifecycleWorkflow.name),
          name: changeId,
          input: JSON.stringify({ changeId }),
        }),
      );
      await h.sfn.idle();
      return executionArn!;
    }

    function tokenOf(changeId: string): string {
      const parked = fake.calls.filter(
        (call) => call.task === 'AwaitEventFunctionArn' && call.input.changeId === changeId,
      );
      return String(parked.at(-1)!.input.taskToken);
    }

    async function resume(changeId: string, progress: Step) {
      await h.client.send(
        new SendTaskSuccessCommand({
          taskToken: tokenOf(changeId),
          output: JSON.stringify({ changeId, status: 'x', revision: 2, waitSeconds: 86_400, ...progress }),
        }),
      );
      await h.sfn.idle();
    }

    it('follows the progress: waits, is resumed into SendNotice, times out into Advance, applies, ends', async () => {
      scripts['chg-happy'] = {
        AdvanceFunctionArn: [{ next: 'wait', waitSeconds: 7 * 86_400, revision: 1 }, { next: 'apply' }],
        SendNoticeFunctionArn: [{ next: 'wait', waitSeconds: 30 * 86_400, revision: 3 }],
        ApplyChangeFunctionArn: [{ next: 'end' }],
      };
      const arn = await start('chg-happy');
      // Parked on the approval, with the revision Advance reported.
      expect(
        fake.calls.filter((call) => call.input.changeId === 'chg-happy').map((call) => call.task),
      ).toEqual(['AdvanceFunctionArn', 'AwaitEventFunctionArn']);
      expect(fake.calls.at(-1)!.input).toMatchObject({ changeId: 'chg-happy', revision: 1 });
      await resume('chg-happy', { next: 'send-notice' });
      expect(fake.calls.at(-1)).toMatchObject({ task: 'AwaitEventFunctionArn', input: { revision: 3 } });
      // The wait times out at the deadline SendNotice gave (30 days), not a second earlier.
      await h.clock.advance(30 * DAY_MS - 1000);
      await h.sfn.idle();
      expect(fake.calls.at(-1)!.task).toBe('AwaitEventFunctionArn');
      await h.clock.advance(1000);
      await h.sfn.idle();
      expect((await h.describe(arn)).status).toBe('SUCCEEDED');
      const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn: arn }));
      expect(transitionsOf(events!)).toEqual([
        'Advance',
        'Route',
        'AwaitEvent',
        'Route',
        'SendNotice',
        'Route',
        'AwaitEvent',
        'Advance',
        'Route',
        'ApplyChange',
        'Route',
        'Done',
      ]);
    });

    it('a step failing for good is retried, then caught into RecordFailure with the error, and the execution fails visibly', async () => {
      scripts['chg-broken'] = {
        AdvanceFunctionArn: [{ next: 'send-notice' }],
        SendNoticeFunctionArn: Array.from({ length: 5 }, () => ({
          next: 'throw' as WorkflowProgress['next'],
        })),
      };
      const arn = await start('chg-broken');
      const described = await h.describe(arn);
      expect(described.status).toBe('FAILED');
      expect(described.error).toBe('ChangeWorkflowFailed');
      const sendCalls = fake.calls.filter(
        (call) => call.task === 'SendNoticeFunctionArn' && call.input.changeId === 'chg-broken',
      );
      expect(sendCalls).toHaveLength(5); // the first attempt and four retries
      const recorded = fake.calls.find(
        (call) => call.task === 'RecordFailureFunctionArn' && call.input.changeId === 'chg-broken',
      );
      expect(recorded?.input).toMatchObject({ changeId: 'chg-broken', failure: { Error: 'Boom' } });
    });

    it('does not retry a change that does not exist: straight to RecordFailure', async () => {
      scripts['chg-missing'] = {
        AdvanceFunctionArn: Array.from({ length: 5 }, () => ({
          next: 'missing' as WorkflowProgress['next'],
        })),
      };
      const arn = await start('chg-missing');
      expect((await h.describe(arn)).status).toBe('FAILED');
      expect(
        fake.calls.filter(
          (call) => call.task === 'AdvanceFunctionArn' && call.input.changeId === 'chg-missing',
        ),
      ).toHaveLength(1);
    });
  });
});
