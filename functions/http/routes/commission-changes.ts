import { ChangeStore } from '../../adapters/dynamodb/change-store.ts';
import { submitCommissionChange } from '../../commission-changes/submit.ts';
import type { Dependencies } from '../../dependencies.ts';
import type { ApiRequest } from '../request.ts';
import { bodyText, header } from '../request.ts';
import { type HttpResponse, json, problem } from '../responses.ts';
import { commissionChangeRequestSchema, fieldErrors, idempotencyKeySchema } from '../schemas.ts';

export async function postCommissionChange(deps: Dependencies, request: ApiRequest): Promise<HttpResponse> {
  let body: unknown;
  try {
    body = JSON.parse(bodyText(request.event) || 'null');
  } catch {
    return problem(400, 'invalid-json', 'The request body is not valid JSON.', {
      fields: [{ field: '(body)', reason: 'is not valid JSON' }],
    });
  }
  const parsed = commissionChangeRequestSchema.safeParse(body);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    return problem(400, 'invalid-request', fields.map((item) => `${item.field} ${item.reason}`).join('; '), {
      fields,
    });
  }
  const rawKey = header(request.event, 'idempotency-key');
  const key = rawKey === undefined ? undefined : idempotencyKeySchema.safeParse(rawKey);
  if (key && !key.success) {
    return problem(400, 'invalid-request', 'Idempotency-Key must be 1 to 200 characters.', {
      fields: [{ field: 'Idempotency-Key', reason: 'must be 1 to 200 characters' }],
    });
  }
  const outcome = await submitCommissionChange(deps, parsed.data, request.caller!.userId, key?.data);
  if (outcome.outcome === 'rejected') {
    const error =
      outcome.status === 404 ? 'unknown-partner' : outcome.status === 409 ? 'stale-rate' : 'policy-violation';
    return problem(outcome.status, error, outcome.violations.map((item) => item.reason).join(' '), {
      fields: outcome.violations.map(({ field, reason }) => ({ field, reason })),
      ...(outcome.earliestEffectiveDate ? { earliestEffectiveDate: outcome.earliestEffectiveDate } : {}),
    });
  }
  const { change } = outcome;
  return json(
    outcome.outcome === 'created' ? 201 : 200,
    {
      changeId: change.changeId,
      status: change.status,
      earliestEffectiveDate: outcome.earliestEffectiveDate,
      noticePeriodDays: change.noticePeriodDays,
      forecastTrustPoints: outcome.forecastTrustPoints,
      replayed: outcome.outcome === 'replayed',
    },
    { location: `/api/commission-changes/${change.changeId}` },
  );
}

export async function getCommissionChange(deps: Dependencies, request: ApiRequest): Promise<HttpResponse> {
  const changeId = request.pathParameters.changeId ?? '';
  const changes = new ChangeStore(deps.documentClient, deps.tables);
  const change = await changes.get(changeId);
  if (!change) return problem(404, 'not-found', `No commission change ${changeId}.`);
  const entries = await changes.auditEntries(changeId);
  return json(200, {
    changeId: change.changeId,
    partnerId: change.partnerId,
    status: change.status,
    direction: change.direction,
    currentRatePct: change.currentRatePct,
    newRatePct: change.newRatePct,
    effectiveDate: change.effectiveDate,
    rationale: change.rationale,
    ...(change.scope ? { scope: change.scope } : {}),
    noticePeriodDays: change.noticePeriodDays,
    submittedBy: change.submittedBy,
    submittedAt: change.submittedAt,
    ...(change.notice ? { applyAt: change.notice.applyAt, noticeId: change.notice.noticeId } : {}),
    ...(change.acknowledgement ? { acknowledgement: change.acknowledgement } : {}),
    followUp: change.followUp,
    ...(change.appliedFrom ? { appliedFrom: change.appliedFrom, appliedAt: change.appliedAt } : {}),
    timeline: entries.map((entry) => ({
      seq: entry.seq,
      at: entry.at,
      type: entry.type,
      actor: entry.actor,
    })),
  });
}
