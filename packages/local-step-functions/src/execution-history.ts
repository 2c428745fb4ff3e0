/**
 * GetExecutionHistory, best effort: the interpreter's `eventLogs` (Execution*, State*, MapIteration*)
 * mapped to AWS event types (`ExecutionStarted`, `TaskStateEntered`, `WaitStateExited`, `TaskFailed`,
 * `MapIterationStarted`, `ExecutionSucceeded`, ...), timestamped on the virtual clock when received.
 * Retry/Catch bookkeeping events have no AWS counterpart and are left out. A rewritten Wait shows as a Wait.
 *
 * Histories live in memory only: after a restart an execution's history restarts with its re-drive (and a
 * finished execution from before the restart gets a two-event summary built from its stored record).
 */
import type { Json } from './asl-rewrite.ts';
import type { ExecutionRecord } from './execution-store.ts';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  type: string;
  /** Epoch seconds (the JSON protocol's timestamp format). */
  timestamp: number;
  [details: string]: unknown;
}

/** The parts of an interpreter event this module reads (its `EventLog` type is not exported). */
export interface InterpreterEvent {
  type: string;
  state?: { name: string; type: string; input?: Json; output?: Json };
  parentState?: { name: string; type: string };
  index?: number;
  input?: Json;
  output?: Json;
  Error?: string;
  Cause?: unknown;
}

const LOCAL_ROLE_ARN = 'arn:aws:iam::000000000000:role/local-step-functions';

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function lowerFirst(type: string): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}

export class ExecutionHistory {
  private readonly list: HistoryEvent[] = [];

  constructor(
    /** State name → its type in the original definition. */
    private readonly stateTypes: ReadonlyMap<string, string>,
    /** State name → Task resource, for task events. */
    private readonly resources: ReadonlyMap<string, string>,
  ) {}

  get events(): readonly HistoryEvent[] {
    return this.list;
  }

  add(event: InterpreterEvent, at: Date): void {
    const stateName = event.state?.name ?? '';
    const stateType = this.stateTypes.get(stateName) ?? event.state?.type ?? 'Task';
    switch (event.type) {
      case 'ExecutionStarted':
        this.push('ExecutionStarted', at, {
          executionStartedEventDetails: {
            input: text(event.input),
            inputDetails: { truncated: false },
            roleArn: LOCAL_ROLE_ARN,
          },
        });
        return;
      case 'ExecutionSucceeded':
        this.push('ExecutionSucceeded', at, {
          executionSucceededEventDetails: { output: text(event.output), outputDetails: { truncated: false } },
        });
        return;
      case 'ExecutionFailed':
        this.push('ExecutionFailed', at, {
          executionFailedEventDetails: { error: event.Error, cause: text(event.Cause) },
        });
        return;
      case 'StateEntered':
        this.push(`${stateType}StateEntered`, at, {
          stateEnteredEventDetails: { name: stateName, input: text(event.state?.input) },
        });
        return;
      case 'StateExited':
        this.push(`${stateType}StateExited`, at, {
          stateExitedEventDetails: { name: stateName, output: text(event.state?.output) },
        });
        return;
      case 'StateFailed': {
        const details = { error: event.Error, cause: text(event.Cause) };
        if (stateType === 'Task') {
          const timedOut = event.Error === 'States.Timeout' || event.Error === 'States.HeartbeatTimeout';
          const type = timedOut ? 'TaskTimedOut' : 'TaskFailed';
          this.push(type, at, {
            [`${lowerFirst(type)}EventDetails`]: {
              resourceType: 'lambda',
              resource: this.resources.get(stateName) ?? stateName,
              ...details,
            },
          });
        } else if (stateType === 'Map' || stateType === 'Parallel') {
          this.push(`${stateType}StateFailed`, at, {});
        }
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.push(event.type, at, {
          [`${lowerFirst(event.type)}EventDetails`]: { name: event.parentState?.name, index: event.index },
        });
        return;
      default:
        // StateRetried, StateCaught, ParallelBranch*: no AWS counterpart.
        return;
    }
  }

  addAborted(at: Date, error?: string, cause?: string): void {
    this.push('ExecutionAborted', at, { executionAbortedEventDetails: { error, cause } });
  }

  addTimedOut(at: Date): void {
    this.push('ExecutionTimedOut', at, {
      executionTimedOutEventDetails: { error: 'States.Timeout', cause: 'The execution timed out' },
    });
  }

  /** A minimal history for an execution whose events were not kept (it ran before a restart). */
  static fromRecord(record: ExecutionRecord): ExecutionHistory {
    const history = new ExecutionHistory(new Map(), new Map());
    history.push('ExecutionStarted', new Date(record.startDate), {
      executionStartedEventDetails: {
        input: record.input,
        inputDetails: { truncated: false },
        roleArn: LOCAL_ROLE_ARN,
      },
    });
    const stop = record.stopDate ? new Date(record.stopDate) : undefined;
    if (stop && record.status === 'SUCCEEDED') {
      history.push('ExecutionSucceeded', stop, {
        executionSucceededEventDetails: {
          output: record.output ?? 'null',
          outputDetails: { truncated: false },
        },
      });
    } else if (stop && record.status === 'FAILED') {
      history.push('ExecutionFailed', stop, {
        executionFailedEventDetails: { error: record.error, cause: record.cause },
      });
    } else if (stop && record.status === 'ABORTED') {
      history.addAborted(stop, record.error, record.cause);
    } else if (stop && record.status === 'TIMED_OUT') {
      history.addTimedOut(stop);
    }
    return history;
  }

  private push(type: string, at: Date, details: Record<string, unknown>): void {
    const id = this.list.length + 1;
    this.list.push({ id, previousEventId: id - 1, type, timestamp: at.getTime() / 1000, ...details });
  }
}
