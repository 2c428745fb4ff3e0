/**
 * Rewrites a (substituted) definition so aws-local-stepfunctions runs it on the virtual clock, and works out
 * how each Task state is served locally (its TaskPlan). The state count is unchanged, so state-transition
 * counts still match AWS.
 *
 * - Every `Wait` becomes a `Task` served by the virtual-clock timer (the interpreter would use a real
 *   `setTimeout`, and Node fires any delay over 24.8 days at once). Its Parameters carry `Seconds`,
 *   `Seconds.$`, `Timestamp` or `Timestamp.$`; `ResultPath: null` passes the input through (with an
 *   `InputPath`, the timer returns the effective input instead, as a Wait state does); InputPath,
 *   OutputPath, Next/End and Comment are kept.
 * - A `.waitForTaskToken` task's `TimeoutSeconds(Path)` and `HeartbeatSeconds(Path)` move into the
 *   reserved Parameters key `__local` (stripped before the handler sees them) and are enforced on the
 *   virtual clock by the callback registry. So is a `TimeoutSecondsPath` on any task, and a static
 *   `TimeoutSeconds` too long for a real timer. A short static `TimeoutSeconds` on an ordinary task stays
 *   with the interpreter (real time: it bounds how long a handler may run).
 * - Every Task gets an explicit `TimeoutSeconds` below 2,000,000 s (the interpreter otherwise applies 60 s).
 * - The top-level `TimeoutSeconds` (execution timeout) is removed and enforced on the virtual clock.
 * - `$$.Execution.StartTime` becomes `$$.Execution.LocalStartTime`: the interpreter overwrites StartTime
 *   with the real time; LocalStartTime is the virtual start time.
 */
import type { StateMachineDefinition } from './interpreter.ts';

/** The reserved Parameters key carrying local-only data (virtual timeouts, wrapped input). */
export const LOCAL_KEY = '__local';
/** The Resource of a rewritten Wait state. */
export const TIMER_RESOURCE = 'local:virtual-clock-wait';
/** The Resource of a rewritten Distributed Map state (see ./distributed-map.ts). */
export const DISTRIBUTED_MAP_RESOURCE = 'local:distributed-map';
export const S3_GET_OBJECT = 'arn:aws:states:::s3:getObject';
export const S3_PUT_OBJECT = 'arn:aws:states:::s3:putObject';
/** What every Task gets as the interpreter's own (real-time) timeout unless it keeps a shorter one. */
export const INTERPRETER_TASK_TIMEOUT_SECONDS = 1_999_999;

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([^:]+)(:[^:]+)?$/;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * How a rewritten Task's Parameters reach the handler:
 * - `as-is`: no `__local` key was added;
 * - `object`: `__local` was added to the state's own Parameters object (strip it);
 * - `input`: the state had no Parameters; `__local.input` holds the effective input;
 * - `value`: the state's Parameters were not an object; `__local.parameters` holds them.
 */
export type ParametersShape = 'as-is' | 'object' | 'input' | 'value';

/**
 * The static part of a Distributed Map state; what may be a path (`...Path`, `.$` Parameters) is resolved by
 * the interpreter into the rewritten Task's `__local` Parameters (see `DistributedMapParameters`).
 */
export interface DistributedMapSpec {
  /** `Label`, else the state name: the map run's and the child executions' names use it. */
  label: string;
  /** The ItemProcessor's states, rewritten like any others: what each child execution runs. */
  processor: JsonObject;
  /** `ItemSelector` (or the older `Parameters`), evaluated per item with `$$.Map.Item`. */
  itemSelector: JsonObject | undefined;
  reader: { inputType: 'JSON' | 'JSONL'; maxItems: number | undefined } | undefined;
  batcher: { maxItemsPerBatch: number | undefined } | undefined;
  writer: boolean;
  maxConcurrency: number | undefined;
  toleratedFailurePercentage: number | undefined;
  toleratedFailureCount: number | undefined;
}

