import * as z from 'zod';
import type { Dependencies } from '../dependencies.ts';
import { DAY_MS, parseIsoDate, startOfUtcDay } from '../domain/calendar.ts';
import { isDisputeOpen } from '../domain/change.ts';
import {
  currentTrustRules,
  scoreFromSummary,
  type TrustRuleSet,
  trustHistory,
  trustRuleSet,
  trustRuleSets,
  trustScoreAt,
} from '../domain/trust-rules.ts';
import { csv, json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idText } from '../http/schemas.ts';
import { kindOf } from '../notices/change-kind.ts';
import { clientErrors, staff } from '../notices/routes.ts';
import {
  type PortfolioSummary,
  portfolioCsv,
  portfolioPage,
  portfolioRows,
  relationshipHealth,
} from './portfolio.ts';
import {
  healthSchema,
  partnerTrustQuerySchema,
  partnerTrustSchema,
  portfolioQuerySchema,
  portfolioSchema,
} from './schemas.ts';

const csvQuerySchema = portfolioQuerySchema.pick({ stage: true }).strict();

/**
 * Every partner with its score now, lowest first: one scan of the partners' headlines and one of the
 * materialized summaries (TrustScores), never a partner's ledger. A summary priced under another rules
 * version than the current one is recomputed from its ledger (only after a change of rules).
 */
async function portfolio(deps: Dependencies, now: Date) {
  const [partners, summaries] = await Promise.all([deps.partners.headlines(), deps.trust.summaries()]);
  const byPartner = new Map<string, PortfolioSummary>(
    summaries.map((summary) => [summary.partnerId, summary]),
  );
  // One score per summary: from the summary itself under the current rules, else recomputed from its ledger.
  const scores = new Map<string, number>();
  for (const summary of summaries)
    scores.set(
      summary.partnerId,
      scoreFromSummary(summary, now)?.score ??
        trustScoreAt(await deps.trust.ledger(summary.partnerId), now).score,
    );
  const rows = portfolioRows(
    partners,
    byPartner,
    (summary) => (summary && scores.get(summary.partnerId)) ?? currentTrustRules.startingScore,
  );
  return { rows, byPartner };
}

/** The end of a calendar day (its last millisecond): "the score on 2026-03-01" counts that day's events. */
const endOfDay = (date: Date) => new Date(startOfUtcDay(date).getTime() + DAY_MS - 1);

/** How far back the chart starts: the first event, or a year back for a partner without one. */
function historyFrom(first: string | undefined, at: Date): Date {
  return first ? startOfUtcDay(new Date(first)) : new Date(at.getTime() - 365 * DAY_MS);
}

export const trustRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/partners/{partnerId}/trust',
    roles: staff,
    tag: 'trust',
    summary:
      'A partner’s trust score explained: every contributing ledger event with its points now, the score over time, open changes and disputes (?at= a past day, ?version= other rules)',
    params: z.object({ partnerId: idText.describe('The partner id.') }),
    query: partnerTrustQuerySchema,
    responses: {
      200: { description: 'The score and what it is made of', schema: partnerTrustSchema },
      ...clientErrors,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
    },
    handle: async (deps, { params, query }) => {
      const now = deps.clock.now();
      const day = query.at === undefined ? undefined : parseIsoDate(query.at);
      if (day && startOfUtcDay(day).getTime() > now.getTime())
        return problem(400, 'invalid-request', 'at must not be after today.', {
          fields: [{ field: 'at', reason: 'must not be after today' }],
        });
      const partner = await deps.partners.get(params.partnerId);
      if (!partner) return problem(404, 'not-found', `No partner ${params.partnerId}.`);
      const at = day && endOfDay(day).getTime() < now.getTime() ? endOfDay(day) : now;
      const ruleSet: TrustRuleSet = (query.version && trustRuleSet(query.version)) || currentTrustRules;
      const [ledger, open] = await Promise.all([
        deps.trust.ledger(partner.partnerId),
        deps.changes.openOfPartner(partner.partnerId),
      ]);
      const explained = trustScoreAt(ledger, at, ruleSet);
      return json(200, {
        partnerId: partner.partnerId,
        name: partner.name,
        stage: partner.stage,
        at: explained.at,
        rulesVersion: ruleSet.version,
        rulesVersions: Object.keys(trustRuleSets),
        startingScore: ruleSet.startingScore,
        score: explained.score,
        contributions: explained.contributions,
        history: trustHistory(ledger, historyFrom(ledger[0]?.at, at), at, ruleSet),
        openChanges: open.map((change) => ({
          changeId: change.changeId,
          kind: change.kind,
          status: change.status,
          summary: kindOf(deps, change.kind).describe(change.terms),
          effectiveDate: change.effectiveDate,
        })),
        openDisputes: open.flatMap((change) =>
          change.dispute && isDisputeOpen(change)
            ? [{ changeId: change.changeId, raisedAt: change.dispute.raisedAt, dueAt: change.dispute.dueAt }]
            : [],
        ),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/trust/portfolio',
    roles: staff,
    tag: 'trust',
    summary: 'Every partner by trust score, lowest first (stage, last change, open disputes), in pages',
    query: portfolioQuerySchema,
    responses: { 200: { description: 'A page of the portfolio', schema: portfolioSchema }, ...clientErrors },
    handle: async (deps, { query }) => {
      const now = deps.clock.now();
      const { rows } = await portfolio(deps, now);
      const filtered = query.stage ? rows.filter((row) => row.stage === query.stage) : rows;
      const start = query.cursor === undefined ? 0 : Number(query.cursor);
      // A cursor past the end was never issued for this list (the last page carries none).
      if (start > 0 && start >= filtered.length)
        return problem(400, 'invalid-request', 'cursor is past the end of this list.', {
          fields: [{ field: 'cursor', reason: 'is not a cursor from a previous page of this list' }],
        });
      const page = portfolioPage(filtered, start, query.limit);
      return json(200, {
        rulesVersion: currentTrustRules.version,
        at: now.toISOString(),
        partners: page.items,
        ...(page.next !== undefined ? { cursor: String(page.next) } : {}),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/trust/portfolio.csv',
    roles: staff,
    tag: 'trust',
    summary: 'The whole trust portfolio as CSV (the same columns and order as the JSON pages)',
    query: csvQuerySchema,
    responses: { 200: { description: 'text/csv, a header row then one row per partner' }, ...clientErrors },
    handle: async (deps, { query }) => {
      const { rows } = await portfolio(deps, deps.clock.now());
      const filtered = query.stage ? rows.filter((row) => row.stage === query.stage) : rows;
      return csv(200, portfolioCsv(filtered), 'trust-portfolio.csv');
    },
  }),
  route({
    method: 'GET',
    path: '/api/trust/health',
    roles: staff,
    tag: 'trust',
    summary:
      'Relationship health per stage: partners, average trust score, notice kept %, disputes resolved %',
    responses: { 200: { description: 'One line per stage', schema: healthSchema }, ...clientErrors },
    handle: async (deps) => {
      const now = deps.clock.now();
      const { rows, byPartner } = await portfolio(deps, now);
      return json(200, {
        rulesVersion: currentTrustRules.version,
        at: now.toISOString(),
        stages: relationshipHealth(rows, byPartner),
      });
    },
  }),
];
