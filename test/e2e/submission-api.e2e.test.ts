import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/** Submission over real HTTP: validation, policy, roles, idempotency and the OpenAPI document. */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let now: Date;

type Problem = {
  error: string;
  message: string;
  fields: { field: string; reason: string }[];
  earliestEffectiveDate?: string;
};

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  now = await api.now();
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const valid = () => ({
  partnerId: 'fabrikam-solutions',
  currentRatePct: 18,
  newRatePct: 17,
  effectiveDate: isoDateAfter(now, 61),
  rationale: realRationale,
});

async function post(body: unknown, options: { token?: string; headers?: Record<string, string> } = {}) {
  return api.request<Problem & { changeId: string; replayed: boolean }>('POST', '/api/commission-changes', {
    token: options.token ?? finance,
    json: body,
    headers: options.headers ?? {},
  });
}

async function changeCount(): Promise<number> {
  await api.settle();
  return new Set((await api.outbox()).map((message) => message.changeId)).size;
}

describe('POST /api/commission-changes', () => {
  it('names every bad field with its reason (400) and records nothing', async () => {
    const before = await changeCount();
    const response = await post({
      partnerId: '',
      currentRatePct: 'twelve',
      newRatePct: 140,
      effectiveDate: '2026-02-30',
      extra: 1,
    });
    expect(response.status).toBe(400);
    const fields = Object.fromEntries(response.body.fields.map((item) => [item.field, item.reason]));
    expect(Object.keys(fields).sort()).toEqual(
      ['currentRatePct', 'effectiveDate', 'extra', 'newRatePct', 'partnerId', 'rationale'].sort(),
    );
    expect(fields.newRatePct).toContain('at most 100');
    expect(fields.effectiveDate).toContain('real calendar date');
    expect(fields.rationale).toContain('required');
    expect(await post('{not json')).toMatchObject({ status: 400, body: { error: 'invalid-json' } });
    expect(await changeCount()).toBe(before);
  });

  it('refuses a lone surrogate in any text (400 naming the field): the audit chain’s RFC 8785 encoding has no form for it', async () => {
    const before = await changeCount();
    const rationale = await post({ ...valid(), rationale: `${realRationale} \ud800` });
    expect(rationale.status).toBe(400);
    expect(rationale.body.fields).toEqual([
      { field: 'rationale', reason: expect.stringContaining('lone surrogate') },
    ]);
    const key = await post({ ...valid(), '\udc00': 1 });
    expect(key.status).toBe(400);
    expect(await changeCount()).toBe(before);
  });

  it('refuses a cut with less than the stage notice period (422) and says the earliest date', async () => {
    const response = await post({ ...valid(), effectiveDate: isoDateAfter(now, 59) });
    expect(response.status).toBe(422);
    expect(response.body.fields).toEqual([
      { field: 'effectiveDate', reason: expect.stringContaining('60 days') },
    ]);
    expect(response.body.earliestEffectiveDate).toBe(isoDateAfter(now, 61));
  });

  it('refuses a retroactive date (422), boilerplate rationale (422) and a stale current rate (409)', async () => {
    const retroactive = await post({ ...valid(), newRatePct: 19, effectiveDate: isoDateAfter(now, -1) });
    expect(retroactive.status).toBe(422);
    expect(retroactive.body.fields[0]).toMatchObject({
      field: 'effectiveDate',
      reason: expect.stringContaining('retroactive'),
    });
    const boilerplate = await post({
      ...valid(),
      rationale: 'Rate adjustment due to business reasons and market conditions as per policy.',
    });
    expect(boilerplate.status).toBe(422);
    expect(boilerplate.body.fields[0]).toMatchObject({
      field: 'rationale',
      reason: expect.stringContaining('boilerplate'),
    });
    const stale = await post({ ...valid(), currentRatePct: 17.5 });
    expect(stale.status).toBe(409);
    expect(stale.body.fields[0]!.field).toBe('currentRatePct');
    expect((await post({ ...valid(), partnerId: 'nobody' })).status).toBe(404);
  });

  it('accepts a raise effective today: a raise needs no minimum period', async () => {
    const response = await post({
      ...valid(),
      partnerId: 'tailspin-msp',
      currentRatePct: 20,
      newRatePct: 21,
      effectiveDate: isoDateAfter(now, 0),
    });
    expect(response.status).toBe(201);
  });

  it('authorizes by role: no token 401, a bad token 401, the wrong role 403', async () => {
    const none = await api.request('POST', '/api/commission-changes', { json: valid() });
    expect(none.status).toBe(401);
    const forged = await post(valid(), { token: `${finance.slice(0, -3)}abc` });
    expect(forged.status).toBe(401);
    const manager = await api.token('partner-manager', 'pat');
    expect((await post(valid(), { token: manager })).status).toBe(403);
    const compliance = await api.token('compliance', 'carla');
    expect((await api.request('GET', '/api/partners', { token: compliance })).status).toBe(200);
    const managerAudit = await api.request('GET', '/api/audit?changeId=x', { token: manager });
    expect(managerAudit.status).toBe(403);
  });

  it('never creates two changes for one Idempotency-Key, and refuses the key for a different request', async () => {
    const key = { 'Idempotency-Key': 'fiona-2026-11-23-fabrikam' };
    // Three concurrent retries of one submission: one creates, the others replay it.
    const responses = await Promise.all([1, 2, 3].map(() => post(valid(), { headers: key })));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 201]);
    const first = responses.find((response) => response.status === 201)!;
    for (const response of responses) {
      expect(response.body.changeId).toBe(first.body.changeId);
      expect(response.body.replayed).toBe(response.status === 200);
      expect(response.body.earliestEffectiveDate).toBe(first.body.earliestEffectiveDate);
    }
    expect((await post(valid(), { headers: key })).body.changeId).toBe(first.body.changeId);
    // One change: its approvers were asked once each.
    const requests = await api.messagesOf(first.body.changeId, ['approval-request']);
    expect(requests.map((message) => message.to[0]!.email).sort()).toEqual([
      'amara.osei@vendor.example',
      'victor.lindqvist@vendor.example',
    ]);
    const reused = await post({ ...valid(), newRatePct: 16 }, { headers: key });
    expect(reused.status).toBe(422);
    expect(reused.body.fields[0]!.field).toBe('Idempotency-Key');
  });
});

describe('GET /openapi.json', () => {
  it('documents the API from the zod schemas', async () => {
    const response = await api.request<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                { schema: { required: string[]; properties: Record<string, unknown> } }
              >;
            };
          }
        >
      >;
    }>('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const schema =
      response.body.paths['/api/commission-changes']!.post!.requestBody!.content['application/json']!.schema;
    expect(schema.required.sort()).toEqual([
      'currentRatePct',
      'effectiveDate',
      'newRatePct',
      'partnerId',
      'rationale',
    ]);
    expect(Object.keys(schema.properties)).toContain('scope');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/commission-changes/{changeId}',
        '/api/changes/{changeId}/approval',
        '/api/changes/{changeId}/consultation',
        '/api/changes/{changeId}/dispute-resolution',
        '/api/changes/{changeId}/withdrawal',
        '/api/changes/{changeId}/escalation-resolution',
        '/api/partners/{partnerId}/rate',
        '/api/audit',
        '/api/partners',
        '/notices/{noticeId}',
        '/notices/{noticeId}/concern',
      ]),
    );
    expect(Object.keys(response.body.paths).some((path) => path.startsWith('/dev'))).toBe(false);
  });
});
