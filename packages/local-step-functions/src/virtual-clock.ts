/**
 * The local runtime's clock: real time plus an offset that can only grow, so a 30-day notice period passes
 * in a second. The offset is persisted (JSON `{ "offsetMs": n }`) when a file is given, so virtual time
 * survives a restart. With `frozenAt` (tests) time does not flow at all: now = frozenAt + offset.
 *
 * Timers (`sleepUntil`) fire in due order when `advance` moves past them and — when time flows — as real
 * time reaches them: ONE real `setTimeout` is armed for the nearest timer, capped at a minute (Node fires
 * any delay above 2^31-1 ms at once), `unref()`-ed so it never keeps a process alive.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Anything that tells the time (the product's `Clock` has this shape too). */
export interface Clock {
  now(): Date;
}

export interface VirtualClockOptions {
  /** Where the offset is kept across restarts; without it the offset lives in memory only. */
  filePath?: string;
  /** Freezes time: now = frozenAt + offset, moved only by `advance`. */
  frozenAt?: Date;
}

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

/** The longest real delay ever armed: well below the 2^31-1 ms at which Node fires at once. */
const MAX_REAL_DELAY_MS = 60_000;

export class VirtualClock implements Clock {
  /** Min-heap on (at, seq); cancelled timers are dropped lazily. */
  private readonly heap: Timer[] = [];
  private active = 0;
  private seq = 0;
  private realTimer: NodeJS.Timeout | undefined;
  private realTimerAt = Number.POSITIVE_INFINITY;
  private persisting: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private offset: number,
    private readonly frozenAtMs: number | undefined,
    private readonly filePath: string | undefined,
  ) {}

  static async open(options: VirtualClockOptions = {}): Promise<VirtualClock> {
    let offsetMs = 0;
    if (options.filePath) {
      try {
        const saved = JSON.parse(await readFile(options.filePath, 'utf8')) as { offsetMs?: unknown };
        if (typeof saved.offsetMs !== 'number' || !Number.isFinite(saved.offsetMs) || saved.offsetMs < 0) {
          throw new Error(`${options.filePath}: offsetMs must be a non-negative number`);
        }
        offsetMs = saved.offsetMs;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return new VirtualClock(offsetMs, options.frozenAt?.getTime(), options.filePath);
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return (this.frozenAtMs ?? Date.now()) + this.offset;
  }

  /** How far virtual time is ahead of the base (real time, or `frozenAt`). */
  get offsetMs(): number {
    return this.offset;
  }

  get frozen(): boolean {
    return this.frozenAtMs !== undefined;
  }

  /** Moves virtual time forward, persists the offset, then fires every timer now due, in due order. */
  async advance(ms: number): Promise<Date> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms): ms must be >= 0, got ${ms}`);
    this.offset += ms;
    await this.persist();
    this.runDueTimers();
    this.arm();
    return this.now();
  }

  /** Advances to `at` (no-op when it is already past). */
  async advanceTo(at: Date): Promise<Date> {
    return this.advance(Math.max(0, at.getTime() - this.nowMs()));
  }

  /** Resolves once virtual now >= at (at once if already past); rejects with the signal's reason on abort. */
  sleepUntil(at: Date, signal?: AbortSignal): Promise<void> {
    const atMs = at.getTime();
    if (Number.isNaN(atMs)) return Promise.reject(new RangeError('sleepUntil: invalid date'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (atMs <= this.nowMs()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        at: atMs,
        seq: this.seq++,
        cancelled: false,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        this.active--;
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.push(timer);
      this.active++;
      if (atMs < this.realTimerAt) this.arm();
    });
  }

  /** Timers armed and not yet fired or aborted. */
  pendingTimers(): number {
    return this.active;
  }

  /** The due time of the nearest pending timer, if any. */
  nextTimerAt(): Date | undefined {
    this.dropCancelled();
    const first = this.heap[0];
    return first ? new Date(first.at) : undefined;
  }

  /** Fires every timer due now (normally done by `advance` and the real timer); returns how many fired. */
  runDueTimers(): number {
    let fired = 0;
    const now = this.nowMs();
    for (;;) {
      this.dropCancelled();
      const first = this.heap[0];
      if (!first || first.at > now) break;
      this.pop();
      first.cancelled = true;
      this.active--;
      fired++;
      first.fire();
    }
    return fired;
  }

  /** Clears the real timer; pending virtual timers stay pending (they fire on a later `advance`). */
  close(): void {
    this.closed = true;
    this.disarm();
  }

  private persist(): Promise<void> {
    const filePath = this.filePath;
    if (!filePath) return Promise.resolve();
    // Writes are chained so the file always ends with the latest offset; each is atomic (temp + rename).
    const offsetMs = this.offset;
    this.persisting = this.persisting
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(filePath), { recursive: true });
        const temp = `${filePath}.${process.pid}.tmp`;
        await writeFile(temp, `${JSON.stringify({ offsetMs })}\n`);
        await rename(temp, filePath);
      });
    return this.persisting;
  }

  private arm(): void {
    this.disarm();
    if (this.closed || this.frozenAtMs !== undefined) return;
    const next = this.nextTimerAt();
    if (!next) return;
    const delay = Math.min(Math.max(0, next.getTime() - this.nowMs()), MAX_REAL_DELAY_MS);
    this.realTimerAt = next.getTime();
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.realTimerAt = Number.POSITIVE_INFINITY;
      this.runDueTimers();
      this.arm();
    }, delay);
    this.realTimer.unref();
  }

  private disarm(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.realTimerAt = Number.POSITIVE_INFINITY;
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private static before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!VirtualClock.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && VirtualClock.before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && VirtualClock.before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
