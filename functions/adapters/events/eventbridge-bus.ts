import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { IntegrationEvent } from '../../domain/lifecycle-events.ts';
import type { EventBus } from '../../events/event-bus.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/**
 * Attempts per entry the service answered as failed (FailedEntryCount: throttled, internal): the SDK already
 * retries whole failed calls; these are the partial failures it does not retry. Left over, they stay
 * unpublished for the next trigger or sweep.
 */
export const MAX_PUT_EVENTS_ATTEMPTS = 3;

/** The events on an Amazon EventBridge bus: DetailType is the event type, Detail the whole envelope. */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  static entryOf(event: IntegrationEvent, busName: string): PutEventsRequestEntry {
    return {
      EventBusName: busName,
      Source: event.source,
      DetailType: event.type,
      Detail: JSON.stringify(event),
      Time: new Date(event.time),
      Resources: [],
    };
  }

  async publish(events: readonly IntegrationEvent[]): Promise<{ failed: string[] }> {
    const failed: string[] = [];
    for (let start = 0; start < events.length; start += PUT_EVENTS_MAX_ENTRIES) {
      let pending = events.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        let answer: PutEventsCommandOutput;
        try {
          answer = await this.client.send(
            new PutEventsCommand({
              Entries: pending.map((event) => EventBridgeBus.entryOf(event, this.busName)),
            }),
          );
        } catch {
          // The SDK's own retries are spent: these stay unpublished for the next run.
          failed.push(...pending.map((event) => event.eventId));
          break;
        }
        if (!answer.FailedEntryCount) break;
        // Entries answer in request order; a failed one has an ErrorCode.
        const retry = pending.filter((_, index) => answer.Entries?.[index]?.ErrorCode !== undefined);
        if (attempt >= MAX_PUT_EVENTS_ATTEMPTS) {
          failed.push(...retry.map((event) => event.eventId));
          break;
        }
        pending = retry;
      }
    }
    return { failed };
  }
}

export function createEventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({});
}
