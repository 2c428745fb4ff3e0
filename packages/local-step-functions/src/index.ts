/**
 * Local Step Functions: the ASL files of `workflows/` run by aws-local-stepfunctions on a virtual clock,
 * their executions persisted in DynamoDB, behind a loopback endpoint the ordinary `SFNClient` talks to:
 *
 *   new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
 *
 * Operations: StartExecution, DescribeExecution, StopExecution, GetExecutionHistory, ListExecutions,
 * SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat, DescribeStateMachine, ListStateMachines.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CallbackRegistry } from './callback-registry.ts';
import { apiErrors } from './errors.ts';
import { ExecutionRuntime } from './execution-runtime.ts';
import type { ExecutionStatus } from './execution-store.ts';
import { ExecutionStore } from './execution-store.ts';
import { statesTimeoutErrorFactory } from './interpreter.ts';
import { LocalStateMachine, type StateMachineConfig } from './local-state-machine.ts';
import { type Operation, startSfnEndpoint } from './sfn-endpoint.ts';
import type { VirtualClock } from './virtual-clock.ts';

export { stateMachineArn as localStateMachineArn } from './arns.ts';
export type { StateMachineConfig } from './local-state-machine.ts';
export type { LocalHandler } from './task-handlers.ts';
export { type Clock, VirtualClock, type VirtualClockOptions } from './virtual-clock.ts';

/**
 * The DynamoDB table the runtime keeps its executions in (the caller creates it, with this key, before
 * starting the runtime): one item per execution, keyed by its ARN.
 */
export const executionsTableKey = { partitionKey: { name: 'executionArn', type: 'S' } } as const;

export interface LocalStepFunctionsOptions {
  clock: VirtualClock;
  documentClient: DynamoDBDocumentClient;
  /** A table keyed as `executionsTableKey` says, already created. */
  executionsTableName: string;
  stateMachines: StateMachineConfig[];
  /** Loopback port; a free one when omitted. */
  port?: number;
  /** Retry intervals run in real time (seconds) by default; true retries at once (tests, benchmarks). */
  instantRetries?: boolean;
  /** Histories of finished executions kept in memory (default 1000). */
  historyLimit?: number;
  /** Errors with no API caller to go to; default console.error. */
  onError?: (error: unknown) => void;
  /**
   * S3 for Distributed Map states (ItemReader `s3:getObject`, ResultWriter `s3:putObject`), e.g.
   * `startLocalS3().clientConfig()` from @pcn/local-s3. Without it, such a state fails at load time.
   */
  s3?: S3ClientConfig;
}

export interface LocalStepFunctions {
  /** `http://127.0.0.1:<port>`, for `SFNClient({ endpoint })`. */
  readonly endpoint: string;
  stateMachineArn(name: string): string;
  /** Re-drives every RUNNING execution found in the table from its start (same name and input). */
  resumeExecutions(): Promise<number>;
  /** Resolves when every running execution is parked on a callback or a future virtual timer. */
  idle(): Promise<void>;
  /**
   * Advances the virtual clock by `ms` as if that time had passed: stops at every timer falling due on the
   * way (including timers set by what the earlier ones woke up) and lets executions settle after each.
   * A bare `clock.advance(ms)` only fires the timers due at the end, once.
   */
  advanceAndSettle(ms: number): Promise<Date>;
  /** Closes the endpoint and abandons running executions WITHOUT recording an outcome (so they resume). */
  stop(): Promise<void>;
  /** Executions running in this process. */
  runningExecutions(): number;
  /** Callback tasks waiting for SendTaskSuccess/Failure. */
  pendingCallbacks(): number;
}

function str(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw apiErrors.validation(`${key} must be a string`);
  return value;
}

function required(input: Record<string, unknown>, key: string): string {
  const value = str(input, key);
  if (value === undefined) throw apiErrors.validation(`${key} is required`);
  return value;
}

function num(input: Record<string, unknown>, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw apiErrors.validation(`${key} must be a number`);
  return value;
}

