/**
 * One state machine as the local runtime runs it: its definition file loaded with CDK-style substitutions,
 * rewritten for the virtual clock (./asl-rewrite.ts), checked against its handlers, and handed to ONE
 * aws-local-stepfunctions `StateMachine` (constructing one validates the definition: 65–200 ms).
 */

import { stateMachineArn } from './arns.ts';
import { type Json, rewriteDefinition, type TaskPlan } from './asl-rewrite.ts';
import { loadDefinition, unresolvedPlaceholders } from './definition.ts';
import type { DistributedMapProgram } from './distributed-map.ts';
import { type RunOptions, StateMachine, type StateMachineDefinition } from './interpreter.ts';
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
    /** Distributed Map state name → its child machine and ItemSelector machine (built once, here). */
    readonly distributedMaps: ReadonlyMap<string, DistributedMapProgram>,
  ) {
    this.arn = stateMachineArn(name);
  }

  /** `s3Available`: whether the runtime has S3 (a Distributed Map with ItemReader/ResultWriter needs it). */
  static async load(config: StateMachineConfig, s3Available = false): Promise<LocalStateMachine> {
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
    const validationOptions = { checkArn: false, checkPaths: true };
    const distributedMaps = new Map<string, DistributedMapProgram>();
    for (const [stateName, plan] of rewrite.plans) {
      if (plan.kind !== 'distributed-map') continue;
      const { spec } = plan;
      if ((spec.reader || spec.writer) && !s3Available) {
        throw new Error(
          `${where}: Distributed Map ${stateName} has an ItemReader or ResultWriter, but the local runtime has no S3 (pass createLocalStepFunctions({ s3: S3ClientConfig }))`,
        );
      }
      distributedMaps.set(stateName, {
        stateName,
        spec,
        processor: new StateMachine(spec.processor as unknown as StateMachineDefinition, {
          validationOptions,
        }),
        selector: spec.itemSelector
          ? new StateMachine(
              {
                StartAt: 'Select',
                States: { Select: { Type: 'Pass', Parameters: spec.itemSelector, End: true } },
              } as unknown as StateMachineDefinition,
              { validationOptions },
            )
          : undefined,
      });
    }
    collectRetryableStates(definition as unknown as Json, retryable);
    const machine = new StateMachine(rewrite.definition, {
      // Resources are handler names, not ARNs, once substituted locally.
      validationOptions,
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
      distributedMaps,
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
