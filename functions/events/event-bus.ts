import type { IntegrationEvent } from '../domain/lifecycle-events.ts';

/**
 * Where published events go: EventBridge in AWS (functions/adapters/events/eventbridge-bus.ts), the local
 * event log and an optional loopback webhook locally (functions/adapters/events/webhook-bus.ts). Delivery is
 * at least once: a consumer dedupes on `eventId`. An adapter retries transient failures itself (a bounded
 * number of times) and answers which events it could not hand over: those stay unpublished, for a later run.
 */
export interface EventBus {
  publish(events: readonly IntegrationEvent[]): Promise<{ failed: string[] }>;
}