export type TaskPlan =
  | { kind: 'timer'; stateName: string; returnsInput: boolean }
  | { kind: 'distributed-map'; stateName: string; resource: string; spec: DistributedMapSpec }
  | {
      kind: 'invoke';
      stateName: string;
      /** `direct`: Resource is a handler; `lambda-invoke`: the lambda:invoke integration (result wrapped). */
      mode: 'direct' | 'lambda-invoke';
      callback: boolean;
      resource: string;
      /** The handler, when known at load time (not for a `FunctionName.$`). */
      handlerName: string | undefined;
      shape: ParametersShape;
    };

export interface RewriteResult {
  definition: StateMachineDefinition;
  plans: Map<string, TaskPlan>;
  /** State name → its type in the original definition (a rewritten Wait is still a Wait here). */
  stateTypes: Map<string, string>;
  /** The top-level TimeoutSeconds, enforced on the virtual clock. */
  executionTimeoutSeconds: number | undefined;
}

/** Lambda function name (or ARN) → handler name, if there is such a handler. */
export function resolveFunctionName(functionName: string, handlers: ReadonlySet<string>): string | undefined {
  if (handlers.has(functionName)) return functionName;
  const name = LAMBDA_FUNCTION_ARN.exec(functionName)?.[1];
  return name !== undefined && handlers.has(name) ? name : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mentionsTaskToken(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('$$.Task.Token');
  if (Array.isArray(value)) return value.some(mentionsTaskToken);
  if (isObject(value)) return Object.values(value).some(mentionsTaskToken);
  return false;
}

/** Replaces `$$.Execution.StartTime` in every path and `.$` value (see the module comment). */
function rewriteStartTime(value: Json, key = ''): Json {
  if (typeof value === 'string') {
    const isPath = key.endsWith('.$') || key.endsWith('Path') || key === 'Variable';
    return isPath ? value.replaceAll('$$.Execution.StartTime', '$$$$.Execution.LocalStartTime') : value;
  }
  if (Array.isArray(value)) return value.map((item) => rewriteStartTime(item, key));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteStartTime(v, k)]));
  }
  return value;
}

class Rewriter {
  readonly plans = new Map<string, TaskPlan>();
  readonly stateTypes = new Map<string, string>();

  constructor(
    private readonly handlers: ReadonlySet<string>,
    private readonly where: string,
  ) {}

  machine(definition: JsonObject, path: string): JsonObject {
    const states = definition.States;
    if (!isObject(states)) throw new Error(`${this.where}: ${path || 'definition'} has no States`);
    const rewritten: JsonObject = {};
    for (const [name, state] of Object.entries(states)) {
      if (!isObject(state)) throw new Error(`${this.where}: state ${name} is not an object`);
      if (this.stateTypes.has(name)) {
        throw new Error(
          `${this.where}: state name ${name} is used twice; local task handlers are keyed by state name`,
        );
      }
      this.stateTypes.set(name, String(state.Type));
      rewritten[name] = this.state(name, state);
    }
    return { ...definition, States: rewritten };
  }

  private state(name: string, state: JsonObject): JsonObject {
    switch (state.Type) {
      case 'Wait':
        return this.wait(name, state);
      case 'Task':
        return this.task(name, state);
      case 'Map': {
        const processor = state.ItemProcessor;
        if (isObject(processor) && isObject(processor.ProcessorConfig)) {
          if (processor.ProcessorConfig.Mode === 'DISTRIBUTED') return this.distributedMap(name, state);
        }
        const out = { ...state };
        for (const key of ['ItemProcessor', 'Iterator'] as const) {
          const inner = state[key];
          if (isObject(inner)) out[key] = this.machine(inner, `${name}.${key}`);
        }
        return out;
      }
      case 'Parallel': {
        const branches = state.Branches;
        if (!Array.isArray(branches)) return state;
        return {
          ...state,
          Branches: branches.map((branch, i) =>
            isObject(branch) ? this.machine(branch, `${name}.Branches[${i}]`) : branch,
          ),
        };
      }
      default:
        return state;
    }
  }

