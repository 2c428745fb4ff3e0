/**
 * Fault injectors for the reliability suite, plugged into the local system through its test-only
 * `faults` option (local/system.ts): each misbehaves like the real dependency would, so the product's own
 * defences (the SDK's retries, the ASL's Retry and Catch, the pending-workflow sweep) are what gets tested.
 */
import {
  type DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { EmailKind, NoticeMailer, OutgoingEmail } from '../../functions/adapters/email/notice-mailer.ts';
import type { NoticeLifecycleTask, PolicyChangeTask } from '../../functions/config/workflows.ts';

type WorkflowTask = NoticeLifecycleTask | PolicyChangeTask;

import type { LocalTaskHandler } from '../../local/system.ts';

/** mulberry32: a small deterministic generator, so the same seed draws the same sequence of faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The attempt the SDK's retry middleware is on, from the `amz-sdk-request: attempt=2; max=4` it sets. */
function attemptOf(request: unknown): { attempt: number; max: number } {
  const headers = (request as { headers?: Record<string, string | undefined> } | undefined)?.headers;
  const match = /attempt=(\d+); max=(\d+)/.exec(headers?.['amz-sdk-request'] ?? '');
  return match ? { attempt: Number(match[1]), max: Number(match[2]) } : { attempt: 1, max: 1 };
}

export const dynamoDbFaultNames = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'InternalServerError',
] as const;
export type DynamoDbFaultName = (typeof dynamoDbFaultNames)[number];

/**
 * Transient DynamoDB faults on the product's client: while armed, each request attempt fails with
 * probability `rate`, with one of the three errors DynamoDB really answers under load, drawn from a seeded
 * generator (the same seed draws the same sequence; which request meets which draw follows the scheduling):
 *
 * - throttling (ProvisionedThroughputExceededException, ThrottlingException): refused before it is applied;
 * - InternalServerError (500): the request is applied and only its answer is lost — the hard case, where a
 *   retry must find its own write done (transactions carry an idempotency token; conditional writes re-decide).
 *
 * The SDK's last attempt of a request is never failed: these are the transient faults its retries
 * (maxAttempts) are there to absorb. An outage that outlasts them is a different failure.
 */
export class DynamoDbFaults {
  armed = false;
  attempts = 0;
  readonly injected: Record<DynamoDbFaultName, number> = {
    ProvisionedThroughputExceededException: 0,
    ThrottlingException: 0,
    InternalServerError: 0,
  };
  private readonly random: () => number;

  constructor(private readonly plan: { seed: number; rate: number }) {
    this.random = seededRandom(plan.seed);
  }

  /** For `faults.dynamodb`: adds the injector inside the SDK's retry loop, so each attempt may fail. */
  readonly install = (client: DynamoDBClient): void => {
    client.middlewareStack.add(
      (next) => async (args) => {
        const { attempt, max } = attemptOf(args.request);
        if (!this.armed || attempt >= max) return next(args);
        this.attempts += 1;
        if (this.random() >= this.plan.rate) return next(args);
        const fault = dynamoDbFaultNames[Math.floor(this.random() * dynamoDbFaultNames.length)]!;
        this.injected[fault] += 1;
        if (fault === 'InternalServerError') {
          await next(args);
          throw new InternalServerError({
            message: 'Internal server error (injected: the request was applied, its answer lost)',
            $metadata: { httpStatusCode: 500 },
          });
        }
        const options = {
          message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
          $metadata: { httpStatusCode: 400 },
        };
        throw fault === 'ThrottlingException'
          ? new ThrottlingException(options)
          : new ProvisionedThroughputExceededException(options);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'injectedDynamoDbFaults' },
    );
  };

  get total(): number {
    return Object.values(this.injected).reduce((sum, count) => sum + count, 0);
  }
}

/** What SES answers when sending is throttled. */
export class TooManyRequestsException extends Error {
  override readonly name = 'TooManyRequestsException';
}

/** The mailer the product sends through, failing the next `failuresLeft` sends of some kinds of email. */
export class FlakyMailer implements NoticeMailer {
  failuresLeft = 0;
  failed = 0;

  constructor(
    private readonly inner: NoticeMailer,
    private readonly kinds: readonly EmailKind[],
  ) {}

  async send(email: OutgoingEmail): Promise<'sent' | 'already-sent'> {
    if (this.kinds.includes(email.kind) && this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      this.failed += 1;
      throw new TooManyRequestsException('Maximum sending rate exceeded (injected)');
    }
    return this.inner.send(email);
  }
}

