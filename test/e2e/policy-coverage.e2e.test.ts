import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../functions/http/outcomes.ts';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { isoDateAfter, realRationale } from '../support/api-client.ts';
import {
  acknowledgeAsPartner,
  createRegionPartners,
  POLICY_STAFF,
  policyRequest,
} from '../support/policy.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * GET /api/policy-changes/{id}/coverage and …/recipients over HTTP against the whole local system: the counts
 * are the ones the real workflow moved while it sent (no counters written by the test, except a partner's
 * acknowledgement recorded as the notice page records it). The paging tests reach a region of their own.
 */
let system: LocalSystem;
let api: ApiClient;
let manager: string;
let compliance: string;

interface Coverage {
  policyChangeId: string;
  status: string;
  noticeVersion: number;
  takesEffectAt?: string;
  targeted: number;
  counts: Record<string, number>;
  notified: number;
  rounds: { roundId: string; kind: string; partners: number; plannedAt: string; completedAt?: string }[];
}
interface RecipientPage {
  items: { partnerId: string; state: string; stage: string; name: string; deliveredTo?: string[] }[];
  cursor?: string;
}
interface Problem {
  fields?: { field: string; reason: string }[];
}

const zeros = {
  queued: 0,
  delivered: 0,
  opened: 0,
  acknowledged: 0,
  'concern-raised': 0,
  unreachable: 0,
  escalated: 0,
};

beforeAll(async () => {
  ({ system, api } = await startTestSystem());
  manager = await api.token('partner-manager', POLICY_STAFF.manager);
  compliance = await api.token('compliance', 'colin');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

async function submit(body: unknown): Promise<string> {
  const response = await api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
    token: manager,
    json: body,
  });
  expect(response.status, response.text).toBe(201);
  return response.body.policyChangeId;
}

const coverageOf = (id: string) =>
  api.request<Coverage>('GET', `/api/policy-changes/${encodeURIComponent(id)}/coverage`, {
    token: compliance,
  });
const recipientsOf = (id: string, query: Record<string, string> = {}) =>
  api.request<RecipientPage>(
    'GET',
    `/api/policy-changes/${encodeURIComponent(id)}/recipients?${new URLSearchParams(query).toString()}`,
    { token: compliance },
  );

/** Every page of the recipients, following the cursor (bounded: a cursor that never ends fails the test). */
async function allPages(id: string, query: Record<string, string>): Promise<RecipientPage[]> {
  const pages: RecipientPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await recipientsOf(id, { ...query, ...(cursor ? { cursor } : {}) });
    expect(page.status, page.text).toBe(200);
    pages.push(page.body);
    cursor = page.body.cursor;
  } while (cursor && pages.length < 50);
  expect(cursor).toBeUndefined();
  return pages;
}

