/**
 * Distributed Map, which aws-local-stepfunctions does not run: ./asl-rewrite.ts turns such a Map into a
 * Task whose handler is `runDistributedMap`. Like AWS, it
 *
 * 1. reads the items: an S3 object (ItemReader `s3:getObject`, JSON array or JSON Lines, `MaxItems`) or
 *    the array at `ItemsPath`;
 * 2. applies `ItemSelector` to each (with `$$.Map.Item.Index`/`Value`; evaluated by a one-Pass-state
 *    machine, so paths and intrinsic functions behave exactly as in the interpreter);
 * 3. groups them (`ItemBatcher`: `{ "BatchInput": ..., "Items": [...] }` per child, `MaxItemsPerBatch`);
 * 4. runs each item or batch as a CHILD EXECUTION of the ItemProcessor's states (one StateMachine per Map
 *    state, built at load time), at most `MaxConcurrency` at once, with the execution's own handlers, on
 *    the same virtual clock; Retry/Catch inside a child work as usual;
 * 5. fails with `States.ExceedToleratedFailureThreshold` once more items failed than
 *    `ToleratedFailurePercentage`/`ToleratedFailureCount` allow (none set: any failure), stopping the
 *    children still running;
 * 6. writes `<Prefix>/<mapRunId>/manifest.json`, `SUCCEEDED_0.json`, `FAILED_0.json` (ResultWriter
 *    `s3:putObject`) and returns `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`, or without a
 *    ResultWriter returns the children's outputs in item order.
 *
 * The map run id is derived from the execution, the state and how many times the state ran in this
 * execution, so a re-driven execution (after a restart) overwrites the same result files.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './arns.ts';
import type { DistributedMapSpec, Json, JsonObject } from './asl-rewrite.ts';
import { LOCAL_KEY } from './asl-rewrite.ts';
import { abandonedError, runtimeError, taskError } from './errors.ts';
import { ExecutionAbortedError, type StateMachine } from './interpreter.ts';

/** What a Distributed Map needs besides its spec: its machines, built once per Map state at load time. */
export interface DistributedMapProgram {
  stateName: string;
  spec: DistributedMapSpec;
  processor: StateMachine;
  selector: StateMachine | undefined;
}

export interface ChildRun {
  result: Promise<Json>;
  abort(): void;
}

export interface DistributedMapEnv {
  s3: S3Client | undefined;
  /** The parent's context object (`$$`). */
  context: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  /** Starts one child execution of the processor with its own handlers and abort signal. */
  startChild(input: Json, context: Record<string, unknown>): ChildRun;
  /** Marks S3 calls and ItemSelector runs as runnable work (`idle()` waits for them). */
  track<T>(work: Promise<T>): Promise<T>;
  /** Virtual now (dates of the child executions). */
  now(): Date;
  /** Which run of this state in this execution (0, 1, ...): part of the deterministic map run id. */
  runNumber: number;
}

interface ChildResult {
  index: number;
  name: string;
  executionArn: string;
  input: Json;
  itemCount: number;
  startDate: string;
  stopDate: string;
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: Json;
  error?: string;
  cause?: string;
}

