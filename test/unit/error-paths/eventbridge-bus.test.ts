/** EventBridgeBus error paths with a mocked EventBridge client: partial failures, bounded retries, chunks of 10. */
import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  EventBridgeBus,
  MAX_PUT_EVENTS_ATTEMPTS,
  PUT_EVENTS_MAX_ENTRIES,
} from '../../../functions/adapters/events/eventbridge-bus.ts';
import type { IntegrationEvent } from '../../../functions/domain/lifecycle-events.ts';

const eventBridge = mockClient(EventBridgeClient);

function events(count: number): IntegrationEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    eventId: `change#chg_1:${index + 1}`,
    type: 'change.submitted',
    version: 1,
    time: '2026-03-02T09:00:00.000Z',
    source: 'partner-change-notice',
    subject: 'chg_1',
    detail: { changeId: 'chg_1' },
    auditRef: { stream: 'change#chg_1', seq: index + 1, hash: 'sha256:x' },
  }));
}

const bus = () => new EventBridgeBus(new EventBridgeClient({ region: 'us-east-1' }), 'pcn-bus');

beforeEach(() => {
  eventBridge.reset();
});

describe('EventBridgeBus.publish', () => {
  it('puts at most 10 entries per call, DetailType the type and Detail the whole envelope', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })),
    }));
    const all = events(23);
    expect(await bus().publish(all)).toEqual({ failed: [] });
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(PUT_EVENTS_MAX_ENTRIES).toBe(10);
    const [first] = calls[0]!.args[0].input.Entries!;
    expect(first).toMatchObject({
      EventBusName: 'pcn-bus',
      Source: 'partner-change-notice',
      DetailType: 'change.submitted',
    });
    expect(JSON.parse(first!.Detail!)).toEqual(all[0]);
  });

  it('retries only the entries answered as failed, and answers those still failing after the bound', async () => {
    const all = events(3);
    // The second entry fails every time; the third fails once.
    let call = 0;
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: { Detail: string }[] }) => {
      call += 1;
      const entries = input.Entries.map((entry) => {
        const id = (JSON.parse(entry.Detail) as IntegrationEvent).eventId;
        const fails = id.endsWith(':2') || (id.endsWith(':3') && call === 1);
        return fails ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: id };
      });
      return { FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length, Entries: entries };
    });
    expect(await bus().publish(all)).toEqual({ failed: ['change#chg_1:2'] });
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(MAX_PUT_EVENTS_ATTEMPTS);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([3, 2, 1]);
  });

  it('answers a whole chunk failed when the call itself fails (the SDK’s retries spent), and goes on', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(new Error('Service unavailable'))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    const all = events(11);
    expect(await bus().publish(all)).toEqual({ failed: all.slice(0, 10).map((event) => event.eventId) });
  });
});
