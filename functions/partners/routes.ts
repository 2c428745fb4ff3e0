import * as z from 'zod';
import { partnerRecord, versionTag } from '../directory/routes.ts';
import { startOfUtcDay, toIsoDate } from '../domain/calendar.ts';
import { ALL_SCOPE, rateForBooking, rateInForce } from '../domain/rate-schedule.ts';
import { trustScore } from '../domain/trust-rules.ts';
import { json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { calendarDate, errorResponseSchema, identifier, idText } from '../http/schemas.ts';
import { clientErrors, staff } from '../notices/routes.ts';

const partnerParams = z.object({ partnerId: idText.describe('The partner id.') });

export const rateQuerySchema = z
  .object({
    bookedOn: calendarDate.describe('The day the sale was booked.'),
    product: identifier.optional(),
    account: identifier.optional(),
  })
  .strict();

export const rateAnswerSchema = z.object({
  partnerId: z.string(),
  bookedOn: z.string(),
  ratePct: z.number(),
  effectiveFrom: z.string(),
  scopeKey: z.string(),
  changeId: z.string().optional(),
});

const unknownPartner = { 404: { description: 'Unknown partner', schema: errorResponseSchema } };

export const partnerRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/partners/{partnerId}',
    roles: staff,
    tag: 'partners',
    summary:
      'A partner with its profile (region, tier, tags, contacts, alliance manager), version, rate schedule and trust ledger',
    params: partnerParams,
    responses: { 200: { description: 'The partner' }, ...clientErrors, ...unknownPartner },
    handle: async (deps, { params }) => {
      const partner = await deps.partners.get(params.partnerId);
      if (!partner) return problem(404, 'not-found', `No partner ${params.partnerId}.`);
      const now = deps.clock.now();
      const [schedule, ledger] = await Promise.all([
        deps.partners.rateSchedule(params.partnerId),
        deps.trust.ledger(params.partnerId),
      ]);
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
      return json(
        200,
        {
          ...partnerRecord(partner),
          currentRatePct: rateInForce(schedule, toIsoDate(startOfUtcDay(now)), ALL_SCOPE)?.ratePct ?? null,
          rateSchedule: ordered,
          trust: { score: trust.score, ledger, contributions: trust.contributions },
        },
        // The version an edit (PUT, If-Match) names.
        { etag: versionTag(partner.version) },
      );
    },
  }),
  route({
    method: 'GET',
    path: '/api/partners/{partnerId}/rate',
    roles: staff,
    tag: 'partners',
    summary:
      'The commission rate in force for a sale booked on a day (optionally for a product and an account)',
    params: partnerParams,
    query: rateQuerySchema,
    responses: {
      200: { description: 'The rate and the schedule entry it comes from', schema: rateAnswerSchema },
      ...clientErrors,
      404: { description: 'Unknown partner, or no rate in force that day', schema: errorResponseSchema },
    },
    handle: async (deps, { params, query }) => {
      const partner = await deps.partners.get(params.partnerId);
      if (!partner) return problem(404, 'not-found', `No partner ${params.partnerId}.`);
      const entry = rateForBooking(await deps.partners.rateSchedule(params.partnerId), query);
      if (!entry)
        return problem(
          404,
          'no-rate',
          `${partner.name} had no commission rate in force on ${query.bookedOn}.`,
        );
      return json(200, {
        partnerId: params.partnerId,
        bookedOn: query.bookedOn,
        ratePct: entry.ratePct,
        effectiveFrom: entry.effectiveFrom,
        scopeKey: entry.scopeKey,
        ...(entry.changeId ? { changeId: entry.changeId } : {}),
      });
    },
  }),
];
