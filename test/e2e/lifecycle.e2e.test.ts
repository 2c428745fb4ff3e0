import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import {
  type ApiClient,
  type ChangeView,
  dateInWords,
  isoDateAfter,
  realRationale,
} from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The notice lifecycle's rules over real HTTP on the real local engines (DynamoDB Local, the ASL on the local
 * Step Functions runtime, the virtual clock): each scenario as the people involved would live it.
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let manager: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  manager = await api.token('partner-manager', 'dana');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

async function submit(body: Record<string, unknown>) {
  const response = await api.request<{ changeId: string; status: string; conflictingChangeId?: string }>(
    'POST',
    '/api/commission-changes',
    { token: finance, json: { rationale: realRationale, ...body } },
  );
  return response;
}

async function submitted(body: Record<string, unknown>): Promise<string> {
  const response = await submit(body);
  expect(response.status, response.text).toBe(201);
  return response.body.changeId;
}

async function view(changeId: string): Promise<ChangeView & Record<string, unknown>> {
  await api.settle();
  return api.view(changeId, finance);
}

/** A contact's link on the newest notice email of the change. */
async function noticeLink(changeId: string, kinds: string[] = ['notice']): Promise<URL> {
  const messages = await api.messagesOf(changeId, kinds);
  expect(messages.length, `notice emails of ${changeId}`).toBeGreaterThan(0);
  return new URL(messages.at(-1)!.links[0]!);
}

async function acknowledge(link: URL) {
  const response = await api.request('POST', `${link.pathname}/acknowledgement`, {
    form: { token: link.searchParams.get('token')! },
  });
  expect(response.status, response.text).toBe(200);
  await api.settle();
}

async function raiseConcern(
  link: URL,
  comment = 'We closed three deals at this rate last week; this cut hurts them.',
) {
  const response = await api.request('POST', `${link.pathname}/concern`, {
    form: { token: link.searchParams.get('token')!, comment },
  });
  await api.settle();
  return response;
}

describe('maker-checker approval', () => {
  it('refuses self-approval (403, audited); an unapproved cut never notifies the partner, however long it waits, and expires', async () => {
    const now = await api.now();
    const changeId = await submitted({
      partnerId: 'northwind-resellers',
      currentRatePct: 12,
      newRatePct: 11,
      effectiveDate: isoDateAfter(now, 40),
    });
    const approverFiona = await api.token('approver', 'fiona');
    const self = await api.request<{ error: string }>('POST', `/api/changes/${changeId}/approval`, {
      token: approverFiona,
      json: { decision: 'approve', comment: 'Approving my own change' },
    });
    expect(self.status).toBe(403);
    expect(self.body.error).toBe('self-approval');
    const audit = await api.request<{ entries: { type: string; actor: string }[] }>(
      'GET',
      `/api/audit?changeId=${changeId}`,
      {
        token: await api.token('compliance', 'carla'),
      },
    );
    expect(audit.body.entries.map((entry) => [entry.type, entry.actor])).toContainEqual([
      'self-approval-refused',
      'fiona',
    ]);

    await api.advance(6);
    expect(await api.messagesOf(changeId, ['notice'])).toEqual([]);
    expect((await view(changeId)).openTasks).toEqual([
      expect.objectContaining({ task: 'approve', who: 'an approver other than the submitter' }),
    ]);
    await api.advance(1);
    expect((await view(changeId)).status).toBe('approval-expired');
    expect(await api.messagesOf(changeId, ['notice'])).toEqual([]);
  });
});

describe('consultation and the notice period counted from delivery', () => {
  it('sends a collaborative partner’s notice only after the recorded call, and moves the apply date out, saying why', async () => {
    const now = await api.now();
    const effectiveDate = isoDateAfter(now, 61);
    const changeId = await submitted({
      partnerId: 'fabrikam-solutions',
      currentRatePct: 18,
      newRatePct: 17,
      effectiveDate,
    });
    await api.approve(changeId);
    expect((await view(changeId)).status).toBe('awaiting-consultation');
    await api.advance(5);
    expect(await api.messagesOf(changeId, ['notice'])).toEqual([]);
    const recorded = await api.request('POST', `/api/changes/${changeId}/consultation`, {
      token: await api.token('partner-manager', 'aisha'),
      json: {
        heldOn: isoDateAfter(await api.now(), 0),
        participants: ['Jonas Berg', 'Aisha Mensah'],
        summary:
          'Walked Jonas through the supplier price rise; he asked for the storage bundle rates in writing.',
      },
    });
    expect(recorded.status, recorded.text).toBe(200);
    const sent = await view(changeId);
    expect(sent.status).toBe('notice-sent');
    expect(sent.applyAt! > `${effectiveDate}T00:00:00.000Z`).toBe(true);
    expect(sent.applyAtReason).toMatch(
      /Moved from .* the notice reached the partner on .* counts from delivery/,
    );
    const [notice] = await api.messagesOf(changeId, ['notice']);
    expect(notice!.subject).toContain(`from ${dateInWords(sent.applyAt!.slice(0, 10))}`);
    expect(notice!.text).toMatch(/moved so you get the full notice period/);
  });
});

