/**
 * The public events against the real DynamoDB Local: written in the transaction of the step they come from
 * (the outbox), published from there once each and marked, the failed ones left for the next run, and
 * nothing lost or doubled when the process dies between the commit and the publish.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { ConditionNotMet } from '../../functions/adapters/dynamodb/transaction-errors.ts';
import { approveChange } from '../../functions/approvals/decide.ts';
import type { IntegrationEvent } from '../../functions/domain/lifecycle-events.ts';
import type { EventBus } from '../../functions/events/event-bus.ts';
import { publishPendingEvents } from '../../functions/events/publish.ts';
import { createPublishEventsHandler, SWEEP_GRACE_MS } from '../../functions/handlers/publish-events.ts';
import { acknowledgeNotice, openNotice, recordFirstOpen } from '../../functions/notices/acknowledge.ts';
import { commitChangeStep } from '../../functions/notices/commit.ts';
import {
  contoso,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  northwind,
  submitCommission,
  validCut,
} from '../support/integration-deps.ts';

let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

/** A bus that records what it was handed, refusing the event ids in `refuse`. */
class RecordingBus implements EventBus {
  readonly received: IntegrationEvent[] = [];
  refuse = new Set<string>();

  async publish(events: readonly IntegrationEvent[]) {
    const failed = events.filter((event) => this.refuse.has(event.eventId)).map((event) => event.eventId);
    this.received.push(...events.filter((event) => !this.refuse.has(event.eventId)));
    return { failed };
  }
}

async function eventsOf(subject: string) {
  return (await context.scan('Events'))
    .filter((event) => event.subject === subject)
    .sort((a, b) => String(a.logKey).localeCompare(String(b.logKey)));
}

/** Publishes everything pending through `bus`, as a fresh publisher would. */
function publish(bus: EventBus, events: EventStore = context.deps.events) {
  return publishPendingEvents({ events, bus, clock: context.clock });
}

/** Drains whatever earlier tests left, so each test sees only its own events published. */
async function drain() {
  await publish(new RecordingBus());
}

describe('writing events with their step', () => {
  it('writes exactly the events of each committed step, unpublished, with their audit entry’s id and hash', async () => {
    const submitted = await submitCommission(context, validCut(contoso, context.clock.now()), 'fiona');
    if (submitted.outcome !== 'created') throw new Error(submitted.outcome);
    const { changeId } = submitted.change;
    let events = await eventsOf(changeId);
    expect(events.map((event) => [event.eventId, event.type, event.unpublished])).toEqual([
      [`change#${changeId}:1`, 'change.submitted', 'pending'],
    ]);
    const [entry] = await context.auditEntries(changeId);
    expect(events[0]).toMatchObject({
      version: 1,
      source: 'partner-change-notice',
      subject: changeId,
      time: entry!.at,
      auditRef: { stream: `change#${changeId}`, seq: 1, hash: entry!.hash },
      detail: {
        changeId,
        partnerId: contoso.partnerId,
        kind: 'commission-change',
        status: 'awaiting-approval',
      },
    });

    await approveChange(context.deps, changeId, { by: 'amara', comment: 'Fine.' });
    events = await eventsOf(changeId);
    expect(events.map((event) => event.type)).toEqual(['change.submitted', 'change.approved']);
    expect(events[1]?.detail).toMatchObject({ approvedBy: 'amara', status: 'notice-due' });
    expect((await context.auditEntries(changeId)).length).toBe(2);
  });

  it('writes no event for a step whose transaction fails', async () => {
    const submitted = await submitCommission(
      context,
      validCut(northwind, context.clock.now(), 60, 'failing-step'),
      'fiona',
    );
    if (submitted.outcome !== 'created') throw new Error(submitted.outcome);
    const change = submitted.change;
    const before = await context.scan('Events');
    // The step's own guarded write fails (the change exists already): nothing of it may remain.
    await expect(
      commitChangeStep(
        context.deps,
        { changeId: change.changeId, partnerId: change.partnerId, kind: change.kind, status: 'withdrawn' },
        {
          type: 'change-withdrawn',
          at: context.clock.now().toISOString(),
          actor: 'fiona',
          details: { reason: 'x' },
        },
        [context.deps.changes.create(change)],
        change.auditHead,
      ),
    ).rejects.toBeInstanceOf(ConditionNotMet);
    expect(await context.scan('Events')).toEqual(before);
    expect((await context.auditEntries(change.changeId)).map((entry) => entry.type)).toEqual([
      'change-submitted',
    ]);
  });
});

