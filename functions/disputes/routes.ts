import * as z from 'zod';
import { refused } from '../http/outcomes.ts';
import { concernPage, invalidPageInput, problemPage } from '../http/pages.ts';
import { json } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { calendarDate, errorResponseSchema, prose } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import { changeIdParams, noticeParams } from '../notices/schemas.ts';
import { raiseConcern } from './raise-concern.ts';
import { resolveDispute } from './resolve.ts';

export const concernFormSchema = z.object({
  token: z.string().min(1, 'is required').max(2000),
  comment: prose(10, 4000).describe('The partner’s concern, in their words.'),
});

export const disputeResolutionSchema = z.discriminatedUnion('outcome', [
  z
    .object({ outcome: z.literal('upheld'), answer: prose(20, 4000).describe('Emailed to the partner.') })
    .strict(),
  z
    .object({
      outcome: z.literal('revised'),
      answer: prose(20, 4000).describe('Emailed to the partner; a revised notice follows.'),
      revision: z
        .record(z.string(), z.unknown())
        .describe("The kind's new terms (commission change: { newRatePct }; stage move: { toStage })."),
      rationale: z.string().max(5000).describe('The rationale of the revised notice, shown verbatim.'),
      effectiveDate: calendarDate
        .optional()
        .describe('A new effective date (a worse revision restarts the notice period anyway).'),
    })
    .strict(),
  z
    .object({
      outcome: z.literal('withdrawn'),
      answer: prose(20, 4000).describe('Emailed to everyone notified.'),
    })
    .strict(),
]);

export const disputeRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/notices/{noticeId}/concern',
    tag: 'partner pages',
    summary: 'The Raise-a-concern form (fields token, comment): same link rules as acknowledging.',
    params: noticeParams,
    body: { mediaType: 'application/x-www-form-urlencoded', schema: concernFormSchema },
    responses: {
      200: { description: 'Recorded, or already open', html: true },
      400: { description: 'No comment, or too short or too long', html: true },
      403: { description: 'Tampered, foreign or incomplete link', html: true },
      409: { description: 'Replaced notice, or the change withdrawn or ended', html: true },
      410: { description: 'Expired link', html: true },
      413: { description: 'Body too large', html: true },
    },
    invalid: invalidPageInput,
    handle: async (deps, { params, body }) => {
      const outcome = await raiseConcern(deps, {
        noticeId: params.noticeId,
        token: body.token,
        comment: body.comment,
      });
      if (outcome.outcome === 'refused') return problemPage(outcome.problem, outcome.contact);
      if (outcome.outcome === 'closed')
        return problemPage(outcome.state, outcome.notice.content.allianceManager);
      return concernPage(outcome.notice, outcome.dispute, outcome.outcome === 'already-open');
    },
  }),
  route({
    method: 'POST',
    path: '/api/changes/{changeId}/dispute-resolution',
    roles: ['partner-manager', 'finance'],
    tag: 'disputes',
    summary:
      'End an open dispute with an explicit outcome: upheld (answer), revised (new terms, new notice version) or withdrawn.',
    params: changeIdParams,
    body: { mediaType: 'application/json', schema: disputeResolutionSchema },
    responses: {
      200: {
        description: 'Resolved; the status says what comes next',
        schema: z.object({
          changeId: z.string(),
          status: z.string(),
          comparedToPrevious: z.string().optional(),
        }),
      },
      ...clientErrors,
      404: { description: 'Unknown change', schema: errorResponseSchema },
      409: { description: 'No open dispute, or already applied', schema: errorResponseSchema },
      422: { description: 'The revision breaks a rule', schema: errorResponseSchema },
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await resolveDispute(deps, params.changeId, { ...body, by: caller!.userId });
      if (!outcome.ok) {
        return refused(
          outcome,
          { 'no-open-dispute': 409, 'already-applied': 409, 'invalid-revision': 422 },
          outcome.violations?.map(({ field, reason }) => ({ field, reason })),
        );
      }
      return json(200, { changeId: params.changeId, ...outcome.result });
    },
  }),
];