function asObject(value: Json | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function numberParameter(value: Json | undefined, fallback: number | undefined, what: string) {
  const chosen = value ?? fallback;
  if (chosen === undefined) return undefined;
  if (typeof chosen !== 'number' || !Number.isFinite(chosen) || chosen < 0) {
    throw runtimeError(`${what} must be a number >= 0, got ${JSON.stringify(chosen)}`);
  }
  return chosen;
}

function stringParameter(parameters: JsonObject, key: string, what: string): string {
  const value = parameters[key];
  if (typeof value !== 'string' || value === '') {
    throw runtimeError(`${what}: ${key} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function mapRunId(executionArn: string, stateName: string, runNumber: number): string {
  const hex = createHash('sha256').update(`${executionArn}\0${stateName}\0${runNumber}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function requireS3(s3: S3Client | undefined, stateName: string): S3Client {
  if (!s3) {
    throw runtimeError(
      `Distributed Map ${stateName} reads or writes S3, but the local runtime has no S3 (createLocalStepFunctions({ s3 }))`,
    );
  }
  return s3;
}

async function readItems(program: DistributedMapProgram, env: DistributedMapEnv, local: JsonObject) {
  const { spec, stateName } = program;
  if (!spec.reader) {
    const items = local.items;
    if (!Array.isArray(items)) {
      throw runtimeError(`Distributed Map ${stateName}: ItemsPath does not select an array`);
    }
    return items;
  }
  const s3 = requireS3(env.s3, stateName);
  const parameters = asObject(local.reader);
  const bucket = stringParameter(parameters, 'Bucket', `Distributed Map ${stateName} ItemReader`);
  const key = stringParameter(parameters, 'Key', `Distributed Map ${stateName} ItemReader`);
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await object.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    throw taskError(
      'States.ItemReaderFailed',
      `Distributed Map ${stateName}: cannot read s3://${bucket}/${key}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  let items: Json[];
  try {
    if (spec.reader.inputType === 'JSONL') {
      items = text
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Json);
    } else {
      const parsed = JSON.parse(text) as Json;
      if (!Array.isArray(parsed)) throw new Error('the object is not a JSON array');
      items = parsed;
    }
  } catch (error) {
    throw taskError(
      'States.ItemReaderFailed',
      `Distributed Map ${stateName}: s3://${bucket}/${key} is not ${spec.reader.inputType}: ${(error as Error).message}`,
    );
  }
  const maxItems = numberParameter(local.maxItems, spec.reader.maxItems, `${stateName} MaxItems`);
  return maxItems !== undefined && maxItems > 0 ? items.slice(0, maxItems) : items;
}

async function selectItems(
  program: DistributedMapProgram,
  env: DistributedMapEnv,
  input: Json,
  items: Json[],
): Promise<Json[]> {
  const { selector } = program;
  if (!selector) return items;
  const selected: Json[] = [];
  for (const [index, value] of items.entries()) {
    const context = { ...env.context, Map: { Item: { Index: index, Value: value } } };
    selected.push((await selector.run(input, { context }).result) as Json);
  }
  return selected;
}

/** The children's inputs: one per item, or `{ BatchInput?, Items }` per batch. */
function childInputs(program: DistributedMapProgram, local: JsonObject, items: Json[]) {
  const { batcher } = program.spec;
  if (!batcher) return items.map((item) => ({ input: item, itemCount: 1 }));
  const size = numberParameter(local.maxItemsPerBatch, batcher.maxItemsPerBatch, 'MaxItemsPerBatch');
  const perBatch = size !== undefined && size >= 1 ? Math.floor(size) : items.length || 1;
  const batches: { input: Json; itemCount: number }[] = [];
  for (let start = 0; start < items.length; start += perBatch) {
    const batch = items.slice(start, start + perBatch);
    const input: JsonObject = {};
    if (local.batchInput !== undefined) input.BatchInput = local.batchInput;
    input.Items = batch;
    batches.push({ input, itemCount: batch.length });
  }
  return batches;
}

function failureOf(error: unknown): { error: string; cause: string } {
  const cause = (error as Error).cause;
  const failure = cause instanceof Error ? cause : (error as Error);
  return { error: failure.name || 'Error', cause: failure.message };
}

export async function runDistributedMap(
  program: DistributedMapProgram,
  raw: Json,
  env: DistributedMapEnv,
): Promise<Json> {
  const { spec, stateName } = program;
  const local = asObject(asObject(raw)[LOCAL_KEY]);
  const input = local.input ?? null;
  if (spec.writer) requireS3(env.s3, stateName);

  const items = await env.track(
    readItems(program, env, local).then((read) => selectItems(program, env, input, read)),
  );
  const children = childInputs(program, local, items);
  const totalItems = items.length;

  const execution = asObject(env.context.Execution as Json);
  const parentArn = String(execution.Id ?? '');
  const stateMachineName = String(asObject(env.context.StateMachine as Json).Name ?? 'local');
  const runId = mapRunId(parentArn, stateName, env.runNumber);
  const mapRunArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:mapRun:${stateMachineName}/${spec.label}:${runId}`;
  const childMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName}/${spec.label}`;

  const concurrency = numberParameter(local.maxConcurrency, spec.maxConcurrency, 'MaxConcurrency');
  const limit = concurrency && concurrency >= 1 ? Math.floor(concurrency) : children.length;
  const percentage = numberParameter(
    local.toleratedFailurePercentage,
    spec.toleratedFailurePercentage,
    'ToleratedFailurePercentage',
  );
  const count = numberParameter(
    local.toleratedFailureCount,
    spec.toleratedFailureCount,
    'ToleratedFailureCount',
  );
  const exceeds = (failedItems: number) =>
    (percentage === undefined && count === undefined && failedItems > 0) ||
    (count !== undefined && failedItems > count) ||
    (percentage !== undefined && totalItems > 0 && (failedItems * 100) / totalItems > percentage);

  const results: ChildResult[] = [];
  const running = new Map<number, ChildRun>();
  let next = 0;
  let failedItems = 0;
  let exceeded = false;
  const stopAll = () => {
    for (const run of running.values()) run.abort();
  };
  env.signal.addEventListener('abort', stopAll, { once: true });

  const runChild = async (index: number) => {
    const child = children[index]!;
    const name = `${runId}-${index}`;
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${stateMachineName}/${spec.label}:${name}`;
    const now = () => env.now().toISOString();
    const started = now();
    const context = {
      ...env.context,
      Execution: { ...execution, Id: executionArn, Name: name, StartTime: started, LocalStartTime: started },
      StateMachine: { Id: childMachineArn, Name: `${stateMachineName}/${spec.label}` },
    };
    const run = env.startChild(child.input, context);
    running.set(index, run);
    const base = {
      index,
      name,
      executionArn,
      input: child.input,
      itemCount: child.itemCount,
      startDate: started,
    };
    try {
      const output = await run.result;
      results.push({ ...base, stopDate: now(), status: 'SUCCEEDED', output });
    } catch (error) {
      if (error instanceof ExecutionAbortedError || exceeded || env.signal.aborted) {
        results.push({ ...base, stopDate: now(), status: 'ABORTED' });
        return;
      }
      const failure = failureOf(error);
      results.push({ ...base, stopDate: now(), status: 'FAILED', ...failure });
      failedItems += child.itemCount;
      if (!exceeded && exceeds(failedItems)) {
        exceeded = true;
        stopAll();
      }
    } finally {
      running.delete(index);
    }
  };

  // A worker pool of `limit` loops (a dependency for ten lines would not pay): each takes the next child.
  const worker = async () => {
    while (!exceeded && !env.signal.aborted && next < children.length) await runChild(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, children.length) }, worker));
  } finally {
    env.signal.removeEventListener('abort', stopAll);
  }
  if (env.signal.aborted) throw abandonedError();
  results.sort((a, b) => a.index - b.index);

  const output = spec.writer
    ? await env.track(writeResults(program, env, local, runId, mapRunArn, childMachineArn, results))
    : results
        .filter((result) => result.status !== 'ABORTED')
        .map((result) =>
          result.status === 'SUCCEEDED'
            ? (result.output ?? null)
            : { Error: result.error!, Cause: result.cause! },
        );
  if (exceeded) {
    throw taskError(
      'States.ExceedToleratedFailureThreshold',
      `The specified tolerated failure threshold was exceeded: ${failedItems} of ${totalItems} items failed (Distributed Map ${stateName}, map run ${mapRunArn})`,
    );
  }
  return output;
}

function executionEntry(result: ChildResult, stateMachineArn: string): JsonObject {
  const entry: JsonObject = {
    ExecutionArn: result.executionArn,
    Input: JSON.stringify(result.input),
    InputDetails: { Included: true },
    Name: result.name,
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: result.startDate,
    StateMachineArn: stateMachineArn,
    Status: result.status,
    StopDate: result.stopDate,
  };
  if (result.status === 'SUCCEEDED') {
    entry.Output = JSON.stringify(result.output ?? null);
    entry.OutputDetails = { Included: true };
  } else {
    entry.Error = result.error ?? null;
    entry.Cause = result.cause ?? null;
  }
  return entry;
}

async function writeResults(
  program: DistributedMapProgram,
  env: DistributedMapEnv,
  local: JsonObject,
  runId: string,
  mapRunArn: string,
  childMachineArn: string,
  results: ChildResult[],
): Promise<Json> {
  const s3 = requireS3(env.s3, program.stateName);
  const parameters = asObject(local.writer);
  const bucket = stringParameter(parameters, 'Bucket', `Distributed Map ${program.stateName} ResultWriter`);
  const prefix = typeof parameters.Prefix === 'string' ? parameters.Prefix.replace(/\/+$/, '') : '';
  const folder = prefix ? `${prefix}/${runId}` : runId;
  const put = async (key: string, body: string) => {
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
    } catch (error) {
      throw taskError(
        'States.ResultWriterFailed',
        `Distributed Map ${program.stateName}: cannot write s3://${bucket}/${key}: ${(error as Error).name}: ${(error as Error).message}`,
      );
    }
  };
  // As AWS: one file per status that has results; aborted children are not listed.
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', JsonObject[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const entries = results.filter((result) => result.status === status);
    if (entries.length === 0) continue;
    const key = `${folder}/${status}_0.json`;
    const body = JSON.stringify(entries.map((result) => executionEntry(result, childMachineArn)));
    await put(key, body);
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${folder}/manifest.json`;
  await put(
    manifestKey,
    JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files }),
  );
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
}
