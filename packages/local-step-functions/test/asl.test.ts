import { readFile } from 'node:fs/promises';
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { INTERPRETER_TASK_TIMEOUT_SECONDS, LOCAL_KEY, rewriteDefinition } from '../src/asl-rewrite.ts';
import { loadDefinition, substitute } from '../src/definition.ts';
import type { StateMachineDefinition } from '../src/interpreter.ts';
import { LocalStateMachine } from '../src/local-state-machine.ts';
import { fixture, parkAndWaitFile } from './harness.ts';

function countStates(definition: { States: Record<string, Record<string, unknown>> }): number {
  let count = 0;
  for (const state of Object.values(definition.States)) {
    count++;
    for (const key of ['ItemProcessor', 'Iterator']) {
      const inner = state[key] as { States: Record<string, Record<string, unknown>> } | undefined;
      if (inner) count += countStates(inner);
    }
    for (const branch of (state.Branches as { States: Record<string, Record<string, unknown>> }[]) ?? []) {
      count += countStates(branch);
    }
  }
  return count;
}

const parkAndWaitSubstitutions = {
  SendNoticeFunctionArn: 'SendNotice',
  AwaitAcknowledgementFunctionArn: 'AwaitAcknowledgement',
  FollowUpAcknowledgementFunctionArn: 'FollowUpAcknowledgement',
  ApplyChangeFunctionArn: 'ApplyChange',
};

describe('ASL files', () => {
  it('the test fixtures pass asl-validator', async () => {
    for (const name of [
      'long-wait.asl.json',
      'callback.asl.json',
      'mixed.asl.json',
      'park-and-wait.asl.json',
      'timeouts.asl.json',
      'distributed-map.asl.json',
      'distributed-map-items.asl.json',
    ]) {
      const text = await readFile(fixture(name), 'utf8');
      const deployed = text.replace(/\$\{([^}]+)\}/g, 'arn:aws:lambda:us-east-1:123456789012:function:$1');
      expect({ name, errors: validator(JSON.parse(deployed)).errors }).toEqual({ name, errors: [] });
    }
  });
});

