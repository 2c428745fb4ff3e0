import * as z from 'zod';
import { refused } from '../http/outcomes.ts';
import { json } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { calendarDate, errorResponseSchema, prose } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import { changeIdParams } from '../notices/schemas.ts';
import { recordConsultation } from './record.ts';

export const consultationSchema = z
  .object({
    heldOn: calendarDate.describe('The day of the call or joint review.'),
    participants: z
      .array(prose(2, 200))
      .min(1, 'must name at least one person')
      .max(30)
      .describe('Who took part.'),
    summary: prose(20, 4000).describe('What was discussed and what the partner said.'),
  })
  .strict();

export const consultationRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/api/changes/{changeId}/consultation',
    roles: ['partner-manager'],
    tag: 'consultations',
    summary:
      'Record the alliance-manager call (collaborative) or joint review (partnership) held before the notice.',
    params: changeIdParams,
    body: { mediaType: 'application/json', schema: consultationSchema },
    responses: {
      200: {
        description: 'Recorded: the notice goes out next',
        schema: z.object({ changeId: z.string(), status: z.string() }),
      },
      ...clientErrors,
      404: { description: 'Unknown change', schema: errorResponseSchema },
      409: { description: 'No consultation is awaited', schema: errorResponseSchema },
      422: { description: 'The day is in the future or too long ago', schema: errorResponseSchema },
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await recordConsultation(deps, params.changeId, { by: caller!.userId, ...body });
      if (!outcome.ok) {
        return refused(
          outcome,
          { 'not-awaiting-consultation': 409, 'held-in-future': 422, 'held-too-long-ago': 422 },
          outcome.refusal.startsWith('held-')
            ? [{ field: 'heldOn', reason: outcome.detail ?? outcome.refusal }]
            : undefined,
        );
      }
      return json(200, { changeId: params.changeId, status: outcome.result.status });
    },
  }),
];
