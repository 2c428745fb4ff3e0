import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * Program policy changes over real HTTP on the real local engines (DynamoDB Local, the virtual clock), against
 * the seed directory: transactional northwind-resellers (EMEA) and adventure-works (NA), enhanced
 * contoso-value-partners (NA), collaborative fabrikam-solutions (EMEA), partnership tailspin-msp (APAC).
 */
let system: LocalSystem;
let api: ApiClient;
let dana: string;
let amara: string;
let compliance: string;

type Problem = {
  error: string;
  message: string;
  fields: { field: string; reason: string }[];
  earliestEffectiveDate?: string;
};
type Preview = {
  targeted: number;
  byStage: Record<string, number>;
  noticeDays: number;
  earliestEffectiveDate: string;
  unknownPartnerIds: string[];
};
type PolicyChangeView = {
  policyChangeId: string;
  status: string;
  targeted: number;
  byStage: Record<string, number>;
  noticeDays: number;
  submittedBy: string;
  replayed?: boolean;
  decision?: { outcome: string; by: string };
};

beforeAll(async () => {
  ({ system, api } = await startTestSystem());
  dana = await api.token('partner-manager', 'dana');
  amara = await api.token('approver', 'amara');
  compliance = await api.token('compliance', 'colin');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const request = (overrides: Record<string, unknown> = {}) => ({
  title: 'Deal registration window',
  summary: 'Deals must now be registered within 14 days of first customer contact to be protected.',
  policyText: 'Section 1. A deal is protected only when registered within 14 days of first customer contact.',
  rationale: realRationale,
  adverse: true,
  effectiveDate: '2027-06-01',
  segment: { by: 'region', regions: ['EMEA'] },
  ...overrides,
});

function submit(body: unknown, options: { token?: string; key?: string } = {}) {
  return api.request<PolicyChangeView & Problem>('POST', '/api/policy-changes', {
    token: options.token ?? dana,
    json: body,
    headers: options.key ? { 'idempotency-key': options.key } : {},
  });
}

function preview(segment: unknown, adverse?: boolean) {
  return api.request<Preview & Problem>('POST', '/api/policy-changes/preview', {
    token: dana,
    json: { segment, ...(adverse !== undefined ? { adverse } : {}) },
  });
}

async function listed(): Promise<string[]> {
  const response = await api.request<{ items: PolicyChangeView[] }>('GET', '/api/policy-changes?limit=100', {
    token: compliance,
  });
  expect(response.status, response.text).toBe(200);
  return response.body.items.map((item) => item.policyChangeId);
}

async function auditTypes(policyChangeId: string): Promise<string[]> {
  const response = await api.request<{
    entries: { type: string; actor: string }[];
    chain: { intact: boolean };
  }>('GET', `/api/audit?changeId=${policyChangeId}`, { token: compliance });
  expect(response.status, response.text).toBe(200);
  expect(response.body.chain.intact).toBe(true);
  return response.body.entries.map((entry) => entry.type);
}

describe('previewing a policy change’s segment', () => {
  it('counts the partners per stage and takes the longest notice of the stages reached', async () => {
    const emea = await preview({ by: 'region', regions: ['EMEA'] });
    expect(emea.status, emea.text).toBe(200);
    expect(emea.body).toMatchObject({
      targeted: 2,
      byStage: { transactional: 1, enhanced: 0, collaborative: 1, partnership: 0 },
      noticeDays: 60,
      unknownPartnerIds: [],
    });
    const now = await api.now();
    expect(emea.body.earliestEffectiveDate > isoDateAfter(now, 59)).toBe(true);

    const all = await preview({ by: 'all' });
    expect(all.body).toMatchObject({
      targeted: 5,
      byStage: { transactional: 2, enhanced: 1, collaborative: 1, partnership: 1 },
      noticeDays: 90,
    });
    const favourable = await preview({ by: 'all' }, false);
    expect(favourable.body.noticeDays).toBe(0);
    expect(favourable.body.earliestEffectiveDate).toBe(isoDateAfter(now, 0));
  });

  it('reports ids of an explicit list that are not in the directory, and writes nothing', async () => {
    const before = await listed();
    const response = await preview({ by: 'partners', partnerIds: ['tailspin-msp', 'no-such-partner'] });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      targeted: 1,
      byStage: { partnership: 1 },
      noticeDays: 90,
      unknownPartnerIds: ['no-such-partner'],
    });
    expect(await listed()).toEqual(before);
  });

  it('refuses a segment of an unknown kind, naming the field', async () => {
    const response = await preview({ by: 'planet', planets: ['mars'] });
    expect(response.status).toBe(400);
    expect(response.body.fields.map((item) => item.field)).toContain('segment.by');
  });
});

