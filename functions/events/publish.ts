import type { EventStore, StoredEvent } from '../adapters/dynamodb/event-store.ts';
import type { Clock } from '../domain/clock.ts';
import type { IntegrationEvent } from '../domain/lifecycle-events.ts';
import type { EventBus } from './event-bus.ts';

/** Events read per round: one query of the unpublished index, one bus call per 10 (EventBridge's limit). */
export const PUBLISH_BATCH_SIZE = 100;
/**
 * Rounds per run: a run publishes at most this many batches, then ends (the next trigger or sweep goes on),
 * so a run is bounded even while new events keep arriving.
 */
export const MAX_PUBLISH_ROUNDS = 20;

export interface PublisherDependencies {
  events: EventStore;
  bus: EventBus;
  clock: Clock;
}

export interface PublishOutcome {
  published: number;
  failed: number;
  /** The run ended at its bound (MAX_PUBLISH_ROUNDS) with a full batch: more may be waiting. */
  more: boolean;
}

/** The envelope as published: what the Events table holds, without its log bookkeeping. */
export function envelopeOf(event: StoredEvent | IntegrationEvent): IntegrationEvent {
  const { eventId, type, version, time, source, subject, detail, auditRef } = event;
  return { eventId, type, version, time, source, subject, detail, auditRef };
}

/**
 * Publishes these events and marks the ones the bus took as published (a conditional mark: an event
 * published by a concurrent run is marked once). What the bus refused stays unpublished, and is answered.
 * Publish then mark: a crash in between publishes it again later (at least once; consumers dedupe on eventId),
 * never loses it.
 */
export async function publishEvents(
  deps: PublisherDependencies,
  events: readonly IntegrationEvent[],
): Promise<{ published: string[]; failed: string[] }> {
  if (events.length === 0) return { published: [], failed: [] };
  const { failed } = await deps.bus.publish(events.map(envelopeOf));
  const refused = new Set(failed);
  const published = events.map((event) => event.eventId).filter((eventId) => !refused.has(eventId));
  await deps.events.markPublished(published, deps.clock.now().toISOString());
  return { published, failed: [...refused] };
}

/**
 * The sweep: every event still unpublished (logged up to `cutoff`, if given), oldest first, in bounded
 * batches. A batch the bus refuses entirely ends the run (the bus is down: the next run tries again).
 */
export async function publishPendingEvents(
  deps: PublisherDependencies,
  options: { cutoff?: string } = {},
): Promise<PublishOutcome> {
  let published = 0;
  let failed = 0;
  let afterLogKey: string | undefined;
  for (let round = 1; round <= MAX_PUBLISH_ROUNDS; round += 1) {
    // Each round reads on from where the last one ended: an event the bus refused is left for the next run.
    const batch = await deps.events.unpublished(PUBLISH_BATCH_SIZE, { cutoff: options.cutoff, afterLogKey });
    if (batch.length === 0) break;
    const outcome = await publishEvents(deps, batch);
    published += outcome.published.length;
    failed += outcome.failed.length;
    if (outcome.published.length === 0 || batch.length < PUBLISH_BATCH_SIZE) break;
    if (round === MAX_PUBLISH_ROUNDS) return { published, failed, more: true };
    afterLogKey = batch.at(-1)?.logKey;
  }
  return { published, failed, more: false };
}