describe('recording the first open of a notice link', () => {
  it('records the first open per recipient once (as maybe a scanner), and nothing for a repeat or a refused link', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, northwind, 'fiona', 'opens');
    const token = tokens[northwind.contacts[0]]!;
    const before = await context.snapshot();
    const refused = await openNotice(context.deps, noticeId, `${token.slice(0, -2)}xx`);
    expect(refused.ok).toBe(false);
    expect(await context.snapshot()).toEqual(before);

    const opened = await openNotice(context.deps, noticeId, token);
    if (!opened.ok) throw new Error(opened.problem);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => recordFirstOpen(context.deps, opened, 'Mozilla/5.0 (scanner?)')),
    );
    expect(answers.filter((answer) => answer === 'recorded')).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'already-recorded')).toHaveLength(7);
    const afterFirst = await context.snapshot();
    expect(await recordFirstOpen(context.deps, opened, 'again')).toBe('already-recorded');
    expect(await context.snapshot()).toEqual(afterFirst);

    const opens = (await context.auditEntries(changeId)).filter((entry) => entry.type === 'notice-opened');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({
      actor: 'notice-link',
      details: { noticeId, contactId: northwind.contacts[0] },
    });
    const events = (await eventsOf(changeId)).filter((event) => event.type === 'notice.opened');
    expect(events.map((event) => event.detail)).toEqual([
      expect.objectContaining({ contactId: northwind.contacts[0], maybeByScanner: true, noticeVersion: 1 }),
    ]);
    // The change itself did not move, and its next step chains on the new head at once.
    const change = await context.deps.changes.get(changeId);
    expect(change?.status).toBe('notice-sent');
    expect(change?.auditHead?.seq).toBe(opens[0]!.seq);
    const acknowledged = await acknowledgeNotice(context.deps, {
      noticeId,
      token,
      sourceIp: '127.0.0.1',
      userAgent: 'x',
    });
    expect(acknowledged.outcome).toBe('recorded');
    expect((await eventsOf(changeId)).map((event) => event.type).slice(-2)).toEqual([
      'notice.opened',
      'notice.acknowledged',
    ]);
  });
});

