import { PartnerStore } from '../../adapters/dynamodb/partner-store.ts';
import type { Dependencies } from '../../dependencies.ts';
import { startOfUtcDay, toIsoDate } from '../../domain/calendar.ts';
import { ALL_SCOPE, rateInForce } from '../../domain/rate-schedule.ts';
import { trustScore } from '../../domain/trust-rules.ts';
import type { ApiRequest } from '../request.ts';
import { type HttpResponse, json, problem } from '../responses.ts';

export async function listPartners(deps: Dependencies): Promise<HttpResponse> {
  const store = new PartnerStore(deps.documentClient, deps.tables);
  const today = toIsoDate(startOfUtcDay(deps.clock.now()));
  const partners = await store.list();
  const summaries = await Promise.all(
    partners.map(async (partner) => ({
      partnerId: partner.partnerId,
      name: partner.name,
      stage: partner.stage,
      currentRatePct:
        rateInForce(await store.rateSchedule(partner.partnerId), today, ALL_SCOPE)?.ratePct ?? null,
    })),
  );
  return json(200, { partners: summaries });
}

export async function getPartner(deps: Dependencies, request: ApiRequest): Promise<HttpResponse> {
  const store = new PartnerStore(deps.documentClient, deps.tables);
  const partnerId = request.pathParameters.partnerId ?? '';
  const partner = await store.get(partnerId);
  if (!partner) return problem(404, 'not-found', `No partner ${partnerId}.`);
  const now = deps.clock.now();
  const [schedule, ledger] = await Promise.all([store.rateSchedule(partnerId), store.trustLedger(partnerId)]);
  const ordered = schedule
    .map(({ scopeKey, effectiveFrom, ratePct, recordedAt, changeId }) => ({
      scopeKey,
      effectiveFrom,
      ratePct,
      recordedAt,
      ...(changeId ? { changeId } : {}),
    }))
    .sort(
      (a, b) =>
        a.scopeKey.localeCompare(b.scopeKey) ||
        a.effectiveFrom.localeCompare(b.effectiveFrom) ||
        a.recordedAt.localeCompare(b.recordedAt),
    );
  const trust = trustScore(ledger, now);
  return json(200, {
    partnerId: partner.partnerId,
    name: partner.name,
    stage: partner.stage,
    currentRatePct: rateInForce(schedule, toIsoDate(startOfUtcDay(now)), ALL_SCOPE)?.ratePct ?? null,
    allianceManager: partner.allianceManager,
    contacts: partner.contacts,
    rateSchedule: ordered,
    trust: { score: trust.score, ledger, contributions: trust.contributions },
  });
}
