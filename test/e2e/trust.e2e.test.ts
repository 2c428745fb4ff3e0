import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { partnerTrustSchema, portfolioRowSchema } from '../../functions/trust/schemas.ts';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { runPcn } from '../support/cli.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The trust routes over real HTTP on the real local engines: a cut travels the lifecycle on the virtual
 * clock, and the partner's explained score, its past and re-priced scores, the portfolio (read from the
 * materialized summaries), its CSV and the per-stage health all move with it and agree with each other.
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

/** The answers as the routes declare them (functions/trust/schemas.ts). */
type PartnerTrust = z.infer<typeof partnerTrustSchema>;
type PortfolioRow = z.infer<typeof portfolioRowSchema>;

const partnerId = 'northwind-resellers';

const trust = (query = '') =>
  api.request<PartnerTrust & { fields?: { field: string }[] }>(
    'GET',
    `/api/partners/${partnerId}/trust${query}`,
    { token: finance },
  );

async function portfolio(): Promise<PortfolioRow[]> {
  const answer = await api.request<{ partners: PortfolioRow[] }>('GET', '/api/trust/portfolio?limit=500', {
    token: finance,
  });
  expect(answer.status).toBe(200);
  return answer.body.partners;
}

describe('the trust routes', () => {
  it('explain a cut’s points as it travels, and the portfolio, its CSV and the health agree', {
    timeout: 90_000,
  }, async () => {
    const start = await api.now();
    const before = await trust();
    expect(before.status).toBe(200);
    expect(before.body.contributions).toEqual([]);
    expect(before.body.score).toBe(before.body.startingScore);
    const rowsBefore = await portfolio();
    expect(rowsBefore.map((row) => row.score)).toEqual(
      [...rowsBefore.map((row) => row.score)].sort((a, b) => a - b),
    );

    const { changeId, link } = await api.approvedCut(finance, partnerId, 12, 31);
    await api.settle();
    const pending = await trust();
    expect(pending.body.openChanges.map((change) => change.changeId)).toContain(changeId);

    const acknowledged = await api.acknowledgeLink(link);
    expect(acknowledged.status).toBe(200);
    await api.advance(32);
    await api.settle();

    const after = await trust();
    expect(after.status).toBe(200);
    const rules = after.body.contributions.map((item) => item.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['prompt-acknowledgement', 'commission-cut', 'notice-full-period']),
    );
    const cut = after.body.contributions.find((item) => item.rule === 'commission-cut')!;
    expect(cut.source).toEqual({ type: 'change-applied', id: changeId });
    expect(cut.points).toBeLessThan(0);
    // The score is the starting score plus every contribution's points now, and the chart ends on it.
    const sum = after.body.contributions.reduce((total, item) => total + item.pointsNow, 0);
    expect(after.body.score).toBeCloseTo(after.body.startingScore + sum, 1);
    expect(after.body.history.at(-1)?.score).toBe(after.body.score);
    expect(after.body.history.some((point) => point.eventIds.length > 0)).toBe(true);
    expect(after.body.openChanges.map((change) => change.changeId)).not.toContain(changeId);

    // The score on the day before the submission had none of it; v2 prices the cut harder.
    const past = await trust(`?at=${isoDateAfter(start, -1)}`);
    expect(past.status).toBe(200);
    expect(past.body.contributions).toEqual([]);
    const v2 = await trust('?version=v2');
    expect(v2.body.rulesVersion).toBe('v2');
    expect(v2.body.contributions.find((item) => item.rule === 'commission-cut')!.points).toBeLessThan(
      cut.points,
    );

    // A future day and an unknown version are refused, naming the field.
    const future = await trust(`?at=${isoDateAfter(await api.now(), 2)}`);
    expect(future.status).toBe(400);
    expect(future.body.fields?.map((field) => field.field)).toEqual(['at']);
    const unknown = await trust('?version=v9');
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields?.map((field) => field.field)).toEqual(['version']);

    // The portfolio reads the materialized summary: the same score as the recompute from the ledger.
    const rows = await portfolio();
    const row = rows.find((item) => item.partnerId === partnerId)!;
    expect(row.score).toBe(after.body.score);
    expect(row.lastChangeAt).not.toBeNull();
    expect(rows.length).toBe(rowsBefore.length);

    const csv = await api.request('GET', '/api/trust/portfolio.csv', { token: finance });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('partnerId,name,stage,score,lastChangeAt,openDisputes');
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines.find((line) => line.startsWith(`${partnerId},`))).toContain(`,${row.score},`);

    const health = await api.request<{
      stages: { stage: string; partners: number; noticeKeptPct: number | null }[];
    }>('GET', '/api/trust/health', { token: finance });
    expect(health.status).toBe(200);
    expect(health.body.stages.map((stage) => stage.stage)).toEqual([
      'transactional',
      'enhanced',
      'collaborative',
      'partnership',
    ]);
    expect(health.body.stages.reduce((total, stage) => total + stage.partners, 0)).toBe(rows.length);
    expect(health.body.stages.some((stage) => stage.noticeKeptPct === 100)).toBe(true);

    // pcn trust prints the same score as a table, a row per ledger event.
    const printed = await runPcn(system.baseUrl, 'trust', partnerId);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(`trust ${after.body.score} on`);
    for (const rule of rules) expect(printed.stdout).toContain(rule);
    // And a dry run from the terminal shows the forecast before → after, recording nothing.
    const preview = await runPcn(
      system.baseUrl,
      'reassign',
      partnerId,
      '--to',
      'rita',
      '--on',
      '+60',
      '--rationale',
      realRationale,
      '--dry-run',
    );
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(new RegExp(`trust ${after.body.score} → \\d+(\\.\\d)? on the apply date`));
    expect(preview.stdout).toContain('nothing recorded');
    const refused = await runPcn(system.baseUrl, 'trust', partnerId, '--version', 'v9');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('version');
  });
});
