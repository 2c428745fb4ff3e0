import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStaff } from '../../local/seed.ts';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { snapshotSettledTables } from '../support/table-snapshot.ts';
import { startTestSystem } from '../support/test-system.ts';

/** What the web console needs of the HTTP API: the submission preview, the inbox, list items, dev people. */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let now: Date;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  now = await api.now();
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

/** A collaborative partner's cut meeting every rule (60 days' notice, a consultation, an approval). */
const validCut = () => ({
  partnerId: 'fabrikam-solutions',
  currentRatePct: 18,
  newRatePct: 17,
  effectiveDate: isoDateAfter(now, 61),
  rationale: realRationale,
});

type Answer = Record<string, unknown> & {
  changeId: string;
  error: string;
  fields: { field: string; reason: string }[];
};

function submit(
  body: unknown,
  options: { dryRun?: boolean; query?: string; key?: string; token?: string } = {},
) {
  const query = options.query ?? (options.dryRun ? '?dryRun=true' : '');
  return api.request<Answer>('POST', `/api/commission-changes${query}`, {
    token: options.token ?? finance,
    json: body,
    headers: options.key ? { 'idempotency-key': options.key } : {},
  });
}

const tables = () => snapshotSettledTables(system);

describe('POST /api/commission-changes?dryRun=true', () => {
  it('refuses invalid input exactly as the real submission does (400, 404, 409, 422) and writes nothing', async () => {
    const refused = [
      { partnerId: '', currentRatePct: 'twelve', newRatePct: 140, effectiveDate: '2026-02-30', extra: 1 },
      { ...validCut(), partnerId: 'nobody' },
      { ...validCut(), currentRatePct: 17.5 },
      { ...validCut(), effectiveDate: isoDateAfter(now, 59) },
      { ...validCut(), effectiveDate: isoDateAfter(now, -1) },
      {
        ...validCut(),
        rationale: 'Rate adjustment due to business reasons and market conditions as per policy.',
      },
    ];
    const before = await tables();
    const dryRuns = [];
    for (const body of refused) dryRuns.push(await submit(body, { dryRun: true, key: 'dry-refused' }));
    expect(await tables()).toEqual(before);

    const real = [];
    for (const body of refused) real.push(await submit(body));
    expect(dryRuns.map((answer) => answer.status)).toEqual([400, 404, 409, 422, 422, 422]);
    expect(dryRuns.map((answer) => answer.body)).toEqual(real.map((answer) => answer.body));
  });

  it('tells the earliest allowed effective date for a date too early, even while the rationale is still empty', async () => {
    const answer = await submit(
      { ...validCut(), effectiveDate: isoDateAfter(now, 1), rationale: '' },
      { dryRun: true },
    );
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: 'policy-violation',
      earliestEffectiveDate: isoDateAfter(now, 61),
    });
    expect(answer.body.fields.map((item) => item.field).sort()).toEqual(['effectiveDate', 'rationale']);
  });

  it('previews a valid submission with 200 and writes nothing; the real submission with the same body and key then succeeds', async () => {
    const before = await tables();
    const preview = await submit(validCut(), { dryRun: true, key: 'console-1' });
    expect(await tables()).toEqual(before);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toEqual({
      dryRun: true,
      partner: {
        partnerId: 'fabrikam-solutions',
        name: 'Fabrikam Solutions',
        stage: 'collaborative',
        currentRatePct: 18,
      },
      kind: 'commission-change',
      summary: 'commission 18% → 17% (all products and accounts)',
      terms: expect.objectContaining({ currentRatePct: 18, newRatePct: 17, direction: 'cut' }),
      adverse: true,
      status: 'awaiting-approval',
      noticePeriodDays: 60,
      earliestEffectiveDate: isoDateAfter(now, 61),
      approvalsRequired: 1,
      consultation: 'alliance-manager-call',
      forecastTrustPoints: expect.any(Number),
      forecast: expect.arrayContaining([expect.objectContaining({ rule: 'commission-cut' })]),
      trust: {
        scoreNow: 50,
        scoreAfter: expect.any(Number),
        threshold: 40,
        requiresAcknowledgement: false,
        rulesVersion: 'v1',
        flags: [],
      },
    });
    const trust = preview.body.trust as { scoreNow: number; scoreAfter: number };
    // No ledger yet: the score on the apply date is the start plus this change's own events.
    expect(trust.scoreAfter).toBeCloseTo(50 + (preview.body.forecastTrustPoints as number), 1);

    // The dry run claimed no key: the same key now creates the change (201), it does not replay (200).
    const real = await submit(validCut(), { key: 'console-1' });
    expect(real.status, real.text).toBe(201);
    // The snapshot sees what a submission writes (change, key, lock, audit entry, emails, execution).
    await api.settle();
    const after = await tables();
    for (const table of ['Changes', 'AuditTrail', 'LocalOutbox', 'LocalExecutions'])
      expect(after[table]!.length, table).toBeGreaterThan(before[table]!.length);
    expect(real.body).toMatchObject({
      replayed: false,
      status: preview.body.status,
      noticePeriodDays: preview.body.noticePeriodDays,
      earliestEffectiveDate: preview.body.earliestEffectiveDate,
      approvalsRequired: preview.body.approvalsRequired,
      forecastTrustPoints: preview.body.forecastTrustPoints,
      forecast: preview.body.forecast,
    });

    // Now a pending change holds the partner's lock: the dry run says so, as a real submission would.
    const conflictingDryRun = await submit(validCut(), { dryRun: true });
    const conflictingReal = await submit(validCut());
    expect(conflictingDryRun.status).toBe(409);
    expect(conflictingDryRun.body).toEqual(conflictingReal.body);
    expect(conflictingDryRun.body.conflictingChangeId).toBe(real.body.changeId);
  });

  it('refuses a misspelt dryRun or an unknown value with 400 naming it: a typo never submits for real', async () => {
    const before = await tables();
    const misspelt = await submit(validCut(), { query: '?dryrun=true' });
    const unknown = await submit(validCut(), { query: '?dryRun=yes' });
    expect(await tables()).toEqual(before);
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.fields.map((item) => item.field)).toEqual(['dryrun']);
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields.map((item) => item.field)).toEqual(['dryRun']);
  });

  it('is documented in the OpenAPI document, with the inbox', async () => {
    const document = (
      await api.request<{ paths: Record<string, Record<string, Record<string, unknown>>> }>(
        'GET',
        '/openapi.json',
      )
    ).body;
    expect(document.paths['/api/commission-changes']!.post!.parameters).toContainEqual(
      expect.objectContaining({ name: 'dryRun', in: 'query', required: false }),
    );
    expect(document.paths['/api/inbox']!.get).toBeDefined();
  });
});

