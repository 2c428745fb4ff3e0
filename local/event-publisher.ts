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
 * A kick waits this long before its run starts, so a burst of concurrent commits shares one run (one read of
 * the unpublished index, one transaction of marks) instead of a run per commit.
 */
export const KICK_DEBOUNCE_MS = 20;

/**
 * The local publisher. In AWS the Events table's stream triggers it; here a commit that wrote events kicks
 * it (see `triggerOnEvents`) after a short debounce, runs are one at a time, and a kick during a run makes one
 * more run (a burst of commits costs one or two runs). It also runs at start-up: whatever a crash left unpublished goes out then.
 * It is not a business timer, so it runs on real time; `idle()` lets tests await "everything published".
 */
export class LocalEventPublisher {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private retryRuns = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: PublisherDependencies,
    private readonly logger: Logger,
  ) {}

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  /** Resolves once no run is going on (nor about to: a kick during a run is part of it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Lets the run in progress finish (so nothing is published and left unmarked by a clean stop), then no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.idle();
  }

  private async loop(): Promise<void> {
    try {
      await new Promise((resolve) => setTimeout(resolve, KICK_DEBOUNCE_MS));
      do {
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
