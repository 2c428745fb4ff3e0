/**
 * One state machine as the local runtime runs it: its definition file loaded with CDK-style substitutions,
 * rewritten for the virtual clock (./asl-rewrite.ts), checked against its handlers, and handed to ONE
 * aws-local-stepfunctions `StateMachine` (constructing one validates the definition: 65–200 ms).
 */

import { stateMachineArn } from './arns.ts';
import { type Json, rewriteDefinition, type TaskPlan } from './asl-rewrite.ts';
import { loadDefinition, unresolvedPlaceholders } from './definition.ts';
import { type RunOptions, StateMachine } from './interpreter.ts';
import type { LocalHandler } from './task-handlers.ts';

export interface StateMachineConfig {
  name: string;
  definitionFile: string;
  /** `${Name}` placeholder → value; locally each value is a handler name. */
  substitutions: Record<string, string>;
  handlers: Record<string, LocalHandler>;
}

export class LocalStateMachine {
  readonly arn: string;

  private constructor(
    readonly name: string,
    readonly handlers: Readonly<Record<string, LocalHandler>>,
    /** The definition after substitution (as AWS would hold it; DescribeStateMachine returns it). */
    readonly definitionText: string,
    readonly plans: ReadonlyMap<string, TaskPlan>,
    readonly stateTypes: ReadonlyMap<string, string>,
    /** State name → Task resource (for history events). */
    readonly resources: ReadonlyMap<string, string>,
    readonly executionTimeoutSeconds: number | undefined,
    /** Retryable state name → 0 ms, for `instantRetries`. */
    readonly instantRetryOverrides: Readonly<Record<string, number>>,
    private readonly machine: StateMachine,
  ) {
    this.arn = stateMachineArn(name);
  }

  static async load(config: StateMachineConfig): Promise<LocalStateMachine> {
    const where = `state machine ${config.name} (${config.definitionFile})`;
    const { definition, text } = await loadDefinition(config.definitionFile, config.substitutions);
    let rewrite: ReturnType<typeof rewriteDefinition>;
    try {
      rewrite = rewriteDefinition(definition, Object.keys(config.handlers), where);
    } catch (error) {
      const missing = unresolvedPlaceholders(text);
      if (missing.length === 0) throw error;
      throw new Error(
        `${(error as Error).message}; placeholders without a substitution: ${missing.join(', ')}`,
      );
    }
    const resources = new Map<string, string>();
    const retryable: Record<string, number> = {};
    for (const [stateName, plan] of rewrite.plans) {
      resources.set(stateName, plan.kind === 'timer' ? 'wait' : plan.resource);
    }
    collectRetryableStates(definition as unknown as Json, retryable);
    const machine = new StateMachine(rewrite.definition, {
      // Resources are handler names, not ARNs, once substituted locally.
      validationOptions: { checkArn: false, checkPaths: true },
    });
    return new LocalStateMachine(
      config.name,
      config.handlers,
      text,
      rewrite.plans,
      rewrite.stateTypes,
      resources,
      rewrite.executionTimeoutSeconds,
      retryable,
      machine,
    );
  }

  run(input: Json, options: RunOptions) {
    return this.machine.run(input, options);
  }
}

function collectRetryableStates(node: Json, into: Record<string, number>): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const item of node) collectRetryableStates(item, into);
    return;
  }
  const states = node.States;
  if (typeof states === 'object' && states !== null && !Array.isArray(states)) {
    for (const [name, state] of Object.entries(states)) {
      if (typeof state === 'object' && state !== null && !Array.isArray(state) && 'Retry' in state)
        into[name] = 0;
    }
  }
  for (const value of Object.values(node)) collectRetryableStates(value, into);
}
