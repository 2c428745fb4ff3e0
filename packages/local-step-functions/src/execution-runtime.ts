/**
 * Executions: starting (idempotent by name, as AWS STANDARD), running on the interpreter, persisting
 * start and outcome in DynamoDB, stopping, re-driving after a restart, and `idle()`.
 *
 * What survives a restart: each execution's record (name, input, status, output/error, dates) and — via
 * the clock's file — virtual time. What does not: progress inside an execution (a re-drive starts again
 * from the first state with the same name and input; task handlers are idempotent), task tokens (old ones
 * answer TaskDoesNotExist), relative waits (a `Seconds` Wait or a callback timeout starts over when its
 * state is reached again; `Timestamp` waits are absolute and unaffected) and history events.
 */
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  executionArn as buildExecutionArn,
  isValidName,
  parseExecutionArn,
  parseStateMachineArn,
} from './arns.ts';
import type { Json } from './asl-rewrite.ts';
import type { CallbackRegistry } from './callback-registry.ts';
import { abandonedError, apiErrors } from './errors.ts';
import { ExecutionHistory, type HistoryEvent, type InterpreterEvent } from './execution-history.ts';
import type {
  ExecutionOutcome,
  ExecutionRecord,
  ExecutionStatus,
  ExecutionStore,
} from './execution-store.ts';
import { ExecutionAbortedError } from './interpreter.ts';
import type { LocalStateMachine } from './local-state-machine.ts';
import { createTaskHandlers, type ExecutionScope } from './task-handlers.ts';
import type { VirtualClock } from './virtual-clock.ts';

export interface ExecutionRuntimeOptions {
  clock: VirtualClock;
  store: ExecutionStore;
  registry: CallbackRegistry;
  machines: readonly LocalStateMachine[];
  newTimeoutError: (message?: string) => Error;
  /** The S3 client Distributed Maps read items from and write results to. */
  s3?: S3Client | undefined;
  /** Retry intervals are real time (a few seconds); true makes every retry immediate. */
  instantRetries?: boolean;
  /** Histories of finished executions kept in memory (oldest dropped first). */
  historyLimit?: number;
  /** Errors with no caller to go to (an outcome write failing); default: console.error. */
  onError?: (error: unknown) => void;
}

type StopReason =
  | { kind: 'abort'; error?: string; cause?: string }
  | { kind: 'abandon' }
  | { kind: 'timeout' };

interface LiveExecution {
  record: ExecutionRecord;
  machine: LocalStateMachine;
  controller: AbortController;
  abort: () => void;
  history: ExecutionHistory;
  /** StateFailed events not yet followed by a retry, catch or failure: a retry may be sleeping. */
  unresolvedFailures: number;
  stop?: StopReason;
  /** Set once its outcome is decided (even while the outcome is being written). */
  settled: boolean;
}

const MAX_LIST_RESULTS = 1000;
const STOP_GRACE_MS = 5_000;

function epochSeconds(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso) / 1000;
}