describe('disputes over the notice page', () => {
  async function disputedCut(partnerId: string, currentRatePct: number, days = 46, product?: string) {
    const changeId = await submitted({
      partnerId,
      currentRatePct,
      newRatePct: currentRatePct - 1,
      effectiveDate: isoDateAfter(await api.now(), days),
      ...(product ? { scope: { products: [product] } } : {}),
    });
    await api.approve(changeId);
    const link = await noticeLink(changeId);
    const concern = await raiseConcern(link);
    expect(concern.status).toBe(200);
    expect(concern.text).toContain('your concern is recorded');
    const change = await view(changeId);
    expect(change.status).toBe('disputed');
    return { changeId, link };
  }

  it('upheld: the answer reaches the partner, and the cut resumes where it was', async () => {
    const { changeId, link } = await disputedCut('contoso-value-partners', 15);
    const page = await api.request('GET', `${link.pathname}${link.search}`);
    expect(page.text).toContain('Your concern is being handled');
    const resolved = await api.request('POST', `/api/changes/${changeId}/dispute-resolution`, {
      token: await api.token('partner-manager', 'luis'),
      json: {
        outcome: 'upheld',
        answer: 'We checked: the three deals were booked before the date, so they keep 15%.',
      },
    });
    expect(resolved.status, resolved.text).toBe(200);
    expect((await view(changeId)).status).toBe('notice-sent');
    const answers = await api.messagesOf(changeId, ['dispute-answer']);
    expect(answers.map((message) => message.to[0]!.email).sort()).toEqual([
      'maya.chen@contoso.example',
      'tom.becker@contoso.example',
    ]);
    await acknowledge(link);
    expect((await view(changeId)).status).toBe('scheduled');
  });

  it('revised worse: a v2 notice restarts the period; better: a v2 keeps the date; withdrawn: the partner is told', async () => {
    // Worse, announced with the bare minimum so the restart must move the date.
    const worse = await disputedCut('northwind-resellers', 12, 31);
    const before = (await view(worse.changeId)).applyAt!;
    await api.advance(3);
    const revised = await api.request('POST', `/api/changes/${worse.changeId}/dispute-resolution`, {
      token: manager,
      json: {
        outcome: 'revised',
        answer:
          'We could not keep the rate, but we narrowed the cut to resale only; services keep their bonus.',
        revision: { newRatePct: 10.5 },
        rationale: `${realRationale} The revision narrows it to resale only.`,
      },
    });
    expect(revised.status, revised.text).toBe(200);
    const v2 = await view(worse.changeId);
    expect(v2).toMatchObject({ status: 'notice-sent', noticeId: `${worse.changeId}-v2` });
    expect(v2.applyAt! > before).toBe(true);
    // The first notice's page now says it was replaced; its button no longer acknowledges anything.
    const old = await api.request('POST', `${worse.link.pathname}/acknowledgement`, {
      form: { token: worse.link.searchParams.get('token')! },
    });
    expect(old.status).toBe(409);
    expect(old.text).toContain('This notice has been replaced');

    // Better: the date stays.
    const better = await disputedCut('adventure-works', 10);
    const announced = (await view(better.changeId)).applyAt;
    await api.request('POST', `/api/changes/${better.changeId}/dispute-resolution`, {
      token: manager,
      json: {
        outcome: 'revised',
        answer: 'You convinced us about the timing: we halve the cut and keep the date you were given.',
        revision: { newRatePct: 9.5 },
        rationale: realRationale,
      },
    });
    expect(await view(better.changeId)).toMatchObject({
      status: 'notice-sent',
      applyAt: announced,
      noticeId: `${better.changeId}-v2`,
    });

    // Withdrawn: everyone notified is told.
    const withdrawn = await disputedCut('contoso-value-partners', 15, 46, 'withdrawn');
    const outcome = await api.request('POST', `/api/changes/${withdrawn.changeId}/dispute-resolution`, {
      token: manager,
      json: {
        outcome: 'withdrawn',
        answer: 'Your joint-plan numbers convinced us: the change is withdrawn for this year.',
      },
    });
    expect(outcome.status, outcome.text).toBe(200);
    expect((await view(withdrawn.changeId)).status).toBe('withdrawn');
    expect((await api.messagesOf(withdrawn.changeId, ['withdrawal'])).map((m) => m.to[0]!.email)).toContain(
      'maya.chen@contoso.example',
    );
  }, 60_000);
});