describe('submitting a policy change', () => {
  it('refuses an effective date before the segment’s longest notice, naming effectiveDate and the earliest date', async () => {
    const before = await listed();
    const tooEarly = isoDateAfter(await api.now(), 40);
    const response = await submit(request({ effectiveDate: tooEarly }));
    expect(response.status, response.text).toBe(422);
    expect(response.body.fields.map((item) => item.field)).toEqual(['effectiveDate']);
    expect(response.body.earliestEffectiveDate).toBeDefined();
    expect(response.body.fields[0]!.reason).toContain(response.body.earliestEffectiveDate!);
    expect(await listed()).toEqual(before);
  });

  it('refuses a segment that reaches nobody, naming segment', async () => {
    const response = await submit(request({ segment: { by: 'tag', tags: ['nobody-has-this-tag'] } }));
    expect(response.status, response.text).toBe(422);
    expect(response.body.fields.map((item) => item.field)).toEqual(['segment']);
  });

  it('refuses both the policy text and a document reference, naming document', async () => {
    const response = await submit(
      request({ document: { uri: 'https://example.com/p.pdf', sha256: 'f'.repeat(64) } }),
    );
    expect(response.status, response.text).toBe(400);
    expect(response.body.fields.map((item) => item.field)).toEqual(['document']);
  });

  it('records an adverse change awaiting a second person: self-approval is 403 and audited, another approver approves', async () => {
    const submitted = await submit(request(), { key: 'policy-emea-1' });
    expect(submitted.status, submitted.text).toBe(201);
    expect(submitted.body).toMatchObject({
      status: 'awaiting-approval',
      targeted: 2,
      byStage: { transactional: 1, collaborative: 1 },
      noticeDays: 60,
      submittedBy: 'dana',
    });
    const id = submitted.body.policyChangeId;
    expect(id).toMatch(/^pol_/);

    // A retry with the same key answers the same change; nothing new is recorded.
    const retry = await submit(request(), { key: 'policy-emea-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ policyChangeId: id, replayed: true });
    expect((await listed()).filter((item) => item === id)).toHaveLength(1);
    const reused = await submit(request({ title: 'Something else entirely' }), { key: 'policy-emea-1' });
    expect(reused.status).toBe(422);
    expect(reused.body.fields.map((item) => item.field)).toEqual(['Idempotency-Key']);

    const self = await api.request<Problem>('POST', `/api/policy-changes/${id}/approve`, {
      token: await api.token('approver', 'dana'),
      json: { comment: 'Looks fine to me.' },
    });
    expect(self.status, self.text).toBe(403);
    expect(self.body.error).toBe('self-approval');
    const stillWaiting = await api.request<PolicyChangeView>('GET', `/api/policy-changes/${id}`, {
      token: compliance,
    });
    expect(stillWaiting.body.status).toBe('awaiting-approval');

    const approved = await api.request<PolicyChangeView>('POST', `/api/policy-changes/${id}/approve`, {
      token: amara,
      json: { comment: 'Checked the segment and the rationale.' },
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      decision: { outcome: 'approved', by: 'amara' },
    });
    const again = await api.request<Problem>('POST', `/api/policy-changes/${id}/reject`, {
      token: amara,
      json: { comment: 'Changed my mind.' },
    });
    expect(again.status).toBe(409);

    expect(await auditTypes(id)).toEqual([
      'policy-change-submitted',
      'self-approval-refused',
      'policy-change-approved',
    ]);
  });

  it('approves a favourable change at once, effective from today, with its audit entry', async () => {
    const submitted = await submit(
      request({
        adverse: false,
        effectiveDate: isoDateAfter(await api.now(), 0),
        policyText: undefined,
        document: { uri: 'https://example.com/mdf-2027.pdf', sha256: 'ab'.repeat(32) },
        segment: { by: 'stage', stages: ['partnership', 'enhanced'] },
      }),
    );
    expect(submitted.status, submitted.text).toBe(201);
    expect(submitted.body).toMatchObject({ status: 'approved', targeted: 2, noticeDays: 0 });
    const id = submitted.body.policyChangeId;
    expect(await listed()).toContain(id);
    // Approved at once, so its workflow sends the notice round straight away.
    await system.settle();
    expect(await auditTypes(id)).toEqual([
      'policy-change-submitted',
      'policy-round-planned',
      'policy-round-completed',
    ]);
  });

  it('lets an approver reject an adverse change, and refuses the decision to a partner manager', async () => {
    const submitted = await submit(request({ segment: { by: 'partners', partnerIds: ['adventure-works'] } }));
    expect(submitted.status, submitted.text).toBe(201);
    const id = submitted.body.policyChangeId;
    const byManager = await api.request<Problem>('POST', `/api/policy-changes/${id}/reject`, {
      token: dana,
      json: { comment: 'Not this quarter.' },
    });
    expect(byManager.status).toBe(403);
    const rejected = await api.request<PolicyChangeView>('POST', `/api/policy-changes/${id}/reject`, {
      token: amara,
      json: { comment: 'Not this quarter.' },
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    expect(await auditTypes(id)).toEqual(['policy-change-submitted', 'policy-change-rejected']);
  });

  it('records one change for simultaneous retries with one Idempotency-Key, and one decision for simultaneous approvals', async () => {
    const before = await listed();
    const body = request({ segment: { by: 'tier', tiers: ['gold'] } });
    const answers = await Promise.all([1, 2, 3].map(() => submit(body, { key: 'policy-burst' })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
    const ids = new Set(answers.map((answer) => answer.body.policyChangeId));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect((await listed()).filter((item) => !before.includes(item))).toEqual([id]);

    const bea = await api.token('approver', 'bea');
    const decisions = await Promise.all(
      [amara, bea].map((token) =>
        api.request('POST', `/api/policy-changes/${id}/approve`, {
          token,
          json: { comment: 'Checked the gold tier list.' },
        }),
      ),
    );
    expect(decisions.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect((await auditTypes(id!)).filter((type) => type === 'policy-change-approved')).toHaveLength(1);
  });

  it('answers 404 for an unknown policy change', async () => {
    const response = await api.request<Problem>('GET', '/api/policy-changes/pol_nope', { token: compliance });
    expect(response.status).toBe(404);
  });
});