export async function createLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const names = new Set<string>();
  for (const config of options.stateMachines) {
    if (names.has(config.name)) throw new Error(`State machine ${config.name} is configured twice`);
    names.add(config.name);
  }
  const onError = options.onError ?? ((error: unknown) => console.error('local Step Functions:', error));
  const machines = await Promise.all(
    options.stateMachines.map((config) => LocalStateMachine.load(config, options.s3 !== undefined)),
  );
  const s3 = options.s3 ? new S3Client(options.s3) : undefined;
  const newTimeoutError = await statesTimeoutErrorFactory();
  const registry = new CallbackRegistry(options.clock, newTimeoutError);
  const runtime = new ExecutionRuntime({
    clock: options.clock,
    store: new ExecutionStore(options.documentClient, options.executionsTableName),
    registry,
    machines,
    newTimeoutError,
    onError,
    s3,
    ...(options.instantRetries !== undefined ? { instantRetries: options.instantRetries } : {}),
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
  });

  const operations: Record<string, Operation> = {
    StartExecution: (input) =>
      runtime.startExecution({
        stateMachineArn: required(input, 'stateMachineArn'),
        ...(str(input, 'name') !== undefined ? { name: str(input, 'name')! } : {}),
        ...(str(input, 'input') !== undefined ? { input: str(input, 'input')! } : {}),
      }),
    DescribeExecution: (input) => runtime.describeExecution(required(input, 'executionArn')),
    StopExecution: (input) =>
      runtime.stopExecution(required(input, 'executionArn'), str(input, 'error'), str(input, 'cause')),
    GetExecutionHistory: (input) =>
      runtime.getExecutionHistory(required(input, 'executionArn'), {
        maxResults: num(input, 'maxResults'),
        nextToken: str(input, 'nextToken'),
        reverseOrder: input.reverseOrder === true,
        includeExecutionData: input.includeExecutionData !== false,
      }),
    ListExecutions: (input) =>
      runtime.listExecutions({
        stateMachineArn: required(input, 'stateMachineArn'),
        statusFilter: str(input, 'statusFilter') as ExecutionStatus | undefined,
        maxResults: num(input, 'maxResults'),
        nextToken: str(input, 'nextToken'),
      }),
    SendTaskSuccess: (input) => {
      runtime.sendTaskSuccess(required(input, 'taskToken'), required(input, 'output'));
      return {};
    },
    SendTaskFailure: (input) => {
      runtime.sendTaskFailure(required(input, 'taskToken'), str(input, 'error'), str(input, 'cause'));
      return {};
    },
    SendTaskHeartbeat: (input) => {
      runtime.sendTaskHeartbeat(required(input, 'taskToken'));
      return {};
    },
    DescribeStateMachine: (input) => {
      const machine = runtime.machine(required(input, 'stateMachineArn'));
      return {
        stateMachineArn: machine.arn,
        name: machine.name,
        status: 'ACTIVE',
        definition: machine.definitionText,
        roleArn: 'arn:aws:iam::000000000000:role/local-step-functions',
        type: 'STANDARD',
        creationDate: 0,
      };
    },
    ListStateMachines: () => ({
      stateMachines: runtime.machines.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: 0,
      })),
    }),
  };

  const server = await startSfnEndpoint(operations, {
    ...(options.port !== undefined ? { port: options.port } : {}),
    onError,
  });

  let stopping: Promise<void> | undefined;
  return {
    endpoint: server.endpoint,
    stateMachineArn(name: string) {
      const machine = machines.find((candidate) => candidate.name === name);
      if (!machine) throw new Error(`No local state machine named ${name}`);
      return machine.arn;
    },
    resumeExecutions: () => runtime.resumeExecutions(),
    idle: () => runtime.idle(),
    async advanceAndSettle(ms: number) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`advanceAndSettle(ms): ms must be >= 0, got ${ms}`);
      const { clock } = options;
      const target = clock.nowMs() + ms;
      await runtime.idle();
      for (;;) {
        const next = clock.nextTimerAt();
        if (!next || next.getTime() > target) break;
        await clock.advanceTo(next);
        await runtime.idle();
      }
      await clock.advanceTo(new Date(target));
      await runtime.idle();
      return clock.now();
    },
    stop() {
      stopping ??= (async () => {
        await server.close();
        await runtime.stop();
        s3?.destroy();
      })();
      return stopping;
    },
    runningExecutions: () => runtime.runningCount(),
    pendingCallbacks: () => registry.pendingCount(),
  };
}
