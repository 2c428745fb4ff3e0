import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient, TransactWriteItemsInput } from '@aws-sdk/client-dynamodb';
import { type PublisherDependencies, publishPendingEvents } from '../functions/events/publish.ts';

/**
 * Runs after a run that left events unpublished (the webhook down, DynamoDB throttled), with back-off; after
 * that many the events wait, visible in GET /dev/events, for the next commit or the next start.
 */
export const MAX_LOCAL_RETRY_RUNS = 5;
const FIRST_RETRY_RUN_MS = 200;
/**
 * A run starts once no commit has kicked for this long, so a burst of concurrent commits shares one run (one
 * read of the unpublished index, one transaction of marks) instead of a run per commit.
 */
export const KICK_DEBOUNCE_MS = 20;
/**
 * Under sustained load (a bulk import commits a row every few milliseconds) the quiet gap never comes: a run
 * starts at the latest this long after its wait began. DynamoDB Local serves one write at a time, and a
 * mark costs about what an imported item does (measured: ~1,000 marks/s whatever the batching, 12 s for
 * 10,000 events), so publishing during an import slowed it by ~15 % (10,000 rows: 62 s, 52 s with the
 * publisher held off). Made after it, the same marks cost the same: the import's report comes back sooner
 * and its events follow (`npm run bench` times both). Each run is bounded (MAX_PUBLISH_ROUNDS), so a longer
 * import gets a bounded run every this often. Locally only: in AWS the Events table's stream drives the
 * publisher.
 */
export const MAX_COALESCE_MS = 30_000;
/**
 * Commits that have kept coming for SUSTAINED_AFTER_MS (a bulk import, not a burst of a few commits: those
 * keep the 20 ms debounce, and tests' settles stay quick) make the quiet gap SUSTAINED_QUIET_MS: an import's
 * commits pause for tens of milliseconds between its reads (measured: with a 20 ms gap the publisher still
 * ran all through a 10,000-row import).
 */
export const SUSTAINED_AFTER_MS = 250;
export const SUSTAINED_QUIET_MS = 500;

/**
 * Whether a run may start, `waitedMs` after its wait began and `sinceLastKickMs` after the latest commit:
 * after a gap of KICK_DEBOUNCE_MS without commits, of SUSTAINED_QUIET_MS once commits have kept coming for
 * SUSTAINED_AFTER_MS, and in any case after MAX_COALESCE_MS. While someone awaits `idle()` (a settle: the
 * workflows are done and their events are wanted now) the short gap is enough.
 */
export function runMayStart(waitedMs: number, sinceLastKickMs: number, awaited = false): boolean {
  if (waitedMs >= MAX_COALESCE_MS) return true;
  const gap = waitedMs >= SUSTAINED_AFTER_MS && !awaited ? SUSTAINED_QUIET_MS : KICK_DEBOUNCE_MS;
  return sinceLastKickMs >= gap;
}

/**
 * The local publisher. In AWS the Events table's stream triggers it; here a commit that wrote events kicks
 * it (see `triggerOnEvents`), and it runs once the commits pause (`runMayStart`); runs are one at a time, and
 * a kick during a run makes one more run (a burst of commits costs one or two runs). It also runs at start-up:
 * whatever a crash left unpublished goes out then.
 * It is not a business timer, so it runs on real time; `idle()` lets tests await "everything published".
 */
export class LocalEventPublisher {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private retryRuns = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastKick = 0;
  /** Callers of `idle()` waiting now. */
  private waiters = 0;

  constructor(
    private readonly deps: PublisherDependencies,
    private readonly logger: Logger,
  ) {}

  kick(): void {
    if (this.stopped) return;
    this.lastKick = performance.now();
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  /** Resolves once no run is going on (nor about to: a kick during a run is part of it). */
  async idle(): Promise<void> {
    this.waiters += 1;
    try {
      while (this.running) await this.running;
    } finally {
      this.waiters -= 1;
    }
  }

  /** Lets the run in progress finish (so nothing is published and left unmarked by a clean stop), then no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.idle();
  }

  /** Waits until `runMayStart` says so, checking every KICK_DEBOUNCE_MS (or until a stop). */
  private async quiet(): Promise<void> {
    const began = performance.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, KICK_DEBOUNCE_MS));
      const now = performance.now();
      if (this.stopped || runMayStart(now - began, now - this.lastKick, this.waiters > 0)) return;
    }
  }

  private async loop(): Promise<void> {
    try {
      do {
        await this.quiet();
        this.again = false;
        let leftOver = false;
        try {
          const outcome = await publishPendingEvents(this.deps);
          leftOver = outcome.failed > 0;
          // The run reached its bound with more waiting: go on (a long import's events).
          if (outcome.more) this.again = true;
        } catch (error) {
          leftOver = true;
          this.logger.warn('Publishing events failed; they stay unpublished for the next run', {
            error: error as Error,
          });
        }
        if (!leftOver) this.retryRuns = 0;
        else if (this.retryRuns < MAX_LOCAL_RETRY_RUNS && !this.stopped) {
          const delay = FIRST_RETRY_RUN_MS * 2 ** this.retryRuns;
          this.retryRuns += 1;
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.kick(), delay);
          this.retryTimer.unref();
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = undefined;
    }
  }
}

/**
 * Stands in for the Events table's DynamoDB stream: after every transaction that committed an event into
 * `eventsTable` through this client, `onEvents` is called (the publisher's kick).
 */
export function triggerOnEvents(client: DynamoDBClient, eventsTable: string, onEvents: () => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') {
        const input = args.input as TransactWriteItemsInput;
        if (input.TransactItems?.some((item) => item.Put?.TableName === eventsTable)) onEvents();
      }
      return result;
    },
    { step: 'initialize', name: 'pcnEventsStreamTrigger' },
  );
}