describe('the coverage of a policy change', () => {
  it('counts the partners the workflow reached: a favourable change to the EMEA partners, delivered to both', async () => {
    const id = await submit({
      title: 'Faster MDF reimbursement',
      summary: 'Market development fund claims are now reimbursed within 15 days instead of 45.',
      policyText: 'Section 4.3. Approved MDF claims are paid within 15 days of approval.',
      rationale: realRationale,
      adverse: false,
      effectiveDate: isoDateAfter(await api.now(), 7),
      segment: { by: 'region', regions: ['EMEA'] },
    });
    await api.settle();

    const coverage = await coverageOf(id);
    expect(coverage.status, coverage.text).toBe(200);
    expect(coverage.body).toMatchObject({
      policyChangeId: id,
      status: 'notified',
      noticeVersion: 1,
      targeted: 2,
      notified: 2,
      counts: { ...zeros, delivered: 2 },
    });
    expect(coverage.body.takesEffectAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(coverage.body.rounds).toEqual([
      expect.objectContaining({
        roundId: 'v1-notice',
        kind: 'notice',
        partners: 2,
        completedAt: expect.any(String),
      }),
    ]);

    const recipients = await recipientsOf(id);
    expect(recipients.status, recipients.text).toBe(200);
    expect(recipients.body.cursor).toBeUndefined();
    expect(recipients.body.items.map((item) => [item.partnerId, item.state])).toEqual([
      ['fabrikam-solutions', 'delivered'],
      ['northwind-resellers', 'delivered'],
    ]);
    // What staff see of a partner: its state and the ids of the contacts reached; the contact list and the
    // acknowledgement's network evidence stay in the store.
    expect(recipients.body.items[0]?.deliveredTo?.length).toBeGreaterThan(0);
    for (const item of recipients.body.items) expect(Object.keys(item)).not.toContain('contacts');
  });

  it('answers zeros and no rounds for a change no notice went out for: awaiting approval, then rejected', async () => {
    const id = await submit(
      policyRequest('EMEA', isoDateAfter(await api.now(), 120), {
        adverse: true,
        title: 'MDF claims need proof of performance',
      }),
    );
    const waiting = await coverageOf(id);
    expect(waiting.status, waiting.text).toBe(200);
    expect(waiting.body).toMatchObject({ status: 'awaiting-approval', noticeVersion: 0, targeted: 0 });

    const rejected = await api.request('POST', `/api/policy-changes/${id}/reject`, {
      token: await api.token('approver', POLICY_STAFF.approver),
      json: { comment: 'Not this quarter: the finance team has not budgeted it.' },
    });
    expect(rejected.status, rejected.text).toBe(200);
    await api.settle();
    const coverage = await coverageOf(id);
    expect(coverage.status, coverage.text).toBe(200);
    expect(coverage.body).toEqual({
      policyChangeId: id,
      title: 'MDF claims need proof of performance',
      status: 'rejected',
      noticeVersion: 0,
      targeted: 0,
      counts: zeros,
      notified: 0,
      rounds: [],
    });
    const recipients = await recipientsOf(id);
    expect(recipients.status, recipients.text).toBe(200);
    expect(recipients.body).toEqual({ items: [] });
  });

  it('documents both reads and their answers in the OpenAPI document', async () => {
    const document = await api.request<{
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    }>('GET', '/openapi.json');
    for (const path of ['coverage', 'recipients']) {
      const responses = document.body.paths[`/api/policy-changes/{policyChangeId}/${path}`]?.get?.responses;
      expect(Object.keys(responses ?? {}), path).toEqual(expect.arrayContaining(['200', '400', '404']));
      expect(JSON.stringify(responses?.['200']), path).toContain(path === 'coverage' ? 'notified' : 'cursor');
    }
  });

  it('answers 404 naming an unknown policy change, for the coverage and the partners', async () => {
    for (const response of [await coverageOf('pol_nosuchchange'), await recipientsOf('pol_nosuchchange')]) {
      expect(response.status, response.text).toBe(404);
      expect(response.text).toContain('pol_nosuchchange');
    }
  });
});

describe('the partners of a policy change', () => {
  let id: string;
  let partnerIds: string[];
  const acknowledgedIds = ['anzcov-0003', 'anzcov-0011', 'anzcov-0024'];

  beforeAll(async () => {
    partnerIds = await createRegionPartners(system, { prefix: 'anzcov', region: 'ANZ', count: 30 });
    id = await submit(policyRequest('ANZ', isoDateAfter(await api.now(), 20)));
    await api.settle();
    for (const partnerId of acknowledgedIds) {
      const recipient = await system.deps.policyRecipients.get(id, partnerId);
      await acknowledgeAsPartner(system, recipient!);
    }
  }, 90_000);

  it('pages every partner once, in partner-id order, with the cursor', async () => {
    const pages = await allPages(id, { limit: '7' });
    expect(pages.map((page) => page.items.length)).toEqual([7, 7, 7, 7, 2]);
    expect(pages.flatMap((page) => page.items.map((item) => item.partnerId))).toEqual(partnerIds);
    // Three acknowledged: their network evidence (source IP, user agent) is not part of the list.
    expect(JSON.stringify(pages)).not.toContain('sourceIp');
    const coverage = await coverageOf(id);
    expect(coverage.body).toMatchObject({
      targeted: 30,
      notified: 30,
      counts: { ...zeros, delivered: 27, acknowledged: 3 },
    });
  });

  it('filters by state, paging within the filter, and names a state that is not one', async () => {
    const acknowledged = await allPages(id, { state: 'acknowledged', limit: '2' });
    expect(acknowledged.map((page) => page.items.map((item) => item.partnerId))).toEqual([
      acknowledgedIds.slice(0, 2),
      acknowledgedIds.slice(2),
    ]);
    const delivered = await allPages(id, { state: 'delivered', limit: '10' });
    const deliveredIds = delivered.flatMap((page) => page.items.map((item) => item.partnerId));
    expect(deliveredIds).toEqual(partnerIds.filter((partnerId) => !acknowledgedIds.includes(partnerId)));
    expect(delivered.flatMap((page) => page.items).every((item) => item.state === 'delivered')).toBe(true);
    expect((await recipientsOf(id, { state: 'unreachable' })).body).toEqual({ items: [] });

    const wrong = await recipientsOf(id, { state: 'read' });
    expect(wrong.status).toBe(400);
    expect((wrong.body as unknown as Problem).fields?.[0]).toMatchObject({ field: 'state' });
    expect(wrong.text).toContain('acknowledged');
  });

  it('refuses a cursor it did not issue for this policy change with 400 naming the cursor', async () => {
    const first = await recipientsOf(id, { limit: '5' });
    const forged = [
      'not-a-cursor',
      encodeCursor({ pk: 'policy-change#pol_other', sk: 'recipient#anzcov-0004' })!,
      encodeCursor({ pk: `policy-change#${id}`, sk: 'coverage#v1' })!,
      encodeCursor({ pk: 'x', sk: 'y', gsi1pk: 'z' })!,
    ];
    for (const cursor of forged) {
      const response = await recipientsOf(id, { cursor });
      expect(response.status, cursor).toBe(400);
      expect((response.body as unknown as Problem).fields).toEqual([
        { field: 'cursor', reason: expect.stringContaining('cursor') },
      ]);
    }
    // A cursor of another policy change's partners does not continue this one's.
    const other = await recipientsOf('pol_nosuchchange', { cursor: first.body.cursor! });
    expect(other.status).toBe(400);
  });
});