  /**
   * A Distributed Map becomes a Task served by the local map runner (./distributed-map.ts). Its Parameters
   * carry, under `__local`, everything the interpreter must resolve against the state's effective input:
   * the input itself, the items (`ItemsPath`), the ItemReader/ResultWriter Parameters, `BatchInput` and
   * every `...Path` field. InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch, Next/End stay.
   */
  private distributedMap(name: string, state: JsonObject): JsonObject {
    const fail = (why: string): never => {
      throw new Error(`${this.where}: Distributed Map ${name}: ${why}`);
    };
    const processor = state.ItemProcessor as JsonObject;
    const { ProcessorConfig: _config, ...processorStates } = processor;
    const rewrittenProcessor = this.machine(processorStates, `${name}.ItemProcessor`);
    const local: JsonObject = { 'input.$': '$' };
    const number = (value: Json | undefined, field: string): number | undefined => {
      if (value === undefined) return undefined;
      if (typeof value !== 'number' || value < 0) fail(`${field} must be a number >= 0`);
      return value as number;
    };
    const pathInto = (value: Json | undefined, key: string, field: string) => {
      if (value === undefined) return;
      if (typeof value !== 'string') fail(`${field} must be a path`);
      local[`${key}.$`] = value;
    };

    let reader: DistributedMapSpec['reader'];
    const itemReader = state.ItemReader;
    if (itemReader !== undefined) {
      if (!isObject(itemReader)) return fail('ItemReader must be an object');
      if (itemReader.Resource !== S3_GET_OBJECT) {
        fail(
          `ItemReader Resource ${JSON.stringify(itemReader.Resource)} is not supported locally (only ${S3_GET_OBJECT})`,
        );
      }
      const config = isObject(itemReader.ReaderConfig) ? itemReader.ReaderConfig : {};
      const inputType = config.InputType ?? 'JSON';
      if (inputType !== 'JSON' && inputType !== 'JSONL') {
        fail(
          `ItemReader ReaderConfig.InputType ${JSON.stringify(inputType)} is not supported locally (JSON, JSONL)`,
        );
      }
      if (!isObject(itemReader.Parameters)) fail('ItemReader needs Parameters with Bucket and Key');
      local.reader = itemReader.Parameters as JsonObject;
      pathInto(config.MaxItemsPath, 'maxItems', 'ReaderConfig.MaxItemsPath');
      reader = {
        inputType: inputType as 'JSON' | 'JSONL',
        maxItems: number(config.MaxItems, 'ReaderConfig.MaxItems'),
      };
    } else {
      local['items.$'] = typeof state.ItemsPath === 'string' ? state.ItemsPath : '$';
    }

    let batcher: DistributedMapSpec['batcher'];
    const itemBatcher = state.ItemBatcher;
    if (itemBatcher !== undefined) {
      if (!isObject(itemBatcher)) return fail('ItemBatcher must be an object');
      if (
        itemBatcher.MaxInputBytesPerBatch !== undefined ||
        itemBatcher.MaxInputBytesPerBatchPath !== undefined
      ) {
        fail('ItemBatcher MaxInputBytesPerBatch(Path) is not supported locally');
      }
      pathInto(itemBatcher.MaxItemsPerBatchPath, 'maxItemsPerBatch', 'ItemBatcher.MaxItemsPerBatchPath');
      if (itemBatcher.BatchInput !== undefined) local.batchInput = itemBatcher.BatchInput;
      batcher = { maxItemsPerBatch: number(itemBatcher.MaxItemsPerBatch, 'ItemBatcher.MaxItemsPerBatch') };
    }

    const resultWriter = state.ResultWriter;
    if (resultWriter !== undefined) {
      if (!isObject(resultWriter)) return fail('ResultWriter must be an object');
      if (resultWriter.Resource !== S3_PUT_OBJECT) {
        fail(
          `ResultWriter Resource ${JSON.stringify(resultWriter.Resource)} is not supported locally (only ${S3_PUT_OBJECT})`,
        );
      }
      if (resultWriter.WriterConfig !== undefined) fail('ResultWriter WriterConfig is not supported locally');
      if (!isObject(resultWriter.Parameters)) fail('ResultWriter needs Parameters with Bucket (and Prefix)');
      local.writer = resultWriter.Parameters as JsonObject;
    }
    pathInto(state.MaxConcurrencyPath, 'maxConcurrency', 'MaxConcurrencyPath');
    pathInto(
      state.ToleratedFailurePercentagePath,
      'toleratedFailurePercentage',
      'ToleratedFailurePercentagePath',
    );
    pathInto(state.ToleratedFailureCountPath, 'toleratedFailureCount', 'ToleratedFailureCountPath');

    const selector = state.ItemSelector ?? state.Parameters;
    if (selector !== undefined && !isObject(selector)) fail('ItemSelector must be an object');
    const spec: DistributedMapSpec = {
      label: typeof state.Label === 'string' ? state.Label : name,
      processor: rewrittenProcessor,
      itemSelector: selector as JsonObject | undefined,
      reader,
      batcher,
      writer: resultWriter !== undefined,
      maxConcurrency: number(state.MaxConcurrency, 'MaxConcurrency'),
      toleratedFailurePercentage: number(state.ToleratedFailurePercentage, 'ToleratedFailurePercentage'),
      toleratedFailureCount: number(state.ToleratedFailureCount, 'ToleratedFailureCount'),
    };

    const task: JsonObject = { Type: 'Task' };
    if (state.Comment !== undefined) task.Comment = state.Comment;
    task.Resource = DISTRIBUTED_MAP_RESOURCE;
    for (const key of [
      'InputPath',
      'ResultSelector',
      'ResultPath',
      'OutputPath',
      'Retry',
      'Catch',
    ] as const) {
      if (state[key] !== undefined) task[key] = state[key];
    }
    task.Parameters = { [LOCAL_KEY]: local };
    task.TimeoutSeconds = INTERPRETER_TASK_TIMEOUT_SECONDS;
    if (state.Next !== undefined) task.Next = state.Next;
    if (state.End !== undefined) task.End = state.End;
    this.plans.set(name, {
      kind: 'distributed-map',
      stateName: name,
      resource: DISTRIBUTED_MAP_RESOURCE,
      spec,
    });
    return task;
  }

