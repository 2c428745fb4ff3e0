import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { healthSchema, portfolioSchema } from '../../functions/trust/schemas.ts';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The trust portfolio and relationship health over real HTTP, on numbers the lifecycle itself produced: a cut
 * applied with its full notice, a concern raised and answered. Each figure is read before and after, so the
 * test says how each step moves it.
 */
type Portfolio = z.infer<typeof portfolioSchema>;
type Health = z.infer<typeof healthSchema>;

let system: LocalSystem;
let api: ApiClient;
let finance: string;
let viewer: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  viewer = await api.token('approver', 'amara');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

async function wholePortfolio(query = ''): Promise<Portfolio['partners']> {
  const rows: Portfolio['partners'] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await api.request<Portfolio>(
      'GET',
      `/api/trust/portfolio?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`,
      { token: viewer },
    );
    expect(answer.status, answer.text).toBe(200);
    rows.push(...answer.body.partners);
    cursor = answer.body.cursor;
    if (!cursor) return rows;
  }
  throw new Error('the portfolio never ended');
}

const rowOf = async (partnerId: string) =>
  (await wholePortfolio()).find((row) => row.partnerId === partnerId)!;

async function healthOf(stage: string) {
  const answer = await api.request<Health>('GET', '/api/trust/health', { token: viewer });
  expect(answer.status, answer.text).toBe(200);
  return answer.body.stages.find((item) => item.stage === stage)!;
}

async function partnerScore(partnerId: string): Promise<number> {
  const answer = await api.request<{ trust: { score: number } }>('GET', `/api/partners/${partnerId}`, {
    token: viewer,
  });
  return answer.body.trust.score;
}

const approvedCut = (partnerId: string, currentRatePct: number, days: number) =>
  api.approvedCut(finance, partnerId, currentRatePct, days);

describe('the trust portfolio', () => {
  it('lists every partner once, lowest score first, each score the one its partner page shows', async () => {
    const rows = await wholePortfolio();
    expect(new Set(rows.map((row) => row.partnerId)).size).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((row) => row.score)).toEqual([...rows.map((row) => row.score)].sort((a, b) => a - b));
    for (const row of rows.slice(0, 3)) expect(row.score).toBe(await partnerScore(row.partnerId));
  });

  it('a cut applied with its full notice: the partner has a last change, and its stage keeps notice 100 %', async () => {
    const before = await rowOf('northwind-resellers');
    const { changeId, link } = await approvedCut('northwind-resellers', 12, 31);
    const acknowledged = await api.acknowledgeLink(link);
    expect(acknowledged.status).toBe(200);
    await api.advance(33);
    await api.settle();
    const view = await api.view(changeId, finance);
    expect(view.status).toBe('applied');
    const after = await rowOf('northwind-resellers');
    expect(after.lastChangeAt).not.toBeNull();
    expect(after.lastChangeAt).not.toBe(before.lastChangeAt);
    expect(after.score).toBe(await partnerScore('northwind-resellers'));
    const health = await healthOf(after.stage);
    expect(health.noticeKeptPct).toBe(100);
  });

  it('a concern raised opens a dispute on the row; answered, it closes and the stage counts it resolved', async () => {
    const { changeId, link } = await approvedCut('contoso-value-partners', 15, 46);
    const concern = await api.request('POST', `${link.pathname}/concern`, {
      form: { token: link.searchParams.get('token')!, comment: 'This cut hurts three open deals.' },
    });
    expect(concern.status).toBe(200);
    await api.settle();
    const disputed = await rowOf('contoso-value-partners');
    expect(disputed.openDisputes).toBe(1);
    const stage = disputed.stage;
    expect((await healthOf(stage)).disputesResolvedPct).toBe(0);
    const resolved = await api.request('POST', `/api/changes/${changeId}/dispute-resolution`, {
      token: await api.token('partner-manager', 'luis'),
      json: { outcome: 'upheld', answer: 'We checked: the deals were booked before the date and keep 15%.' },
    });
    expect(resolved.status, resolved.text).toBe(200);
    await api.settle();
    const answered = await rowOf('contoso-value-partners');
    expect(answered.openDisputes).toBe(0);
    // The written answer is credited (dispute-answered, positive points): the score rises.
    expect(answered.score).toBeGreaterThan(disputed.score);
    expect((await healthOf(stage)).disputesResolvedPct).toBe(100);
  });

  it('filters by stage, and the CSV holds the same rows in the same order', async () => {
    const rows = await wholePortfolio();
    const stage = rows[0]!.stage;
    const ofStage = await wholePortfolio(`&stage=${stage}`);
    expect(ofStage).toEqual(rows.filter((row) => row.stage === stage));
    const file = await api.request('GET', '/api/trust/portfolio.csv', { token: viewer });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('text/csv');
    const lines = file.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('partnerId,name,stage,score,lastChangeAt,openDisputes');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(rows.map((row) => row.partnerId));
  });

  it('refuses a cursor it never issued, naming the field', async () => {
    const answer = await api.request<{ fields: { field: string }[] }>(
      'GET',
      '/api/trust/portfolio?cursor=not-a-cursor',
      { token: viewer },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.fields.map((item) => item.field)).toEqual(['cursor']);
  });
});