export class ExecutionRuntime {
  private readonly machinesByArn = new Map<string, LocalStateMachine>();
  private readonly live = new Map<string, LiveExecution>();
  /** Histories by execution ARN: live ones plus the most recently finished. */
  private readonly histories = new Map<string, ExecutionHistory>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private activity = 0;
  private activityWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: ExecutionRuntimeOptions) {
    for (const machine of options.machines) this.machinesByArn.set(machine.arn, machine);
  }

  machine(arn: string): LocalStateMachine {
    const machine = this.machinesByArn.get(arn);
    if (!machine) {
      if (!parseStateMachineArn(arn)) throw apiErrors.invalidArn(`Invalid Arn: '${arn}'`);
      throw apiErrors.stateMachineDoesNotExist(arn);
    }
    return machine;
  }

  get machines(): LocalStateMachine[] {
    return [...this.machinesByArn.values()];
  }

  async startExecution(request: { stateMachineArn?: string; name?: string; input?: string }) {
    this.assertRunning();
    if (typeof request.stateMachineArn !== 'string')
      throw apiErrors.validation('stateMachineArn is required');
    const machine = this.machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (typeof name !== 'string' || !isValidName(name))
      throw apiErrors.invalidName(`Invalid Name: '${name}'`);
    const input = request.input ?? '{}';
    if (typeof input !== 'string') throw apiErrors.validation('input must be a string');
    try {
      JSON.parse(input);
    } catch (error) {
      throw apiErrors.invalidExecutionInput(
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }
    const record: ExecutionRecord = {
      executionArn: buildExecutionArn(machine.name, name),
      stateMachineArn: machine.arn,
      name,
      input,
      status: 'RUNNING',
      startDate: this.options.clock.now().toISOString(),
    };
    const stored = await this.track(this.options.store.create(record));
    if (!stored.created) {
      // AWS STANDARD: the same name and input as a RUNNING execution is that execution; anything else is taken.
      const existing = stored.existing;
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: existing.executionArn, startDate: epochSeconds(existing.startDate)! };
      }
      throw apiErrors.executionAlreadyExists(record.executionArn);
    }
    this.assertRunning();
    this.launch(record, machine);
    return { executionArn: record.executionArn, startDate: epochSeconds(record.startDate)! };
  }

  async describeExecution(executionArn: string) {
    const record = await this.record(executionArn);
    return {
      ...executionSummary(record),
      input: record.input,
      inputDetails: { included: true },
      ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
    };
  }

  async getExecutionHistory(
    executionArn: string,
    options: {
      maxResults?: number;
      nextToken?: string;
      reverseOrder?: boolean;
      includeExecutionData?: boolean;
    },
  ) {
    let history = this.histories.get(executionArn);
    if (!history) history = ExecutionHistory.fromRecord(await this.record(executionArn));
    let events: HistoryEvent[] = [...history.events];
    if (options.reverseOrder) events.reverse();
    if (options.includeExecutionData === false) events = events.map(withoutExecutionData);
    return paginate(events, options.maxResults, options.nextToken, 'events');
  }

  async listExecutions(request: {
    stateMachineArn?: string;
    statusFilter?: ExecutionStatus;
    maxResults?: number;
    nextToken?: string;
  }) {
    if (typeof request.stateMachineArn !== 'string')
      throw apiErrors.validation('stateMachineArn is required');
    const machine = this.machine(request.stateMachineArn);
    const records = await this.track(
      this.options.store.list({
        stateMachineArn: machine.arn,
        ...(request.statusFilter ? { status: request.statusFilter } : {}),
      }),
    );
    records.sort((a, b) => b.startDate.localeCompare(a.startDate) || a.name.localeCompare(b.name));
    const executions = records.map(executionSummary);
    return paginate(executions, request.maxResults, request.nextToken, 'executions');
  }

  /** StopExecution: ABORTED, with every pending callback and timer of the execution rejected. */
  async stopExecution(executionArn: string, error?: string, cause?: string) {
    const stopDate = this.options.clock.now().toISOString();
    const live = this.live.get(executionArn);
    if (live && !live.settled) {
      live.stop = {
        kind: 'abort',
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      };
      this.halt(live);
      await this.settle(live, { status: 'ABORTED', stopDate, error, cause });
      return { stopDate: epochSeconds(stopDate)! };
    }
    const record = await this.record(executionArn);
    if (record.status === 'RUNNING') {
      // Stored as RUNNING but not running here (not resumed yet).
      await this.track(
        this.options.store.finish(executionArn, { status: 'ABORTED', stopDate, error, cause }),
      );
      return { stopDate: epochSeconds(stopDate)! };
    }
    return { stopDate: epochSeconds(record.stopDate ?? stopDate)! };
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    let parsed: Json;
    try {
      parsed = JSON.parse(output) as Json;
    } catch (error) {
      throw apiErrors.invalidOutput(`Invalid Output: '${(error as Error).message}'`);
    }
    this.options.registry.succeed(taskToken, parsed);
    this.bump();
  }

  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    this.options.registry.fail(taskToken, error ?? 'States.TaskFailed', cause ?? '');
    this.bump();
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.options.registry.heartbeat(taskToken);
  }

  /** Re-drives every RUNNING execution of a known state machine that is not running here yet. */
  async resumeExecutions(): Promise<number> {
    this.assertRunning();
    const records = await this.track(this.options.store.list({ status: 'RUNNING' }));
    let resumed = 0;
    for (const record of records) {
      const machine = this.machinesByArn.get(record.stateMachineArn);
      if (!machine || this.live.has(record.executionArn)) continue;
      this.launch(record, machine);
      resumed++;
    }
    return resumed;
  }

  /**
   * Resolves when nothing is runnable: no handler call or write in flight, no retry sleeping, and no state
   * transition pending — every running execution is parked on a callback or a future virtual timer.
   */
  async idle(): Promise<void> {
    for (;;) {
      this.options.clock.runDueTimers();
      if (this.inFlight.size > 0) {
        await Promise.allSettled([...this.inFlight]);
        continue;
      }
      const mark = this.activity;
      // Interpreter transitions are promise chains: they all run before a macrotask.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.inFlight.size > 0 || this.activity !== mark) continue;
      if (this.sleepingRetries() > 0) {
        await new Promise<void>((resolve) => this.activityWaiters.push(resolve));
        continue;
      }
      return;
    }
  }

  /** Abandons every running execution WITHOUT recording an outcome (a restart re-drives them). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const live of this.live.values()) {
      if (live.settled) continue;
      live.stop = { kind: 'abandon' };
      this.halt(live);
    }
    this.options.registry.abandonAll(abandonedError());
    // Handler calls cannot be cancelled: give them (and outcome writes) a moment to finish.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
  }

  runningCount(): number {
    return this.live.size;
  }

  private launch(record: ExecutionRecord, machine: LocalStateMachine): void {
    const { clock, registry } = this.options;
    const controller = new AbortController();
    const history = new ExecutionHistory(machine.stateTypes, machine.resources);
    const live: LiveExecution = {
      record,
      machine,
      controller,
      abort: () => undefined,
      history,
      unresolvedFailures: 0,
      settled: false,
    };
    this.live.set(record.executionArn, live);
    this.keepHistory(record.executionArn, history);

    const context = {
      Execution: {
        Id: record.executionArn,
        Name: record.name,
        RoleArn: 'arn:aws:iam::000000000000:role/local-step-functions',
        StartTime: record.startDate,
        LocalStartTime: record.startDate,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      // The interpreter shallow-copies the context: this getter runs on every $$.Task.Token read.
      Task: {
        get Token() {
          return registry.issue(record.executionArn);
        },
      },
    };
    const scope: ExecutionScope = {
      executionArn: record.executionArn,
      signal: controller.signal,
      track: (work, kind) => (kind === 'running' ? this.track(work) : this.park(work)),
      context,
      // A Distributed Map's child: its failures count like the execution's own (a retry may be sleeping).
      observe: (events) => void this.consumeEvents(live, events as AsyncGenerator<InterpreterEvent>, false),
    };
    const retryIntervalOverrides = this.options.instantRetries ? machine.instantRetryOverrides : undefined;
    const handlers = createTaskHandlers(
      machine.plans,
      {
        handlers: machine.handlers,
        clock,
        registry,
        newTimeoutError: this.options.newTimeoutError,
        distributedMaps: machine.distributedMaps,
        s3: this.options.s3,
        retryIntervalOverrides: retryIntervalOverrides ? { ...retryIntervalOverrides } : undefined,
      },
      scope,
    );
    const run = machine.run(JSON.parse(record.input) as Json, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...(this.options.instantRetries ? { retryIntervalOverrides: machine.instantRetryOverrides } : {}),
      },
      context,
    });
    live.abort = run.abort;
    this.bump();

    void this.consumeEvents(live, run.eventLogs as AsyncGenerator<InterpreterEvent>);
    // Not tracked as runnable work (a parked execution's result is pending for days); the outcome write is.
    run.result
      .then(
        (output) =>
          this.settle(live, {
            status: 'SUCCEEDED',
            stopDate: clock.now().toISOString(),
            output: JSON.stringify(output),
          }),
        (error: unknown) => this.onRunError(live, error),
      )
      .catch((error: unknown) => this.report(error));

    if (machine.executionTimeoutSeconds !== undefined) {
      const deadline = new Date(Date.parse(record.startDate) + machine.executionTimeoutSeconds * 1000);
      clock.sleepUntil(deadline, controller.signal).then(
        () => {
          if (live.settled || live.stop) return;
          live.stop = { kind: 'timeout' };
          this.halt(live);
          this.track(
            this.settle(live, {
              status: 'TIMED_OUT',
              stopDate: clock.now().toISOString(),
              error: 'States.Timeout',
              cause: 'The execution timed out',
            }),
          );
        },
        () => undefined,
      );
    }
  }

  private async onRunError(live: LiveExecution, error: unknown): Promise<void> {
    if (live.stop || error instanceof ExecutionAbortedError) return; // Decided by whoever stopped it.
    const cause = (error as Error).cause;
    const failure = cause instanceof Error ? cause : (error as Error);
    await this.settle(live, {
      status: 'FAILED',
      stopDate: this.options.clock.now().toISOString(),
      error: failure.name,
      cause: failure.message,
    });
  }

  /** Stops the interpreter and releases every pending wait of the execution (no outcome written). */
  private halt(live: LiveExecution): void {
    live.abort();
    live.controller.abort(abandonedError());
    this.options.registry.abandon(live.record.executionArn, abandonedError());
    this.bump();
  }

  private async settle(live: LiveExecution, outcome: ExecutionOutcome): Promise<void> {
    if (live.settled || live.stop?.kind === 'abandon') return;
    live.settled = true;
    const at = new Date(outcome.stopDate);
    if (outcome.status === 'ABORTED') live.history.addAborted(at, outcome.error, outcome.cause);
    if (outcome.status === 'TIMED_OUT') live.history.addTimedOut(at);
    if (!live.controller.signal.aborted) live.controller.abort(abandonedError());
    this.options.registry.forgetIssued(live.record.executionArn);
    try {
      const written = await this.track(this.options.store.finish(live.record.executionArn, outcome));
      if (written) live.record = { ...live.record, ...definedOnly(outcome) };
    } finally {
      this.live.delete(live.record.executionArn);
      this.bump();
    }
  }

  /** `recordHistory` false: a child execution's events (counted for retries, not in this history). */
  private async consumeEvents(
    live: LiveExecution,
    events: AsyncGenerator<InterpreterEvent>,
    recordHistory = true,
  ): Promise<void> {
    // This event stream's own unresolved failures (a child's are taken back when the child ends).
    let own = 0;
    for await (const event of events) {
      this.bump();
      switch (event.type) {
        case 'StateFailed':
          live.unresolvedFailures++;
          own++;
          break;
        case 'StateRetried':
        case 'StateCaught':
        case 'MapIterationFailed':
        case 'ParallelBranchFailed':
          if (own > 0) own--;
          live.unresolvedFailures = Math.max(0, live.unresolvedFailures - 1);
          break;
        case 'ExecutionFailed':
        case 'ExecutionSucceeded':
        case 'ExecutionAborted':
          live.unresolvedFailures = recordHistory ? 0 : Math.max(0, live.unresolvedFailures - own);
          own = 0;
          break;
      }
      if (!recordHistory) continue;
      // Aborted/timed-out events are written by stopExecution/settle with their details.
      if (event.type === 'ExecutionAborted' || event.type === 'ExecutionTimeout') continue;
      if (live.stop?.kind === 'abandon') continue;
      live.history.add(event, this.options.clock.now());
    }
  }

  private sleepingRetries(): number {
    let count = 0;
    for (const live of this.live.values()) if (!live.settled) count += live.unresolvedFailures;
    return count;
  }

  private async record(executionArn: string): Promise<ExecutionRecord> {
    if (typeof executionArn !== 'string') throw apiErrors.validation('executionArn is required');
    const live = this.live.get(executionArn);
    if (live) return live.record;
    if (!parseExecutionArn(executionArn)) throw apiErrors.invalidArn(`Invalid Arn: '${executionArn}'`);
    const record = await this.track(this.options.store.get(executionArn));
    if (!record) throw apiErrors.executionDoesNotExist(executionArn);
    return record;
  }

  private keepHistory(executionArn: string, history: ExecutionHistory): void {
    this.histories.delete(executionArn);
    this.histories.set(executionArn, history);
    const limit = this.options.historyLimit ?? 1000;
    if (this.histories.size <= limit + this.live.size) return;
    for (const arn of this.histories.keys()) {
      if (this.histories.size <= limit + this.live.size) break;
      if (!this.live.has(arn)) this.histories.delete(arn);
    }
  }

  /** Runnable work: `idle()` waits for it. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    this.bump();
    const done = () => {
      this.inFlight.delete(work);
      this.bump();
    };
    work.then(done, done);
    return work;
  }

  /** A parked wait (callback, timer): not runnable, but its settling is activity. */
  private park<T>(work: Promise<T>): Promise<T> {
    const done = () => this.bump();
    work.then(done, done);
    return work;
  }

  private bump(): void {
    this.activity++;
    const waiters = this.activityWaiters;
    if (waiters.length === 0) return;
    this.activityWaiters = [];
    for (const wake of waiters) wake();
  }

  /** A failure with nowhere to go (writing an outcome failed): logged, the execution stays RUNNING. */
  private report(error: unknown): void {
    this.options.onError?.(error);
  }

  private assertRunning(): void {
    if (this.stopped) throw new Error('The local Step Functions runtime is stopped');
  }
}

function definedOnly(outcome: ExecutionOutcome): Partial<ExecutionRecord> {
  return Object.fromEntries(Object.entries(outcome).filter(([, value]) => value !== undefined));
}

function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: HistoryEvent = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
    copy[key] = rest;
  }
  return copy;
}

function paginate<T, K extends string>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  key: K,
) {
  const size = maxResults && maxResults > 0 ? Math.min(maxResults, MAX_LIST_RESULTS) : MAX_LIST_RESULTS;
  let start = 0;
  if (nextToken !== undefined) {
    start = Number.parseInt(Buffer.from(nextToken, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(start) || start < 0) throw apiErrors.validation('Invalid nextToken');
  }
  const page = items.slice(start, start + size);
  const next =
    start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  return { [key]: page, ...(next ? { nextToken: next } : {}) } as { [P in K]: T[] } & { nextToken?: string };
}

/** The fields DescribeExecution and ListExecutions share. */
function executionSummary(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    stopDate: epochSeconds(record.stopDate),
  };
}