describe('substitutions and the rewrite', () => {
  it('substitutes placeholders like CDK definitionSubstitutions and leaves unknown ones', () => {
    const placeholder = (name: string) => `$\{${name}}`;
    const text = `{"a":"${placeholder('A')}","b":"${placeholder('B')}","c":"${placeholder('A')}"}`;
    expect(substitute(text, { A: 'x' })).toBe(`{"a":"x","b":"${placeholder('B')}","c":"x"}`);
  });

  it('rewrites the park-and-wait workflow without changing its state count', async () => {
    const { definition } = await loadDefinition(parkAndWaitFile, parkAndWaitSubstitutions);
    const rewrite = rewriteDefinition(definition, Object.values(parkAndWaitSubstitutions));
    type States = Record<string, Record<string, unknown>>;
    const before = definition.States as unknown as States;
    const after = rewrite.definition.States as unknown as States;
    expect(countStates(rewrite.definition as never)).toBe(countStates(definition as never));
    expect(Object.keys(after)).toEqual(Object.keys(before));

    expect(after.WaitUntilApplyDate).toEqual({
      Type: 'Task',
      Comment: before.WaitUntilApplyDate!.Comment,
      Resource: 'local:virtual-clock-wait',
      Parameters: { 'Timestamp.$': '$.progress.applyAt' },
      ResultPath: null,
      TimeoutSeconds: INTERPRETER_TASK_TIMEOUT_SECONDS,
      Next: 'ApplyChange',
    });
    const awaitState = after.AwaitAcknowledgement!;
    expect(awaitState.TimeoutSecondsPath).toBeUndefined();
    expect(awaitState.TimeoutSeconds).toBe(INTERPRETER_TASK_TIMEOUT_SECONDS);
    expect((awaitState.Parameters as Record<string, unknown>)[LOCAL_KEY]).toEqual({
      'timeoutSeconds.$': '$.progress.nextCheckSeconds',
    });
    expect(awaitState.Catch).toEqual(before.AwaitAcknowledgement!.Catch);
    // A plain task keeps its short (real-time) timeout.
    expect(after.SendNotice!.TimeoutSeconds).toBe(120);
    expect(rewrite.stateTypes.get('WaitUntilApplyDate')).toBe('Wait');
    expect(rewrite.plans.get('AwaitAcknowledgement')).toMatchObject({
      kind: 'invoke',
      mode: 'lambda-invoke',
      callback: true,
      handlerName: 'AwaitAcknowledgement',
      shape: 'object',
    });
  });

  it('rewrites Waits inside Map and Parallel, and every Task gets a timeout the interpreter can hold', async () => {
    const { definition } = await loadDefinition(fixture('mixed.asl.json'), {
      EchoFunctionArn: 'Echo',
      FlakyFunctionArn: 'Flaky',
    });
    const rewrite = rewriteDefinition(definition, ['Echo', 'Flaky']);
    const text = JSON.stringify(rewrite.definition);
    expect(text).not.toContain('"Wait"');
    expect([...rewrite.plans.keys()].sort()).toEqual([
      'BranchWait',
      'Flaky',
      'Invoke',
      'ItemWait',
      'ItemWork',
    ]);
    const timeouts = [...text.matchAll(/"TimeoutSeconds":(\d+)/g)].map((match) => Number(match[1]));
    expect(timeouts).toHaveLength(5);
    for (const timeout of timeouts) expect(timeout).toBeLessThan(2_000_000);
  });

  it('moves long, path-based and callback timeouts to the virtual clock; a top-level timeout too', () => {
    const definition = {
      StartAt: 'A',
      TimeoutSeconds: 90 * 86_400,
      States: {
        A: { Type: 'Task', Resource: 'H', TimeoutSeconds: 99_999_999, Next: 'B' },
        B: { Type: 'Task', Resource: 'H', TimeoutSecondsPath: '$.t', Parameters: [1, 2], Next: 'C' },
        C: {
          Type: 'Task',
          Resource: 'H.waitForTaskToken',
          Parameters: { 'token.$': '$$.Task.Token' },
          TimeoutSeconds: 30,
          HeartbeatSeconds: 10,
          Next: 'D',
        },
        D: { Type: 'Wait', Seconds: 5, InputPath: '$.x', End: true },
      },
    } as unknown as StateMachineDefinition;
    const rewrite = rewriteDefinition(definition, ['H']);
    const states = rewrite.definition.States as unknown as Record<string, Record<string, unknown>>;
    expect(rewrite.executionTimeoutSeconds).toBe(90 * 86_400);
    expect((rewrite.definition as unknown as Record<string, unknown>).TimeoutSeconds).toBeUndefined();
    expect(states.A!.Parameters).toEqual({ [LOCAL_KEY]: { timeoutSeconds: 99_999_999, 'input.$': '$' } });
    expect(states.B!.Parameters).toEqual({ [LOCAL_KEY]: { 'timeoutSeconds.$': '$.t', parameters: [1, 2] } });
    expect(states.C!.Parameters).toEqual({
      'token.$': '$$.Task.Token',
      [LOCAL_KEY]: { timeoutSeconds: 30, heartbeatSeconds: 10 },
    });
    expect(states.C!.HeartbeatSeconds).toBeUndefined();
    // A Wait with an InputPath outputs its effective input, as a Wait does.
    expect(states.D).toMatchObject({ InputPath: '$.x', Parameters: { Seconds: 5, [`${LOCAL_KEY}.$`]: '$' } });
    expect(states.D!.ResultPath).toBeUndefined();
  });

  it('fails clearly at load time for an unknown resource, a missing substitution or a callback without a token', async () => {
    await expect(
      LocalStateMachine.load({
        name: 'Broken',
        definitionFile: parkAndWaitFile,
        substitutions: { ...parkAndWaitSubstitutions, ApplyChangeFunctionArn: 'Nope' },
        handlers: {
          SendNotice: async () => ({}),
          AwaitAcknowledgement: async () => ({}),
          FollowUpAcknowledgement: async () => ({}),
        },
      }),
    ).rejects.toThrow(/Task ApplyChange has Resource Nope, which is neither a local handler/);

    const { ApplyChangeFunctionArn: _omitted, ...missing } = parkAndWaitSubstitutions;
    await expect(
      LocalStateMachine.load({
        name: 'Missing',
        definitionFile: parkAndWaitFile,
        substitutions: missing,
        handlers: Object.fromEntries(
          Object.values(parkAndWaitSubstitutions).map((name) => [name, async () => ({})]),
        ),
      }),
    ).rejects.toThrow(/placeholders without a substitution: \$\{ApplyChangeFunctionArn\}/);

    expect(() =>
      rewriteDefinition(
        {
          StartAt: 'A',
          States: {
            A: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'H', Payload: {} },
              End: true,
            },
          },
        } as unknown as StateMachineDefinition,
        ['H'],
      ),
    ).toThrow(/must pass \$\$.Task.Token/);
  });
});
