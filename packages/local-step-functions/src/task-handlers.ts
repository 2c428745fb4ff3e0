/**
 * The `taskResourceLocalHandlers` of one execution (the interpreter keys them by STATE NAME and hands them
 * only the resolved Parameters): each Task state's plan (see ./asl-rewrite.ts) becomes a function that
 *
 * - timer (a rewritten Wait): sleeps on the virtual clock until `Timestamp`, or now + `Seconds`;
 * - direct (Resource is a handler): returns `handlers[name](parameters)`, like a Lambda ARN resource;
 * - lambda-invoke: calls `handlers[FunctionName](Payload)` and returns `{ Payload, StatusCode: 200 }`;
 * - callback (`.waitForTaskToken`): registers the task token(s) found in the Parameters, calls the handler
 *   (ignoring its result), then waits for SendTaskSuccess / SendTaskFailure / a virtual-clock timeout.
 *
 * A handler's error becomes a task error named like the thrown error's `name` (a Lambda's `errorType`),
 * with a Lambda-style JSON Cause, so Retry/Catch match it as they would on AWS.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import { type Json, LOCAL_KEY, resolveFunctionName, type TaskPlan } from './asl-rewrite.ts';
import type { CallbackRegistry } from './callback-registry.ts';
import { type DistributedMapProgram, runDistributedMap } from './distributed-map.ts';
import { abandonedError, lambdaStyleError, runtimeError, taskError } from './errors.ts';
import type { VirtualClock } from './virtual-clock.ts';

export type LocalHandler = (input: unknown) => Promise<unknown>;

/** What a task handler needs from the execution it runs in. */
export interface ExecutionScope {
  readonly executionArn: string;
  /** Aborted (with the reason to reject pending waits with) when the execution stops or is abandoned. */
  readonly signal: AbortSignal;
  /** Marks `work` as runnable work (`idle()` waits for it) or as a parked wait (`idle()` does not). */
  track<T>(work: Promise<T>, kind: 'running' | 'parked'): Promise<T>;
  /** The execution's context object (`$$`); a Distributed Map's children get a copy of it. */
  readonly context: Readonly<Record<string, unknown>>;
  /** Follows a child execution's interpreter events (so `idle()` sees its retries). */
  observe(events: AsyncGenerator<unknown>): void;
}

export interface TaskHandlerDeps {
  handlers: Readonly<Record<string, LocalHandler>>;
  clock: VirtualClock;
  registry: CallbackRegistry;
  newTimeoutError: (message?: string) => Error;
  /** Distributed Map state name → its machines (./distributed-map.ts). */
  distributedMaps?: ReadonlyMap<string, DistributedMapProgram>;
  s3?: S3Client | undefined;
  /** The execution's `retryIntervalOverrides` (instantRetries), for child executions too. */
  retryIntervalOverrides?: Record<string, number> | undefined;
}

type InterpreterHandler = (input: Json) => Promise<Json>;

const RFC3339 =
  /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

function asObject(value: Json): Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}

