import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, dateInWords, isoDateAfter, realRationale } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * A commission cut end to end, over real HTTP against the real local system: DynamoDB Local, the ASL
 * workflow on the local interpreter, the virtual clock. Time only moves when the test advances it.
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

interface Submitted {
  changeId: string;
  status: string;
  earliestEffectiveDate: string;
}

async function submit(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api.request<Submitted & { fields?: { field: string; reason: string }[] }>(
    'POST',
    '/api/commission-changes',
    {
      token: finance,
      json: body,
      headers,
    },
  );
}

async function change(changeId: string) {
  await api.settle();
  const response = await api.request<{ status: string; timeline: { type: string }[]; appliedFrom?: string }>(
    'GET',
    `/api/commission-changes/${changeId}`,
    { token: finance },
  );
  expect(response.status).toBe(200);
  return response.body;
}

async function noticeLinkFor(changeId: string): Promise<string> {
  await api.settle();
  const notice = (await api.outbox()).find(
    (message) => message.changeId === changeId && message.kind === 'notice',
  );
  expect(notice, `notice email for ${changeId}`).toBeDefined();
  return notice!.links[0]!;
}

function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

async function acknowledge(link: string) {
  const url = new URL(link);
  return api.request('POST', `${url.pathname}/acknowledgement`, {
    form: { token: url.searchParams.get('token')! },
  });
}

describe('a commission cut, submitted → approved → notice → acknowledged → applied', () => {
  it('travels the whole way, and GET on the link never acknowledges', async () => {
    const partners = await api.request<{
      partners: { partnerId: string; stage: string; currentRatePct: number }[];
    }>('GET', '/api/partners', { token: finance });
    expect(partners.status).toBe(200);
    expect(new Set(partners.body.partners.map((partner) => partner.stage))).toEqual(
      new Set(['transactional', 'enhanced', 'collaborative', 'partnership']),
    );
    const northwind = partners.body.partners.find((partner) => partner.partnerId === 'northwind-resellers')!;
    expect(northwind.currentRatePct).toBe(12);

    const now = await api.now();
    const effectiveDate = isoDateAfter(now, 31);
    const submitted = await submit({
      partnerId: 'northwind-resellers',
      currentRatePct: 12,
      newRatePct: 11,
      effectiveDate,
      rationale: realRationale,
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body.changeId).toMatch(/^chg_/);
    expect(submitted.body.status).toBe('awaiting-approval');
    expect(submitted.body.earliestEffectiveDate).toBe(isoDateAfter(now, 31));
    const { changeId } = submitted.body;
    // No notice before a second person approves it.
    expect(await api.messagesOf(changeId, ['notice'])).toEqual([]);
    await api.approve(changeId);

    const link = await noticeLinkFor(changeId);
    const notice = (await api.messagesOf(changeId, ['notice']))[0]!;
    expect(notice.to).toEqual([{ name: 'Priya Raman', email: 'priya.raman@northwind.example' }]);
    expect(notice.subject).toContain('12% → 11%');
    expect(notice.text).toContain(realRationale);
    expect(notice.text).toContain(`Takes effect from: ${dateInWords(effectiveDate)}`);
    expect((await change(changeId)).status).toBe('notice-sent');

    // A mail scanner opens the link twice: the page shows the notice and a button, the change does not move,
    // and only the first open is recorded (as opened, maybe by a scanner).
    for (let i = 0; i < 2; i += 1) {
      const page = await api.request('GET', pathOf(link));
      expect(page.status).toBe(200);
      expect(page.text).toContain('Acknowledge this notice');
      expect(page.text).toContain('hardware supplier raised list prices by 9%');
    }
    expect((await change(changeId)).status).toBe('notice-sent');

    const acknowledged = await acknowledge(link);
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.text).toContain('your acknowledgement is recorded');
    const repeat = await acknowledge(link);
    expect(repeat.status).toBe(200);
    expect(repeat.text).toContain('Already recorded');
    await api.settle();
    expect((await change(changeId)).status).toBe('scheduled');

    // The notice period has not run: 20 days later nothing is applied.
    await api.advance(20);
    expect((await change(changeId)).status).toBe('scheduled');
    await api.advance(12);
    const applied = await change(changeId);
    expect(applied.status).toBe('applied');
    expect(applied.appliedFrom).toBe(effectiveDate);
    expect(applied.timeline.map((item) => item.type)).toEqual([
      'change-submitted',
      'approval-recorded',
      'notice-sent',
      'notice-delivered',
      'notice-opened',
      'acknowledgement-recorded',
      'change-applied',
    ]);

    const partner = await api.request<{
      currentRatePct: number;
      rateSchedule: { effectiveFrom: string; ratePct: number }[];
      trust: { ledger: { rule: string }[] };
    }>('GET', '/api/partners/northwind-resellers', { token: finance });
    expect(partner.body.currentRatePct).toBe(11);
    expect(partner.body.rateSchedule.map((entry) => [entry.effectiveFrom, entry.ratePct])).toEqual([
      ['2025-01-01', 12],
      [effectiveDate, 11],
    ]);
    expect(partner.body.trust.ledger.map((event) => event.rule).sort()).toEqual(
      ['commission-cut', 'notice-full-period', 'prompt-acknowledgement'].sort(),
    );

    const compliance = await api.token('compliance', 'carla');
    const audit = await api.request<{
      entries: { type: string; details: Record<string, unknown> }[];
      chain: { intact: boolean };
    }>('GET', `/api/audit?changeId=${changeId}`, { token: compliance });
    expect(audit.status).toBe(200);
    expect(audit.body.chain.intact).toBe(true);
    const ack = audit.body.entries.find((entry) => entry.type === 'acknowledgement-recorded')!;
    expect(ack.details.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ack.details.noticeVersion).toBe(1);
    expect(ack.details.sourceIp).toBeTruthy();

    // Exactly one notice email, however often the page was opened or the button pressed.
    expect(await api.messagesOf(changeId, ['notice'])).toHaveLength(1);
  });
});