describe('withdrawal, overlapping changes and the rate schedule', () => {
  it('refuses a second pending change for the same partner and scope with 409 naming the first; withdrawal tells everyone and frees it', async () => {
    const now = await api.now();
    const base = { partnerId: 'contoso-value-partners', currentRatePct: 15, scope: { products: ['edge'] } };
    const first = await submitted({ ...base, newRatePct: 14, effectiveDate: isoDateAfter(now, 50) });
    await api.approve(first);
    const second = await submit({ ...base, newRatePct: 13, effectiveDate: isoDateAfter(now, 60) });
    expect(second.status).toBe(409);
    expect(second.body.conflictingChangeId).toBe(first);
    const withdrawn = await api.request<{ notified: number }>('POST', `/api/changes/${first}/withdrawal`, {
      token: finance,
      json: { reason: 'The supplier reversed its price rise this morning.' },
    });
    expect(withdrawn.status).toBe(200);
    const told = await api.messagesOf(first, ['withdrawal']);
    expect(told.map((message) => message.to[0]!.email).sort()).toEqual([
      'luis.ortega@vendor.example',
      'maya.chen@contoso.example',
      'tom.becker@contoso.example',
    ]);
    expect(told[0]!.text).toContain('The supplier reversed its price rise this morning.');
    expect((await submit({ ...base, newRatePct: 13, effectiveDate: isoDateAfter(now, 60) })).status).toBe(
      201,
    );
  });

  it('a sale booked before the effective date keeps the old rate; one booked from it gets the new one', async () => {
    const now = await api.now();
    const effectiveDate = isoDateAfter(now, 31);
    const changeId = await submitted({
      partnerId: 'adventure-works',
      currentRatePct: 10,
      newRatePct: 8,
      effectiveDate,
      scope: { products: ['storage'] },
    });
    await api.approve(changeId);
    await acknowledge(await noticeLink(changeId));
    await api.advance(32);
    expect((await view(changeId)).status).toBe('applied');
    const rateOn = async (bookedOn: string, product?: string) =>
      (
        await api.request<{ ratePct: number }>(
          'GET',
          `/api/partners/adventure-works/rate?bookedOn=${bookedOn}${product ? `&product=${product}` : ''}`,
          { token: finance },
        )
      ).body.ratePct;
    expect(await rateOn(isoDateAfter(now, 30), 'storage')).toBe(10);
    expect(await rateOn(effectiveDate, 'storage')).toBe(8);
    expect(await rateOn(effectiveDate, 'edge')).toBe(10);
    expect(await rateOn(effectiveDate)).toBe(10);
  });

  it('lists changes with filters and a cursor, each with its next deadline', async () => {
    const first = await api.request<{
      items: { changeId: string; status: string; nextDeadline?: unknown }[];
      cursor?: string;
    }>('GET', '/api/commission-changes?limit=2', { token: finance });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.cursor).toBeDefined();
    const second = await api.request<{ items: { changeId: string }[] }>(
      'GET',
      `/api/commission-changes?limit=2&cursor=${first.body.cursor}`,
      { token: finance },
    );
    expect(second.body.items.map((item) => item.changeId)).not.toContain(first.body.items[0]!.changeId);
    const held = await api.request<{ items: { status: string }[] }>(
      'GET',
      '/api/commission-changes?status=approval-expired',
      {
        token: finance,
      },
    );
    expect(held.body.items.length).toBeGreaterThan(0);
    expect(new Set(held.body.items.map((item) => item.status))).toEqual(new Set(['approval-expired']));
    const bad = await api.request<{ fields: { field: string }[] }>(
      'GET',
      '/api/commission-changes?cursor=not-ours',
      { token: finance },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0]!.field).toBe('cursor');
  });
});
