import { z } from 'zod';
import { changeStatuses } from '../domain/lifecycle.ts';
import { type HttpResponse, json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema } from '../http/schemas.ts';
import { clientErrors, listRoute, viewRoute } from '../notices/routes.ts';
import { type SubmissionOutcome, submitChange } from '../notices/submit.ts';
import { commissionChangeKind } from './kind.ts';
import { commissionChangeRequestSchema } from './schemas.ts';

export const submissionResponseSchema = z.object({
  changeId: z.string(),
  status: z.enum(changeStatuses),
  earliestEffectiveDate: z.string(),
  noticePeriodDays: z.number(),
  approvalsRequired: z.number(),
  forecastTrustPoints: z
    .number()
    .describe('Trust-ledger points this change is forecast to earn when applied.'),
  forecast: z.array(z.object({ rule: z.string(), points: z.number(), explanation: z.string() })),
  replayed: z.boolean(),
});

/** The HTTP answer to a submission of any kind: 201/200 with the change, or the refusal's status. */
export function submissionResponse(outcome: SubmissionOutcome, path: string): HttpResponse {
  switch (outcome.outcome) {
    case 'created':
    case 'replayed': {
      const { change } = outcome;
      return json(
        outcome.outcome === 'created' ? 201 : 200,
        {
          changeId: change.changeId,
          status: change.status,
          earliestEffectiveDate: outcome.earliestEffectiveDate,
          noticePeriodDays: change.noticePeriodDays,
          approvalsRequired: change.approval.required,
          forecastTrustPoints: outcome.forecast.points,
          forecast: outcome.forecast.events,
          replayed: outcome.outcome === 'replayed',
        },
        { location: `${path}/${change.changeId}` },
      );
    }
    case 'unknown-partner':
      return problem(404, 'unknown-partner', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations,
      });
    case 'stale':
      return problem(409, 'stale-rate', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations.map(({ field, reason }) => ({ field, reason })),
      });
    case 'conflicting-change':
      return problem(409, 'conflicting-change', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations,
        conflictingChangeId: outcome.conflictingChangeId,
      });
    case 'idempotency-key-reused':
      return problem(422, 'idempotency-key-reused', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations,
      });
    case 'policy-violation':
      return problem(422, 'policy-violation', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations.map(({ field, reason }) => ({ field, reason })),
        ...(outcome.earliestEffectiveDate ? { earliestEffectiveDate: outcome.earliestEffectiveDate } : {}),
      });
  }
}

const PATH = '/api/commission-changes';

export const commissionChangeRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: PATH,
    roles: ['finance'],
    tag: 'commission changes',
    summary: 'Submit a commission change (finance). Accepts an Idempotency-Key header.',
    headers: z.looseObject({
      'idempotency-key': z
        .string()
        .trim()
        .min(1, 'must be 1 to 200 characters')
        .max(200, 'must be 1 to 200 characters')
        .optional()
        .describe('Retries with the same key never create a second change.'),
    }),
    body: { mediaType: 'application/json', schema: commissionChangeRequestSchema },
    responses: {
      201: {
        description: 'Accepted: its workflow has started (approval first if needed)',
        schema: submissionResponseSchema,
      },
      200: {
        description: 'Replayed: this Idempotency-Key already created the change',
        schema: submissionResponseSchema,
      },
      ...clientErrors,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
      409: {
        description:
          'currentRatePct is not the rate in force (stale view), or another change for this partner and scope is pending',
        schema: errorResponseSchema,
      },
      422: {
        description: 'A rule refuses the change (notice period, retroactive date, rationale, emergency)',
        schema: errorResponseSchema,
      },
    },
    handle: async (deps, { body, headers, caller }) =>
      submissionResponse(
        await submitChange(deps, commissionChangeKind.name, body, caller!.userId, headers['idempotency-key']),
        PATH,
      ),
  }),
  listRoute(PATH, 'commission changes', commissionChangeKind.name),
  viewRoute(`${PATH}/{changeId}`, 'commission changes'),
];
