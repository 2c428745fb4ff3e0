import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { createDocumentClient } from '../adapters/dynamodb/document-client.ts';
import { EventStore } from '../adapters/dynamodb/event-store.ts';
import { eventsTable } from '../adapters/dynamodb/table-definitions.ts';
import { createEventBridgeClient, EventBridgeBus } from '../adapters/events/eventbridge-bus.ts';
import { environmentVariables as env, serviceName } from '../config/environment.ts';
import { lazyHandler, MissingSetting, observabilityFor } from '../dependencies.ts';
import { systemClock } from '../domain/clock.ts';
import { EVENT_SOURCE, EVENT_VERSION, integrationEventTypes } from '../domain/lifecycle-events.ts';
import { type PublisherDependencies, publishEvents, publishPendingEvents } from '../events/publish.ts';

/** The sweep leaves the newest events to the stream trigger: only those logged this long ago or more. */
export const SWEEP_GRACE_MS = 2 * 60_000;

/** An Events table item as the stream carries it (NEW_IMAGE), checked before anything is published. */
const storedEventSchema = z.looseObject({
  eventId: z.string().min(1),
  type: z.enum(integrationEventTypes),
  version: z.literal(EVENT_VERSION),
  time: z.string(),
  source: z.literal(EVENT_SOURCE),
  subject: z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
  auditRef: z.object({ stream: z.string(), seq: z.number(), hash: z.string() }),
  logKey: z.string(),
  unpublished: z.string().optional(),
});

function required(environment: NodeJS.ProcessEnv, name: string): string {
  const value = environment[name];
  if (!value) throw new MissingSetting(`Environment variable ${name} is not set`);
  return value;
}

/**
 * The publisher's Lambda, two triggers: the Events table's stream (INSERT, NEW_IMAGE; bisect on error, an
 * SQS on-failure destination) publishes each new event at once, and a schedule sweeps the unpublished index
 * as the safety net (a batch that went to the DLQ, a bus that was down). A stream batch answers the records
 * the bus refused as batch item failures, so Lambda retries from the first of them.
 */
export function createPublishEventsHandler(deps: PublisherDependencies, logger: Logger) {
  return async (
    event: DynamoDBStreamEvent | { source?: string },
  ): Promise<DynamoDBBatchResponse | object> => {
    if (!('Records' in event)) {
      const cutoff = new Date(deps.clock.now().getTime() - SWEEP_GRACE_MS).toISOString();
      const outcome = await publishPendingEvents(deps, { cutoff });
      if (outcome.published > 0 || outcome.failed > 0)
        logger.warn('Swept events the stream trigger had not published', { ...outcome });
      return outcome;
    }
    const records = event.Records.flatMap((record) => {
      const image = record.dynamodb?.NewImage;
      if (record.eventName !== 'INSERT' || !image) return [];
      const parsed = storedEventSchema.safeParse(unmarshall(image as Record<string, AttributeValue>));
      if (!parsed.success) {
        logger.error('Not an event item: skipped', { error: z.prettifyError(parsed.error) });
        return [];
      }
      return [{ sequenceNumber: record.dynamodb?.SequenceNumber ?? '', event: parsed.data }];
    });
    const { failed } = await publishEvents(
      deps,
      records.map((record) => record.event),
    );
    const refused = new Set(failed);
    return {
      batchItemFailures: records
        .filter((record) => refused.has(record.event.eventId))
        .map((record) => ({ itemIdentifier: record.sequenceNumber })),
    };
  };
}

export const handler = lazyHandler(() => {
  const service = process.env[env.serviceName] ?? serviceName;
  const { traced } = observabilityFor(service);
  return createPublishEventsHandler(
    {
      events: new EventStore(
        traced(createDocumentClient(process.env[env.dynamodbEndpoint])),
        required(process.env, eventsTable.environmentVariable),
      ),
      bus: new EventBridgeBus(traced(createEventBridgeClient()), required(process.env, env.eventBusName)),
      clock: systemClock,
    },
    new Logger({ serviceName: service }),
  );
});
