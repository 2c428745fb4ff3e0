import { describe, expect, it } from 'vitest';
import {
  type PortfolioSummary,
  portfolioCsv,
  portfolioPage,
  portfolioRows,
  relationshipHealth,
} from '../../functions/trust/portfolio.ts';

const summary = (partnerId: string, extra: Partial<PortfolioSummary> = {}): PortfolioSummary => ({
  partnerId,
  openDisputes: 0,
  disputesRaised: 0,
  disputesResolved: 0,
  adverseApplied: 0,
  adverseWithFullNotice: 0,
  ...extra,
});

const scores: Record<string, number> = { a: 62, b: 38, c: 50 };
const partners = [
  { partnerId: 'a', name: 'Acme', stage: 'partnership' as const },
  { partnerId: 'b', name: 'Bolt', stage: 'partnership' as const },
  { partnerId: 'c', name: 'Cyan', stage: 'transactional' as const },
];
const summaries = new Map([
  [
    'a',
    summary('a', { adverseApplied: 2, adverseWithFullNotice: 1, disputesRaised: 1, disputesResolved: 1 }),
  ],
  ['b', summary('b', { openDisputes: 1, disputesRaised: 1, lastChangeAt: '2026-11-02T00:00:00.000Z' })],
]);

describe('the trust portfolio', () => {
  const rows = portfolioRows(partners, summaries, (item) => (item ? scores[item.partnerId]! : 50));

  it('lists the partners needing care first (lowest score), a partner without events at the starting score', () => {
    expect(rows.map((row) => [row.partnerId, row.score])).toEqual([
      ['b', 38],
      ['c', 50],
      ['a', 62],
    ]);
    expect(rows[0]).toMatchObject({ openDisputes: 1, lastChangeAt: '2026-11-02T00:00:00.000Z' });
    expect(rows[1]).toMatchObject({ openDisputes: 0, lastChangeAt: null });
  });

  it('sums health per stage: average score, notice kept and disputes resolved, null where nothing divides', () => {
    const health = relationshipHealth(rows, summaries);
    expect(health.find((item) => item.stage === 'partnership')).toEqual({
      stage: 'partnership',
      partners: 2,
      averageScore: 50,
      noticeKeptPct: 50,
      disputesResolvedPct: 50,
    });
    expect(health.find((item) => item.stage === 'transactional')).toMatchObject({
      partners: 1,
      noticeKeptPct: null,
      disputesResolvedPct: null,
    });
    expect(health.find((item) => item.stage === 'enhanced')).toMatchObject({
      partners: 0,
      averageScore: null,
    });
  });

  it('exports CSV with quoted fields and no formula a spreadsheet would run', () => {
    const csv = portfolioCsv([
      {
        partnerId: 'x',
        name: 'Smith, "Jo"',
        stage: 'enhanced',
        score: 41.5,
        lastChangeAt: null,
        openDisputes: 0,
      },
      {
        partnerId: 'y',
        name: '=HYPERLINK("x")',
        stage: 'enhanced',
        score: 42,
        lastChangeAt: null,
        openDisputes: 2,
      },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'partnerId,name,stage,score,lastChangeAt,openDisputes',
      'x,"Smith, ""Jo""",enhanced,41.5,,0',
      `y,"'=HYPERLINK(""x"")",enhanced,42,,2`,
      '',
    ]);
  });

  it('pages the sorted rows without losing or repeating one', () => {
    const all = Array.from({ length: 7 }, (_, i) => i);
    const seen: number[] = [];
    let start: number | undefined = 0;
    while (start !== undefined) {
      const page: { items: number[]; next: number | undefined } = portfolioPage(all, start, 3);
      seen.push(...page.items);
      start = page.next;
    }
    expect(seen).toEqual(all);
  });
});