describe('GET /api/changes', () => {
  it('gives each item what a changes table shows: status, partner id and name, stage, terms, dates, submitter', async () => {
    const list = await api.request<{ items: Record<string, unknown>[] }>(
      'GET',
      '/api/changes?partnerId=fabrikam-solutions',
      { token: finance },
    );
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({
      status: 'awaiting-approval',
      partnerId: 'fabrikam-solutions',
      partnerName: 'Fabrikam Solutions',
      stage: 'collaborative',
      terms: { currentRatePct: 18, newRatePct: 17 },
      effectiveDate: isoDateAfter(now, 61),
      nextDeadline: { at: expect.any(String), what: expect.any(String) },
      submittedBy: 'fiona',
    });
  });
});

type InboxItem = { changeId: string; task: string; mine: boolean; partnerName: string; status: string };

async function inbox(role: string, user: string): Promise<InboxItem[]> {
  const response = await api.request<{ items: InboxItem[]; truncated: string[] }>('GET', '/api/inbox', {
    token: await api.token(role, user),
  });
  expect(response.status, response.text).toBe(200);
  expect(response.body.truncated).toEqual([]);
  return response.body.items;
}

describe('GET /api/inbox', () => {
  it('shows an approver the changes of others awaiting approval, never their own', async () => {
    const victorsCut = await submit(
      {
        partnerId: 'contoso-value-partners',
        currentRatePct: 15,
        newRatePct: 14,
        effectiveDate: isoDateAfter(now, 50),
        rationale: realRationale,
      },
      { token: await api.token('finance', 'victor') },
    );
    expect(victorsCut.status, victorsCut.text).toBe(201);
    const fionasCut = (
      await api.request<{ items: { changeId: string }[] }>(
        'GET',
        '/api/changes?partnerId=fabrikam-solutions',
        {
          token: finance,
        },
      )
    ).body.items[0]!.changeId;

    const amara = await inbox('approver', 'amara');
    expect(amara).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ changeId: victorsCut.body.changeId, task: 'approve', mine: true }),
        expect.objectContaining({
          changeId: fionasCut,
          task: 'approve',
          partnerName: 'Fabrikam Solutions',
          status: 'awaiting-approval',
        }),
      ]),
    );
    const victor = (await inbox('approver', 'victor')).map((item) => item.changeId);
    expect(victor).toContain(fionasCut);
    expect(victor).not.toContain(victorsCut.body.changeId);
    expect(await inbox('compliance', 'carla')).toEqual([]);
  });

  it('shows partner managers a disputed change (mine for the dispute’s owner) and finance its own disputed change', async () => {
    const submitted = await submit({
      partnerId: 'northwind-resellers',
      currentRatePct: 12,
      newRatePct: 11,
      effectiveDate: isoDateAfter(now, 40),
      rationale: realRationale,
    });
    expect(submitted.status, submitted.text).toBe(201);
    const changeId = submitted.body.changeId;
    await api.approve(changeId);
    const [notice] = await api.messagesOf(changeId, ['notice']);
    const link = new URL(notice!.links[0]!);
    const concern = await api.request('POST', `${link.pathname}/concern`, {
      form: {
        token: link.searchParams.get('token')!,
        comment: 'This cut hurts three deals we closed last week.',
      },
    });
    expect(concern.status).toBe(200);
    await api.settle();

    const disputeOf = (items: InboxItem[]) => items.find((item) => item.changeId === changeId);
    // Dana is Northwind's alliance manager and so owns the dispute; Luis sees it too, as his team's.
    expect(disputeOf(await inbox('partner-manager', 'dana'))).toMatchObject({
      task: 'resolve-dispute',
      status: 'disputed',
      partnerName: 'Northwind Resellers',
      mine: true,
    });
    expect(disputeOf(await inbox('partner-manager', 'luis'))).toMatchObject({
      task: 'resolve-dispute',
      mine: false,
    });
    expect(disputeOf(await inbox('finance', 'fiona'))).toMatchObject({ task: 'resolve-dispute', mine: true });
    expect(disputeOf(await inbox('finance', 'felix'))).toBeUndefined();
  });
});

describe('GET /dev/people', () => {
  it('lists the seeded staff with their roles, for the dev sign-in', async () => {
    const response = await api.request<{ people: { userId: string; name: string; roles: string[] }[] }>(
      'GET',
      '/dev/people',
    );
    expect(response.status).toBe(200);
    expect(response.body.people).toEqual(
      demoStaff.map(({ userId, name, roles }) => ({ userId, name, roles })),
    );
    expect(response.body.people).toContainEqual({ userId: 'fiona', name: 'Fiona Grant', roles: ['finance'] });
  });
});
