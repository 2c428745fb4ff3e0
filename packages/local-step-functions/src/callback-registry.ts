/**
 * Task tokens of `.waitForTaskToken` tasks: issued fresh for every `$$.Task.Token` read, registered when
 * the callback handler is invoked, settled by SendTaskSuccess / SendTaskFailure, or rejected with
 * `States.Timeout` / `States.HeartbeatTimeout` when their virtual-clock deadline passes.
 *
 * Tokens live in memory only: after a restart every old token is unknown (`TaskDoesNotExist`), and the
 * re-driven execution issues new ones.
 */
import { randomBytes } from 'node:crypto';
import type { Json } from './asl-rewrite.ts';
import { apiErrors, taskError } from './errors.ts';
import type { VirtualClock } from './virtual-clock.ts';

export interface CallbackOptions {
  /** States.Timeout after this many (virtual) seconds. */
  timeoutSeconds?: number | undefined;
  /** States.HeartbeatTimeout when no heartbeat (or result) arrives within this many (virtual) seconds. */
  heartbeatSeconds?: number | undefined;
}

interface PendingCallback {
  executionArn: string;
  resolve: (output: Json) => void;
  reject: (error: Error) => void;
  /** Cancels the timeout / heartbeat timers. */
  timers: AbortController;
  heartbeatTimer: AbortController | undefined;
  heartbeatSeconds: number | undefined;
}

const CLOSED_TOKENS_KEPT = 10_000;
const MAX_TOKEN_LENGTH = 2048;

export class CallbackRegistry {
  /** Issued (read through `$$.Task.Token`) but not registered yet: token → execution ARN. */
  private readonly issued = new Map<string, string>();
  private readonly pending = new Map<string, PendingCallback>();
  /** Recently closed tokens → how they closed, to answer TaskTimedOut for a timed-out one. */
  private readonly closed = new Map<string, 'timed-out' | 'done'>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly newTimeoutError: (message?: string) => Error,
  ) {}

  /** A fresh opaque token for `$$.Task.Token`, remembered until its task registers it. */
  issue(executionArn: string): string {
    const token = randomBytes(48).toString('base64url');
    this.issued.set(token, executionArn);
    return token;
  }

  /** The tokens of `executionArn` found anywhere in `value` (the callback task's Parameters). */
  issuedTokensIn(executionArn: string, value: unknown): string[] {
    const found: string[] = [];
    const visit = (v: unknown): void => {
      if (typeof v === 'string') {
        if (this.issued.get(v) === executionArn) found.push(v);
      } else if (Array.isArray(v)) {
        for (const item of v) visit(item);
      } else if (typeof v === 'object' && v !== null) {
        for (const item of Object.values(v)) visit(item);
      }
    };
    visit(value);
    return found;
  }

  /** Forgets the issued-but-unregistered tokens of an execution (a task that read one then failed). */
  forgetIssued(executionArn: string): void {
    for (const [token, arn] of this.issued) if (arn === executionArn) this.issued.delete(token);
  }

  /**
   * Waits for the result of `token`'s task. The returned promise resolves with SendTaskSuccess's output,
   * or rejects with SendTaskFailure's error, a virtual-clock timeout, or `abandon`'s error.
   */
  register(token: string, executionArn: string, options: CallbackOptions = {}): Promise<Json> {
    this.issued.delete(token);
    return new Promise<Json>((resolve, reject) => {
      const entry: PendingCallback = {
        executionArn,
        resolve,
        reject,
        timers: new AbortController(),
        heartbeatTimer: undefined,
        heartbeatSeconds: options.heartbeatSeconds,
      };
      this.pending.set(token, entry);
      if (options.timeoutSeconds !== undefined) {
        const deadline = new Date(this.clock.nowMs() + options.timeoutSeconds * 1000);
        this.clock.sleepUntil(deadline, entry.timers.signal).then(
          () => this.close(token, 'timed-out', this.newTimeoutError('States.Timeout')),
          () => undefined,
        );
      }
      this.armHeartbeat(token, entry);
    });
  }

  succeed(token: string, output: Json): void {
    const entry = this.take(token);
    entry.resolve(output);
  }

  fail(token: string, error: string, cause: string): void {
    const entry = this.take(token);
    entry.reject(taskError(error, cause));
  }

  heartbeat(token: string): void {
    const entry = this.lookup(token);
    this.armHeartbeat(token, entry);
  }

  /** Drops a token whose task no longer waits (its handler failed, or another token settled it). */
  discard(token: string): void {
    this.issued.delete(token);
    this.close(token, 'done', taskError('Local.TaskDiscarded', 'The task no longer waits for this token'));
  }

  /** Callbacks waiting now (all executions, or one). */
  pendingCount(executionArn?: string): number {
    if (executionArn === undefined) return this.pending.size;
    let count = 0;
    for (const entry of this.pending.values()) if (entry.executionArn === executionArn) count++;
    return count;
  }

  /** Rejects every callback of `executionArn` with `error` (StopExecution, or the runtime stopping). */
  abandon(executionArn: string, error: Error): void {
    this.forgetIssued(executionArn);
    for (const [token, entry] of [...this.pending]) {
      if (entry.executionArn === executionArn) this.close(token, 'done', error);
    }
  }

  abandonAll(error: Error): void {
    this.issued.clear();
    for (const token of [...this.pending.keys()]) this.close(token, 'done', error);
  }

  private armHeartbeat(token: string, entry: PendingCallback): void {
    entry.heartbeatTimer?.abort();
    if (entry.heartbeatSeconds === undefined) return;
    const heartbeatTimer = new AbortController();
    entry.heartbeatTimer = heartbeatTimer;
    const deadline = new Date(this.clock.nowMs() + entry.heartbeatSeconds * 1000);
    this.clock.sleepUntil(deadline, heartbeatTimer.signal).then(
      () => this.close(token, 'timed-out', taskError('States.HeartbeatTimeout', 'States.HeartbeatTimeout')),
      () => undefined,
    );
  }

  private lookup(token: string): PendingCallback {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw apiErrors.invalidToken('Invalid Token');
    }
    const entry = this.pending.get(token);
    if (entry) return entry;
    if (this.closed.get(token) === 'timed-out') throw apiErrors.taskTimedOut();
    throw apiErrors.taskDoesNotExist();
  }

  private take(token: string): PendingCallback {
    const entry = this.lookup(token);
    this.pending.delete(token);
    this.remember(token, 'done');
    entry.timers.abort();
    entry.heartbeatTimer?.abort();
    return entry;
  }

  private close(token: string, how: 'timed-out' | 'done', error: Error): void {
    const entry = this.pending.get(token);
    if (!entry) return;
    this.pending.delete(token);
    this.remember(token, how);
    entry.timers.abort();
    entry.heartbeatTimer?.abort();
    entry.reject(error);
  }

  private remember(token: string, how: 'timed-out' | 'done'): void {
    this.closed.set(token, how);
    if (this.closed.size > CLOSED_TOKENS_KEPT) {
      const oldest = this.closed.keys().next().value;
      if (oldest !== undefined) this.closed.delete(oldest);
    }
  }
}