describe('publishing', () => {
  it('publishes each event once, oldest first, and marks it; a second run publishes nothing', async () => {
    await drain();
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'publish-once');
    const bus = new RecordingBus();
    const first = await publish(bus);
    const ours = bus.received.filter((event) => event.subject === changeId);
    expect(ours.map((event) => event.type)).toEqual([
      'change.submitted',
      'change.approved',
      'notice.delivered',
    ]);
    expect(first).toEqual({ published: bus.received.length, failed: 0, more: false });
    // The envelope is published, not the table's bookkeeping.
    expect(Object.keys(ours[0]!).sort()).toEqual(
      ['auditRef', 'detail', 'eventId', 'source', 'subject', 'time', 'type', 'version'].sort(),
    );
    for (const event of await eventsOf(changeId)) {
      expect(event.unpublished, event.eventId as string).toBeUndefined();
      expect(event.publishedAt).toBe(context.clock.now().toISOString());
    }
    expect(await publish(bus)).toEqual({ published: 0, failed: 0, more: false });
    expect(bus.received.filter((event) => event.subject === changeId)).toHaveLength(3);
  });

  it('leaves exactly the events the bus refused unpublished, and publishes them in the next run', async () => {
    await drain();
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'refused');
    const ids = (await eventsOf(changeId)).map((event) => event.eventId as string);
    const bus = new RecordingBus();
    bus.refuse = new Set([ids[0]!, ids[2]!]);
    expect(await publish(bus)).toEqual({ published: 1, failed: 2, more: false });
    const pending = (await eventsOf(changeId))
      .filter((event) => event.unpublished)
      .map((event) => event.eventId);
    expect(pending).toEqual([ids[0], ids[2]]);
    bus.refuse.clear();
    expect(await publish(bus)).toEqual({ published: 2, failed: 0, more: false });
    expect(bus.received.map((event) => event.eventId).sort()).toEqual([...ids].sort());
  });

  it('publishes each event exactly once after a crash between the commit and the publish', async () => {
    await drain();
    // The steps commit, and the process dies before any publisher runs: the events wait in the table.
    const cuts = await Promise.all(
      ['crash-1', 'crash-2', 'crash-3'].map((product) => deliveredCut(context, contoso, 'fiona', product)),
    );
    const committed = (await Promise.all(cuts.map(({ changeId }) => eventsOf(changeId)))).flat();
    expect(committed).toHaveLength(9);
    expect(committed.every((event) => event.unpublished === 'pending')).toBe(true);
    const bus = new RecordingBus();
    // A new process: its own client and store; then another one after it.
    for (const run of [1, 2]) {
      const client = new DynamoDBClient(localDynamoDbClientConfig(context.tables.endpoint));
      try {
        const store = new EventStore(DynamoDBDocumentClient.from(client), context.deps.tables.events);
        await publish(bus, store);
      } finally {
        client.destroy();
      }
      const published = bus.received.map((event) => event.eventId);
      expect(published.sort(), `after run ${run}`).toEqual(committed.map((event) => event.eventId).sort());
    }
    expect((await context.scan('Events')).filter((event) => event.unpublished)).toEqual([]);
  });

  it('publishes again an event whose mark was lost in a crash after the publish, under the same eventId', async () => {
    await drain();
    const { changeId } = await deliveredCut(context, contoso, 'fiona', 'lost-mark');
    const bus = new RecordingBus();
    const dying = Object.create(context.deps.events) as EventStore;
    dying.markPublished = async () => {
      throw new Error('process killed');
    };
    await expect(publish(bus, dying)).rejects.toThrow('process killed');
    await publish(bus);
    const ours = bus.received.filter((event) => event.subject === changeId).map((event) => event.eventId);
    // Each event twice, with the same id: a consumer that dedupes on eventId records each once.
    expect(new Set(ours).size).toBe(3);
    expect(ours).toHaveLength(6);
    expect((await eventsOf(changeId)).filter((event) => event.unpublished)).toEqual([]);
  });
});

describe('the publisher’s Lambda handler', () => {
  const logger = new Logger({ serviceName: 'integration-test', logLevel: 'SILENT' });

  /** The stream records DynamoDB would deliver for these items' INSERTs. */
  function streamOf(items: Record<string, unknown>[]): DynamoDBStreamEvent {
    return {
      Records: items.map((item, index) => ({
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: String(1000 + index),
          NewImage: marshall(item, { removeUndefinedValues: true }) as never,
        },
      })),
    };
  }

  it('publishes a stream batch and answers the records the bus refused as batch item failures', async () => {
    await drain();
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'stream');
    const items = await eventsOf(changeId);
    const bus = new RecordingBus();
    bus.refuse = new Set([items[1]!.eventId as string]);
    const handler = createPublishEventsHandler(
      { events: context.deps.events, bus, clock: context.clock },
      logger,
    );
    const answer = await handler(streamOf(items));
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '1001' }] });
    expect(bus.received.map((event) => event.eventId)).toEqual([items[0]!.eventId, items[2]!.eventId]);
    const after = await eventsOf(changeId);
    expect(after.map((event) => event.unpublished ?? 'published')).toEqual([
      'published',
      'pending',
      'published',
    ]);
    // A record that is not an event item is skipped, not published.
    expect(await handler(streamOf([{ eventId: 'x', type: 'nope' }]))).toEqual({ batchItemFailures: [] });
  });

  it('sweeps on schedule only what the stream had time to publish: events older than the grace', async () => {
    await drain();
    const { changeId } = await deliveredCut(context, contoso, 'fiona', 'sweep');
    const bus = new RecordingBus();
    const handler = createPublishEventsHandler(
      { events: context.deps.events, bus, clock: context.clock },
      logger,
    );
    await handler({ source: 'aws.events' });
    expect(bus.received.filter((event) => event.subject === changeId)).toEqual([]);
    context.clock.set(new Date(context.clock.now().getTime() + SWEEP_GRACE_MS));
    await handler({ source: 'aws.events' });
    expect(bus.received.filter((event) => event.subject === changeId)).toHaveLength(3);
  });
});
