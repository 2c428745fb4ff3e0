import * as z from 'zod';
import { refused } from '../http/outcomes.ts';
import { json } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, prose } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import { changeIdParams } from '../notices/schemas.ts';
import { approveChange, rejectChange } from './decide.ts';

export const approvalDecisionSchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: prose(3, 2000).describe('Why: recorded in the audit trail and sent to the submitter.'),
  })
  .strict();

export const approvalRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/api/changes/{changeId}/approval',
    roles: ['approver'],
    tag: 'approvals',
    summary: 'Approve or reject a change awaiting approval (maker-checker: never your own change).',
    params: changeIdParams,
    body: { mediaType: 'application/json', schema: approvalDecisionSchema },
    responses: {
      200: {
        description: 'Recorded; the status says what comes next',
        schema: z.object({
          changeId: z.string(),
          status: z.string(),
          approvals: z.number(),
          required: z.number(),
        }),
      },
      ...clientErrors,
      403: {
        description: 'Not an approver, or the submitter deciding on its own change',
        schema: errorResponseSchema,
      },
      404: { description: 'Unknown change', schema: errorResponseSchema },
      409: { description: 'Not awaiting approval, or already approved by you', schema: errorResponseSchema },
    },
    handle: async (deps, { params, body, caller }) => {
      const decide = body.decision === 'approve' ? approveChange : rejectChange;
      const outcome = await decide(deps, params.changeId, { by: caller!.userId, comment: body.comment });
      if (!outcome.ok) {
        return refused(outcome, {
          'self-approval': 403,
          'already-approved': 409,
          'not-awaiting-approval': 409,
        });
      }
      return json(200, { changeId: params.changeId, ...outcome.result });
    },
  }),
];