  private wait(name: string, state: JsonObject): JsonObject {
    const parameters: JsonObject = {};
    if (state.Seconds !== undefined) parameters.Seconds = state.Seconds;
    else if (state.SecondsPath !== undefined) parameters['Seconds.$'] = state.SecondsPath;
    else if (state.Timestamp !== undefined) parameters.Timestamp = state.Timestamp;
    else if (state.TimestampPath !== undefined) parameters['Timestamp.$'] = state.TimestampPath;
    else throw new Error(`${this.where}: Wait state ${name} has no Seconds/Timestamp(Path)`);

    const returnsInput = state.InputPath !== undefined;
    if (returnsInput) parameters[`${LOCAL_KEY}.$`] = '$';
    const task: JsonObject = { Type: 'Task' };
    if (state.Comment !== undefined) task.Comment = state.Comment;
    task.Resource = TIMER_RESOURCE;
    if (state.InputPath !== undefined) task.InputPath = state.InputPath;
    task.Parameters = parameters;
    if (!returnsInput) task.ResultPath = null;
    if (state.OutputPath !== undefined) task.OutputPath = state.OutputPath;
    task.TimeoutSeconds = INTERPRETER_TASK_TIMEOUT_SECONDS;
    if (state.Next !== undefined) task.Next = state.Next;
    if (state.End !== undefined) task.End = state.End;
    this.plans.set(name, { kind: 'timer', stateName: name, returnsInput });
    return task;
  }

