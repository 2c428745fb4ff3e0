import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/** Principle 4 over real HTTP: reminders on the stage's days, then escalation, each costing trust; raises don't wait. */
let system: LocalSystem;
let api: ApiClient;
let finance: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

/** What the partner and the alliance manager receive about a notice (not the approval emails). */
function messagesOf(changeId: string) {
  return api.messagesOf(changeId, ['notice', 'reminder', 'escalation', 'fallback-notice', 'held-reminder']);
}

async function statusOf(changeId: string): Promise<string> {
  const response = await api.request<{ status: string }>('GET', `/api/commission-changes/${changeId}`, {
    token: finance,
  });
  return response.body.status;
}

describe('an unacknowledged cut for a transactional partner', () => {
  it('is reminded on days 3 and 7, escalated on day 10 (fallback contacts too), held until acknowledged, then applied', async () => {
    const start = await api.now();
    const effectiveDate = isoDateAfter(start, 31);
    const submitted = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token: finance,
      json: {
        partnerId: 'northwind-resellers',
        currentRatePct: 12,
        newRatePct: 10.5,
        effectiveDate,
        rationale: realRationale,
      },
    });
    expect(submitted.status).toBe(201);
    const { changeId } = submitted.body;
    await api.approve(changeId);
    expect((await messagesOf(changeId)).map((message) => message.kind)).toEqual(['notice']);

    await api.advance(2);
    expect((await messagesOf(changeId)).map((message) => message.kind)).toEqual(['notice']);
    await api.advance(1);
    expect((await messagesOf(changeId)).map((message) => message.kind)).toEqual(['notice', 'reminder']);
    await api.advance(4);
    expect((await messagesOf(changeId)).map((message) => message.kind)).toEqual([
      'notice',
      'reminder',
      'reminder',
    ]);
    await api.advance(3);
    const afterEscalation = await messagesOf(changeId);
    expect(afterEscalation.map((message) => message.kind)).toEqual([
      'notice',
      'reminder',
      'reminder',
      'escalation',
      'fallback-notice',
    ]);
    expect(afterEscalation.find((message) => message.kind === 'escalation')!.to).toEqual([
      { name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
    ]);
    expect(afterEscalation.find((message) => message.kind === 'fallback-notice')!.to).toEqual([
      { name: 'Owen Hart', email: 'owen.hart@northwind.example' },
    ]);
    expect(await statusOf(changeId)).toBe('escalated');
    await api.advance(14);
    expect(await messagesOf(changeId)).toHaveLength(5);

    // Past the effective date, still unacknowledged: a cut is held, not applied; the alliance manager is told.
    await api.advance(10);
    expect(await statusOf(changeId)).toBe('held');
    expect((await messagesOf(changeId)).at(-1)!.kind).toBe('held-reminder');

    const link = new URL(
      (await messagesOf(changeId)).find((message) => message.kind === 'reminder')!.links[0]!,
    );
    const acknowledged = await api.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: link.searchParams.get('token')! },
    });
    expect(acknowledged.status).toBe(200);
    await api.settle();
    const applied = await api.request<{ status: string; appliedFrom: string; timeline: { type: string }[] }>(
      'GET',
      `/api/commission-changes/${changeId}`,
      { token: finance },
    );
    expect(applied.body.status).toBe('applied');
    // Late: the new rate starts the next day, never on the past effective date (no retroactive cut).
    expect(applied.body.appliedFrom > effectiveDate).toBe(true);
    expect(applied.body.appliedFrom).toBe(isoDateAfter(await api.now(), 1));
    expect(applied.body.timeline.map((item) => item.type)).toEqual([
      'change-submitted',
      'approval-recorded',
      'notice-sent',
      'notice-delivered',
      'reminder-sent',
      'reminder-sent',
      'escalated-to-alliance-manager',
      'change-held',
      'acknowledgement-recorded',
      'change-applied',
    ]);

    const partner = await api.request<{
      trust: { score: number; ledger: { rule: string; points: number }[] };
    }>('GET', '/api/partners/northwind-resellers', { token: finance });
    const rules = partner.body.trust.ledger.map((event) => event.rule).sort();
    expect(rules).toEqual(
      [
        'commission-cut',
        'escalation-needed',
        'notice-full-period',
        'reminder-needed',
        'reminder-needed',
      ].sort(),
    );
    expect(partner.body.trust.score).toBeLessThan(50);
  });
});

describe('a raise', () => {
  it('needs no approver, is announced but not held on acknowledgement: it applies on its effective date', async () => {
    const start = await api.now();
    const effectiveDate = isoDateAfter(start, 5);
    const submitted = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token: finance,
      json: {
        partnerId: 'contoso-value-partners',
        currentRatePct: 15,
        newRatePct: 16,
        effectiveDate,
        rationale: realRationale,
      },
    });
    expect(submitted.status).toBe(201);
    const { changeId } = submitted.body;
    await api.advance(4);
    expect(await statusOf(changeId)).toBe('scheduled');
    expect((await messagesOf(changeId)).map((message) => message.kind)).toEqual(['notice', 'notice']);
    await api.advance(1);
    expect(await statusOf(changeId)).toBe('applied');
  });
});
