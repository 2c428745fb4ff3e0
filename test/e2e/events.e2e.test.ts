import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { startLocalSystem } from '../../local/system.ts';
import { ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { type RunningLocalProcess, startLocalProcess } from '../support/local-process.ts';
import { startTestSystem } from '../support/test-system.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * The public events end to end, over real HTTP: each step of a commission cut lands once in the event log
 * (GET /dev/events) and at a webhook on the loopback, in order; a webhook that fails keeps its events
 * visible and unpublished until it answers again; a restart delivers nothing twice and loses nothing.
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let webhook: WebhookReceiver;

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  ({ system, api, finance } = await startTestSystem({ webhookUrl: webhook.url }));
}, 90_000);

afterAll(async () => {
  await system?.stop();
  await webhook?.close();
});

async function submitCut(
  client: ApiClient,
  token: string,
  partnerId: string,
  currentRatePct: number,
  product: string,
) {
  const now = await client.now();
  const response = await client.request<{ changeId: string }>('POST', '/api/commission-changes', {
    token,
    json: {
      partnerId,
      currentRatePct,
      newRatePct: currentRatePct - 1,
      effectiveDate: isoDateAfter(now, partnerId === 'northwind-resellers' ? 32 : 50),
      rationale: realRationale,
      scope: { products: [product] },
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.changeId;
}

async function noticeLink(client: ApiClient, changeId: string): Promise<URL> {
  const [notice] = await client.messagesOf(changeId, ['notice']);
  const url = new URL(notice!.links[0]!);
  return new URL(`${url.pathname}${url.search}`, client.baseUrl);
}

describe('the event log and the webhook', () => {
  it('yields exactly the events of a cut submitted, approved, delivered, opened, acknowledged and applied, once each, at the webhook too', {
    timeout: 60_000,
  }, async () => {
    const changeId = await submitCut(api, finance, 'northwind-resellers', 12, 'events-e2e');
    await api.approve(changeId);
    const link = await noticeLink(api, changeId);
    for (let i = 0; i < 3; i += 1) {
      const page = await api.request('GET', `${link.pathname}${link.search}`, {
        headers: { 'user-agent': 'MailScanner/1.0' },
      });
      expect(page.status).toBe(200);
    }
    const acknowledged = await api.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: link.searchParams.get('token')! },
    });
    expect(acknowledged.status).toBe(200);
    await api.advance(33);

    const events = await api.events({ subject: changeId });
    expect(events.map((event) => event.type)).toEqual([
      'change.submitted',
      'change.approved',
      'notice.delivered',
      'notice.opened',
      'notice.acknowledged',
      'change.applied',
    ]);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
    expect(events.map((event) => event.auditRef.seq)).toEqual(
      [...events.map((e) => e.auditRef.seq)].sort((a, b) => a - b),
    );
    expect(events.every((event) => event.publishedAt !== undefined)).toBe(true);
    expect(events[3]?.detail).toMatchObject({
      contactId: 'nw-ops',
      userAgent: 'MailScanner/1.0',
      maybeByScanner: true,
    });
    expect(events[5]?.detail).toMatchObject({
      status: 'applied',
      effect: { previousRatePct: 12, newRatePct: 11 },
    });

    // The webhook got each once, in order, keyed by its eventId.
    await system.eventsPublished();
    const delivered = webhook.received.filter((event) => event.subject === changeId);
    expect(delivered.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
    expect(delivered.every((event) => event.idempotencyKey === event.eventId)).toBe(true);
    expect(delivered[0]?.body).toEqual(
      Object.fromEntries(Object.entries(events[0]!).filter(([key]) => key !== 'publishedAt')),
    );

    // Filters: by type, and after an event.
    const acknowledgements = await api.events({ type: 'notice.acknowledged', subject: changeId });
    expect(acknowledgements.map((event) => event.eventId)).toEqual([events[4]!.eventId]);
    const after = await api.events({ subject: changeId, after: events[3]!.eventId });
    expect(after.map((event) => event.type)).toEqual(['notice.acknowledged', 'change.applied']);
    const all = await api.events({ type: 'change.applied' });
    expect(all.map((event) => event.subject)).toContain(changeId);
  });

  it('refuses a bad query naming the field', async () => {
    for (const [query, field] of [
      ['type=notice.teleported', 'type'],
      ['limit=0', 'limit'],
      ['after=nope', 'after'],
      ['colour=blue', ''],
    ] as const) {
      const response = await api.request<{ fields: { field: string; reason: string }[] }>(
        'GET',
        `/dev/events?${query}`,
      );
      expect(response.status, query).toBe(400);
      expect(response.body.fields.length, query).toBeGreaterThan(0);
      if (field)
        expect(
          response.body.fields.map((f) => f.field),
          query,
        ).toContain(field);
    }
  });

  it('keeps the events a failing webhook refuses unpublished and visible, and delivers them, in order, once it answers', {
    timeout: 60_000,
  }, async () => {
    webhook.failing = true;
    const changeId = await submitCut(api, finance, 'contoso-value-partners', 15, 'events-failing-hook');
    await system.eventsPublished();
    const waiting = await api.events({ subject: changeId });
    expect(waiting.map((event) => [event.type, event.publishedAt])).toEqual([
      ['change.submitted', undefined],
    ]);
    expect(webhook.refusals).toBeGreaterThan(0);

    webhook.failing = false;
    await api.approve(changeId);
    await system.eventsPublished();
    const events = await api.events({ subject: changeId });
    expect(events.every((event) => event.publishedAt !== undefined)).toBe(true);
    const delivered = webhook.received
      .filter((event) => event.subject === changeId)
      .map((event) => event.type);
    expect(delivered).toEqual(['change.submitted', 'change.approved', 'notice.delivered']);
  });

  it('refuses to start with a webhook off the loopback, naming the setting', async () => {
    await expect(startLocalSystem({ webhookUrl: 'https://crm.example.com/hook' })).rejects.toThrow(
      /webhookUrl must point at the loopback .* not crm\.example\.com/,
    );
    await expect(startLocalSystem({ webhookUrl: 'ftp://127.0.0.1/x' })).rejects.toThrow(/http\(s\) URL/);
  });
});

describe('the webhook across restarts of npm start', () => {
  let dataDir: string;
  let running: RunningLocalProcess | undefined;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pcn-events-restart-'));
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function restart(): Promise<ApiClient> {
    const code = await running?.stop();
    if (running) expect(code, running.output()).toBe(0);
    running = await startLocalProcess(dataDir, undefined, { PCN_WEBHOOK_URL: receiver.url });
    return new ApiClient(running.baseUrl);
  }

  it('delivers every event once by eventId and loses none', { timeout: 180_000 }, async () => {
    let client = await restart();
    const changeId = await submitCut(
      client,
      await client.token('finance', 'fiona'),
      'northwind-resellers',
      12,
      'restart',
    );
    client = await restart();
    await client.approve(changeId);
    // The webhook is down while the notice goes out and across the restart: those wait, then go out.
    receiver.failing = true;
    const link = await noticeLink(client, changeId);
    await client.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: link.searchParams.get('token')! },
    });
    await client.settle();
    client = await restart();
    receiver.failing = false;
    await client.advance(33);
    const events = await client.events({ subject: changeId });
    expect(events.map((event) => event.type)).toEqual([
      'change.submitted',
      'change.approved',
      'notice.delivered',
      'notice.acknowledged',
      'change.applied',
    ]);
    const delivered = receiver.received
      .filter((event) => event.subject === changeId)
      .map((event) => event.eventId);
    expect([...delivered].sort()).toEqual(events.map((event) => event.eventId).sort());
    expect(new Set(delivered).size).toBe(delivered.length);
  });
});