describe('the acknowledgement link', () => {
  it('refuses a tampered token (403), a token for another notice (403) and an expired one (410)', async () => {
    const now = await api.now();
    const first = await submit({
      partnerId: 'adventure-works',
      currentRatePct: 10,
      newRatePct: 9.5,
      effectiveDate: isoDateAfter(now, 40),
      rationale: realRationale,
    });
    const second = await submit({
      partnerId: 'contoso-value-partners',
      currentRatePct: 15,
      newRatePct: 14,
      effectiveDate: isoDateAfter(now, 50),
      rationale: realRationale,
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    await api.approve(first.body.changeId);
    await api.approve(second.body.changeId);
    const link = new URL(await noticeLinkFor(first.body.changeId));
    const otherLink = new URL(await noticeLinkFor(second.body.changeId));
    const token = link.searchParams.get('token')!;

    const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    const tampered = await api.request('GET', `${link.pathname}?token=${encodeURIComponent(flipped)}`);
    expect(tampered.status).toBe(403);
    expect(tampered.text).toContain('This link is not valid');

    const foreign = await api.request('GET', `${link.pathname}?token=${otherLink.searchParams.get('token')}`);
    expect(foreign.status).toBe(403);
    expect(foreign.text).toContain('another notice');
    const foreignPost = await api.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: otherLink.searchParams.get('token')! },
    });
    expect(foreignPost.status).toBe(403);
    expect((await change(first.body.changeId)).status).toBe('notice-sent');

    // Nothing was acknowledged: the cut is held at its date, never applied. Far past its links' lifetime
    // they expire.
    await api.advance(200);
    expect((await change(first.body.changeId)).status).toBe('held');
    const expired = await api.request('GET', `${link.pathname}${link.search}`);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('expired');
    const expiredPost = await acknowledge(link.toString());
    expect(expiredPost.status).toBe(410);
  });
});