  private task(name: string, state: JsonObject): JsonObject {
    const resource = String(state.Resource);
    const callback = resource.endsWith(WAIT_FOR_TASK_TOKEN);
    const base = callback ? resource.slice(0, -WAIT_FOR_TASK_TOKEN.length) : resource;
    const parameters = state.Parameters;

    let mode: 'direct' | 'lambda-invoke';
    let handlerName: string | undefined;
    if (this.handlers.has(resource)) {
      // A handler registered under the full resource (e.g. a service integration) wins.
      mode = 'direct';
      handlerName = resource;
    } else if (base === LAMBDA_INVOKE) {
      mode = 'lambda-invoke';
      if (!isObject(parameters)) {
        throw new Error(`${this.where}: Task ${name} (${resource}) needs Parameters with FunctionName`);
      }
      if (typeof parameters.FunctionName === 'string') {
        handlerName = resolveFunctionName(parameters.FunctionName, this.handlers);
        if (!handlerName) {
          throw new Error(
            `${this.where}: Task ${name} invokes FunctionName ${parameters.FunctionName}, which has no local handler (known: ${[...this.handlers].join(', ')})`,
          );
        }
      } else if (typeof parameters['FunctionName.$'] !== 'string') {
        throw new Error(`${this.where}: Task ${name} (${resource}) has no FunctionName`);
      }
    } else {
      mode = 'direct';
      handlerName = resolveFunctionName(base, this.handlers);
      if (!handlerName) {
        throw new Error(
          `${this.where}: Task ${name} has Resource ${resource}, which is neither a local handler nor a supported integration (known handlers: ${[...this.handlers].join(', ')})`,
        );
      }
    }
    if (callback && !mentionsTaskToken(parameters)) {
      throw new Error(`${this.where}: Task ${name} (${resource}) must pass $$.Task.Token in its Parameters`);
    }

    const out: JsonObject = { ...state };
    const local: JsonObject = {};
    delete out.TimeoutSeconds;
    delete out.TimeoutSecondsPath;
    delete out.HeartbeatSeconds;
    delete out.HeartbeatSecondsPath;
    const timeoutSeconds = state.TimeoutSeconds;
    if (typeof state.TimeoutSecondsPath === 'string') {
      local['timeoutSeconds.$'] = state.TimeoutSecondsPath;
    } else if (typeof timeoutSeconds === 'number') {
      if (!callback && timeoutSeconds <= INTERPRETER_TASK_TIMEOUT_SECONDS)
        out.TimeoutSeconds = timeoutSeconds;
      else local.timeoutSeconds = timeoutSeconds;
    }
    if (callback) {
      // Heartbeats only exist for callback tasks (SendTaskHeartbeat); elsewhere they are ignored.
      if (typeof state.HeartbeatSecondsPath === 'string')
        local['heartbeatSeconds.$'] = state.HeartbeatSecondsPath;
      else if (typeof state.HeartbeatSeconds === 'number') local.heartbeatSeconds = state.HeartbeatSeconds;
    }
    out.TimeoutSeconds ??= INTERPRETER_TASK_TIMEOUT_SECONDS;

    let shape: ParametersShape = 'as-is';
    if (Object.keys(local).length > 0) {
      if (parameters === undefined) {
        shape = 'input';
        out.Parameters = { [LOCAL_KEY]: { ...local, 'input.$': '$' } };
      } else if (isObject(parameters)) {
        if (LOCAL_KEY in parameters || `${LOCAL_KEY}.$` in parameters) {
          throw new Error(`${this.where}: Task ${name} uses the reserved Parameters key ${LOCAL_KEY}`);
        }
        shape = 'object';
        out.Parameters = { ...parameters, [LOCAL_KEY]: local };
      } else {
        shape = 'value';
        out.Parameters = { [LOCAL_KEY]: { ...local, parameters } };
      }
    }
    this.plans.set(name, { kind: 'invoke', stateName: name, mode, callback, resource, handlerName, shape });
    return out;
  }
}

/**
 * Rewrites `definition` for the local interpreter. Throws (at load time, naming the state) for a Task whose
 * resource has no local handler, a callback task without `$$.Task.Token`, or duplicate state names.
 */
export function rewriteDefinition(
  definition: StateMachineDefinition,
  handlerNames: Iterable<string>,
  where = 'state machine',
): RewriteResult {
  const rewriter = new Rewriter(new Set(handlerNames), where);
  const source = rewriteStartTime(definition as unknown as Json) as JsonObject;
  const rewritten = rewriter.machine(source, '');
  const executionTimeoutSeconds =
    typeof rewritten.TimeoutSeconds === 'number' ? rewritten.TimeoutSeconds : undefined;
  delete rewritten.TimeoutSeconds;
  return {
    definition: rewritten as unknown as StateMachineDefinition,
    plans: rewriter.plans,
    stateTypes: rewriter.stateTypes,
    executionTimeoutSeconds,
  };
}