/** An error a task handler throws when injected (matched by the ASL's States.TaskFailed, like any Lambda error). */
export class InjectedTaskFault extends Error {
  override readonly name = 'InjectedTaskFault';
}

/** A task call held until the test releases it: a slow handler, without waiting for any real time. */
export interface HeldCall {
  /** Resolves when the task is called (and is being held). */
  entered: Promise<void>;
  release(): void;
}

/**
 * The change a task call is about: a notice-lifecycle task's `changeId`, a policy task's `policyChangeId`, or
 * a policy batch's first partner (`<policyChangeId>/<partnerId>`, so a test can fail one batch of a round).
 */
function changeIdOf(input: unknown): string | undefined {
  const given = input as {
    changeId?: unknown;
    policyChangeId?: unknown;
    BatchInput?: { policyChangeId?: unknown };
    Items?: { partnerId?: unknown }[];
  } | null;
  if (typeof given?.changeId === 'string') return given.changeId;
  if (typeof given?.policyChangeId === 'string') return given.policyChangeId;
  const batchOf = given?.BatchInput?.policyChangeId;
  const first = given?.Items?.[0]?.partnerId;
  if (typeof batchOf === 'string' && typeof first === 'string') return `${batchOf}/${first}`;
  return undefined;
}

/**
 * Faults in the workflow's task handlers, per task and change (or any change, for a task that runs before the
 * test can know the change's id): the next `times` calls throw (Infinity: until healed), or the next call is
 * held until released. Every call is counted, faulted or not.
 */
export class TaskFaults {
  private readonly failures = new Map<string, number>();
  private readonly holds = new Map<string, { enter: () => void; released: Promise<void> }>();
  private readonly calls = new Map<string, number>();

  private static key(task: WorkflowTask, changeId: string | undefined) {
    return `${task} ${changeId ?? '*'}`;
  }

  /** The task's next `times` calls for the change (for any change when omitted) throw InjectedTaskFault. */
  fail(task: WorkflowTask, times: number, changeId?: string): void {
    this.failures.set(TaskFaults.key(task, changeId), times);
  }

  heal(task: WorkflowTask, changeId?: string): void {
    this.failures.delete(TaskFaults.key(task, changeId));
  }

  /** The task's next call for the change (for any change when omitted) waits until `release()`. */
  hold(task: WorkflowTask, changeId?: string): HeldCall {
    let enter = () => {};
    const entered = new Promise<void>((resolve) => {
      enter = resolve;
    });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.set(TaskFaults.key(task, changeId), { enter, released });
    return { entered, release };
  }

  /** How many times the task was called for the change. */
  callsOf(task: WorkflowTask, changeId: string): number {
    return this.calls.get(TaskFaults.key(task, changeId)) ?? 0;
  }

  /** For `faults.task`. */
  readonly wrap = (task: WorkflowTask, handler: LocalTaskHandler): LocalTaskHandler => {
    return async (input) => {
      const changeId = changeIdOf(input);
      if (changeId === undefined) return handler(input);
      const key = TaskFaults.key(task, changeId);
      this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
      for (const planned of [key, TaskFaults.key(task, undefined)]) {
        const held = this.holds.get(planned);
        if (!held) continue;
        this.holds.delete(planned);
        held.enter();
        await held.released;
        break;
      }
      for (const planned of [key, TaskFaults.key(task, undefined)]) {
        const failuresLeft = this.failures.get(planned) ?? 0;
        if (failuresLeft <= 0) continue;
        this.failures.set(planned, failuresLeft - 1);
        throw new InjectedTaskFault(`${task} failed for ${changeId} (injected)`);
      }
      return handler(input);
    };
  };
}

/** Step Functions refusing connections for some operations (StartExecution by default) while `refusing`. */
export class StepFunctionsOutage {
  refusing = false;
  refused = 0;

  constructor(private readonly operations: readonly string[] = ['StartExecutionCommand']) {}

  /** For `faults.stepFunctions`: inside the SDK's retry loop, so its retries meet the refusal too. */
  readonly install = (client: SFNClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.refusing || !this.operations.includes(context.commandName ?? '')) return next(args);
        this.refused += 1;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1 (injected)'), { code: 'ECONNREFUSED' });
      },
      { step: 'finalizeRequest', priority: 'low', name: 'injectedStepFunctionsOutage' },
    );
  };
}