function positiveInteger(value: Json | undefined, what: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw runtimeError(`${what} must be an integer >= ${minimum}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Splits the reserved `__local` data from the Parameters the handler is to see. */
function unwrap(raw: Json, plan: Extract<TaskPlan, { kind: 'invoke' }>) {
  if (plan.shape === 'as-is') return { parameters: raw, local: {} as Record<string, Json> };
  const object = asObject(raw);
  const local = asObject(object[LOCAL_KEY] ?? null);
  if (plan.shape === 'input') return { parameters: local.input ?? null, local };
  if (plan.shape === 'value') return { parameters: local.parameters ?? null, local };
  const { [LOCAL_KEY]: _reserved, ...parameters } = object;
  return { parameters: parameters as Json, local };
}

async function callHandler(handler: LocalHandler, input: Json): Promise<Json> {
  try {
    return toJson(await handler(toJson(input)));
  } catch (error) {
    throw lambdaStyleError(error);
  }
}

export function createTaskHandlers(
  plans: ReadonlyMap<string, TaskPlan>,
  deps: TaskHandlerDeps,
  scope: ExecutionScope,
): Record<string, InterpreterHandler> {
  const handlerNames = new Set(Object.keys(deps.handlers));

  const timer = (plan: Extract<TaskPlan, { kind: 'timer' }>): InterpreterHandler => {
    return async (raw) => {
      if (scope.signal.aborted) throw abandonedError();
      const parameters = asObject(raw);
      let target: number;
      if (parameters.Timestamp !== undefined) {
        const timestamp = parameters.Timestamp;
        if (typeof timestamp !== 'string' || !RFC3339.test(timestamp)) {
          throw runtimeError(
            `Wait ${plan.stateName}: Timestamp must be an RFC 3339 timestamp, got ${JSON.stringify(timestamp)}`,
          );
        }
        target = Date.parse(timestamp);
      } else {
        const seconds = positiveInteger(parameters.Seconds, `Wait ${plan.stateName}: Seconds`, 0) ?? 0;
        target = deps.clock.nowMs() + seconds * 1000;
      }
      await scope.track(deps.clock.sleepUntil(new Date(target), scope.signal), 'parked');
      return plan.returnsInput ? (parameters[LOCAL_KEY] ?? null) : null;
    };
  };

  const invoke = (plan: Extract<TaskPlan, { kind: 'invoke' }>): InterpreterHandler => {
    return async (raw) => {
      if (scope.signal.aborted) throw abandonedError();
      const { parameters, local } = unwrap(raw, plan);
      const timeoutSeconds = positiveInteger(
        local.timeoutSeconds,
        `Task ${plan.stateName}: TimeoutSeconds`,
        1,
      );
      const heartbeatSeconds = positiveInteger(
        local.heartbeatSeconds,
        `Task ${plan.stateName}: HeartbeatSeconds`,
        1,
      );

      let handlerName = plan.handlerName;
      let input: Json = parameters;
      if (plan.mode === 'lambda-invoke') {
        const object = asObject(parameters);
        const functionName = object.FunctionName;
        handlerName ??=
          typeof functionName === 'string' ? resolveFunctionName(functionName, handlerNames) : undefined;
        if (!handlerName) {
          throw taskError(
            'Lambda.ResourceNotFoundException',
            `Function not found: ${JSON.stringify(functionName)} (no local handler of that name)`,
          );
        }
        input = object.Payload ?? {};
      }
      const handler = deps.handlers[handlerName!]!;

      if (plan.callback) {
        const tokens = deps.registry.issuedTokensIn(scope.executionArn, parameters);
        if (tokens.length === 0)
          throw runtimeError(`Task ${plan.stateName}: no $$.Task.Token in its Parameters`);
        const waits = tokens.map((token) =>
          deps.registry.register(token, scope.executionArn, { timeoutSeconds, heartbeatSeconds }),
        );
        // The waits are registered before the handler runs: it may send the result back itself.
        const result = Promise.race(waits);
        result.catch(() => undefined);
        try {
          await scope.track(callHandler(handler, input), 'running');
        } catch (error) {
          for (const token of tokens) deps.registry.discard(token);
          throw error;
        }
        try {
          return await scope.track(result, 'parked');
        } finally {
          for (const token of tokens) deps.registry.discard(token);
        }
      }

      const work = scope.track(callHandler(handler, input), 'running');
      let output: Json;
      if (timeoutSeconds === undefined) {
        output = await work;
      } else {
        const timers = new AbortController();
        const deadline = new Date(deps.clock.nowMs() + timeoutSeconds * 1000);
        const timeout = deps.clock.sleepUntil(deadline, timers.signal).then(() => {
          throw deps.newTimeoutError('States.Timeout');
        });
        timeout.catch(() => undefined);
        try {
          output = await Promise.race([work, timeout]);
        } finally {
          timers.abort();
        }
      }
      return plan.mode === 'lambda-invoke'
        ? { ExecutedVersion: '$LATEST', Payload: output, StatusCode: 200 }
        : output;
    };
  };

  const distributedMap = (plan: Extract<TaskPlan, { kind: 'distributed-map' }>): InterpreterHandler => {
    const program = deps.distributedMaps?.get(plan.stateName);
    let runs = 0;
    return async (raw) => {
      if (scope.signal.aborted) throw abandonedError();
      if (!program) throw runtimeError(`Distributed Map ${plan.stateName} has no local program`);
      return runDistributedMap(program, raw, {
        s3: deps.s3,
        context: scope.context,
        signal: scope.signal,
        now: () => deps.clock.now(),
        track: (work) => scope.track(work, 'running'),
        runNumber: runs++,
        startChild: (input, context) => {
          // Each child has its own abort signal (linked to the parent's) and its own handlers.
          const controller = new AbortController();
          const onParentAbort = () => controller.abort(scope.signal.reason);
          scope.signal.addEventListener('abort', onParentAbort, { once: true });
          const childScope: ExecutionScope = { ...scope, signal: controller.signal, context };
          const run = program.processor.run(input, {
            overrides: {
              taskResourceLocalHandlers: createTaskHandlers(plans, deps, childScope),
              ...(deps.retryIntervalOverrides ? { retryIntervalOverrides: deps.retryIntervalOverrides } : {}),
            },
            context,
          });
          scope.observe(run.eventLogs as AsyncGenerator<unknown>);
          const result = (run.result as Promise<Json>).finally(() => {
            scope.signal.removeEventListener('abort', onParentAbort);
            if (!controller.signal.aborted) controller.abort(abandonedError());
          });
          return {
            result,
            abort: () => {
              run.abort();
              controller.abort(abandonedError());
            },
          };
        },
      });
    };
  };

  const handlers: Record<string, InterpreterHandler> = {};
  for (const [stateName, plan] of plans) {
    if (plan.kind === 'timer') handlers[stateName] = timer(plan);
    else if (plan.kind === 'distributed-map') handlers[stateName] = distributedMap(plan);
    else handlers[stateName] = invoke(plan);
  }
  return handlers;
}
