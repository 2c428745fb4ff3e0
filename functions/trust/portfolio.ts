import type { RelationshipStage } from '../domain/relationship-stage.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';

/**
 * The portfolio and relationship-health views, pure: the route reads the partners (one scan) and the
 * materialized trust summaries (one scan of TrustScores) and joins them here, so neither view ever reads a
 * partner's ledger. What a summary holds is the contract's TrustScores item; only the fields these views use
 * are named, so the store's item satisfies it as it is.
 */
export interface PortfolioSummary {
  partnerId: string;
  lastChangeAt?: string;
  openDisputes: number;
  disputesRaised: number;
  disputesResolved: number;
  adverseApplied: number;
  adverseWithFullNotice: number;
}

export interface PortfolioPartner {
  partnerId: string;
  name: string;
  stage: RelationshipStage;
}

export interface PortfolioRow {
  partnerId: string;
  name: string;
  stage: RelationshipStage;
  score: number;
  lastChangeAt: string | null;
  openDisputes: number;
}

export interface StageHealth {
  stage: RelationshipStage;
  partners: number;
  /** Null when the stage has no partner: there is nothing to average. */
  averageScore: number | null;
  /** Adverse changes applied with the full notice period, of all adverse changes applied; null when none. */
  noticeKeptPct: number | null;
  /** Disputes resolved, of all disputes raised; null when none was raised. */
  disputesResolvedPct: number | null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const pct = (part: number, whole: number) => (whole === 0 ? null : round1((part / whole) * 100));

/**
 * Every partner with its score, the ones needing care first (lowest score; ties by name, then id, so pages
 * are stable). A partner without a summary has no trust event yet: it scores what `scoreOf` says of none.
 */
export function portfolioRows(
  partners: Iterable<PortfolioPartner>,
  summaries: ReadonlyMap<string, PortfolioSummary>,
  scoreOf: (summary: PortfolioSummary | undefined) => number,
): PortfolioRow[] {
  const rows: PortfolioRow[] = [];
  for (const partner of partners) {
    const summary = summaries.get(partner.partnerId);
    rows.push({
      partnerId: partner.partnerId,
      name: partner.name,
      stage: partner.stage,
      score: scoreOf(summary),
      lastChangeAt: summary?.lastChangeAt ?? null,
      openDisputes: summary?.openDisputes ?? 0,
    });
  }
  return rows.sort(
    (a, b) => a.score - b.score || a.name.localeCompare(b.name) || a.partnerId.localeCompare(b.partnerId),
  );
}

/** Relationship health per stage, every stage listed (an empty stage has nulls, never a division by zero). */
export function relationshipHealth(
  rows: readonly PortfolioRow[],
  summaries: ReadonlyMap<string, PortfolioSummary>,
): StageHealth[] {
  return relationshipStages.map((stage) => {
    const inStage = rows.filter((row) => row.stage === stage);
    let raised = 0;
    let resolved = 0;
    let adverse = 0;
    let kept = 0;
    for (const row of inStage) {
      const summary = summaries.get(row.partnerId);
      if (!summary) continue;
      raised += summary.disputesRaised;
      resolved += summary.disputesResolved;
      adverse += summary.adverseApplied;
      kept += summary.adverseWithFullNotice;
    }
    return {
      stage,
      partners: inStage.length,
      averageScore:
        inStage.length === 0
          ? null
          : round1(inStage.reduce((sum, row) => sum + row.score, 0) / inStage.length),
      noticeKeptPct: pct(kept, adverse),
      disputesResolvedPct: pct(resolved, raised),
    };
  });
}

export const PORTFOLIO_CSV_COLUMNS = [
  'partnerId',
  'name',
  'stage',
  'score',
  'lastChangeAt',
  'openDisputes',
] as const;

/**
 * One CSV field (RFC 4180: quoted when it holds a comma, quote or line break). A field a spreadsheet would
 * run as a formula (=, +, -, @, tab, CR first) is prefixed with ' so a partner's name never executes.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The portfolio as CSV: a header row, then one row per partner, in the portfolio's order, CRLF line ends. */
export function portfolioCsv(rows: readonly PortfolioRow[]): string {
  const lines = [PORTFOLIO_CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(PORTFOLIO_CSV_COLUMNS.map((column) => csvField(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A page of the sorted portfolio: the cursor is the index of the next row (the order is total). */
export function portfolioPage<T>(rows: readonly T[], start: number, limit: number) {
  const items = rows.slice(start, start + limit);
  const next = start + items.length;
  return { items, next: next < rows.length ? next : undefined };
}
