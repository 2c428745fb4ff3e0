import * as z from 'zod';
import { json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema } from '../http/schemas.ts';
import { clientErrors, listRoute, viewRoute } from '../notices/routes.ts';
import { changeIdParams } from '../notices/schemas.ts';
import { submissionRoute } from '../notices/submission-routes.ts';
import { recordHandover } from './handover.ts';
import { reassignmentKind } from './kind.ts';
import { handoverRequestSchema, reassignmentRequestSchema } from './schemas.ts';

const PATH = '/api/reassignments';

export const handoverResponseSchema = z.object({
  changeId: z.string(),
  side: z.enum(['outgoing', 'incoming']).describe('Which manager the caller is on this reassignment.'),
  userId: z.string(),
  note: z.string(),
  recordedAt: z.string(),
  replayed: z.boolean().describe('true: the same note was recorded before (a retry); nothing new written.'),
});

export const reassignmentRoutes: readonly Route[] = [
  submissionRoute({
    path: PATH,
    kindName: reassignmentKind.name,
    roles: ['partner-manager'],
    tag: 'reassignments',
    summary:
      'Reassign a partner’s alliance manager (partner manager): a change announced to the partner with who the new manager is, their email, why and the handover date (effectiveDate). Adverse for the partner: an approver, the stage’s notice period and its acknowledgement before the handover applies.',
    body: reassignmentRequestSchema,
    conflict: 'another reassignment of this partner is pending',
  }),
  listRoute(PATH, 'reassignments', reassignmentKind.name),
  viewRoute(`${PATH}/{changeId}`, 'reassignments'),
  route({
    method: 'POST',
    path: '/api/changes/{changeId}/handover',
    roles: ['partner-manager'],
    tag: 'reassignments',
    summary:
      'The outgoing or the incoming alliance manager of a reassignment records the handover, once each, after the partner has been told. The same note again is answered as recorded (a retry); a different one is refused.',
    params: changeIdParams,
    body: { mediaType: 'application/json', schema: handoverRequestSchema },
    responses: {
      201: { description: 'Recorded', schema: handoverResponseSchema },
      200: {
        description: 'Already recorded with this very note: nothing written',
        schema: handoverResponseSchema,
      },
      ...clientErrors,
      403: {
        description: 'The caller lacks the role, or is neither the outgoing nor the incoming manager',
        schema: errorResponseSchema,
      },
      404: { description: 'Unknown change', schema: errorResponseSchema },
      409: {
        description:
          'Not a reassignment, not announced yet (or ended without applying), or this manager’s handover is recorded with another note',
        schema: errorResponseSchema,
      },
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await recordHandover(deps, params.changeId, { by: caller!.userId, note: body.note });
      switch (outcome.outcome) {
        case 'unknown-change':
          return problem(404, 'not-found', `No change ${params.changeId}.`);
        case 'not-a-manager':
          return problem(403, 'not-a-handover-manager', outcome.reason);
        case 'not-a-reassignment':
        case 'not-announced':
        case 'already-recorded':
          return problem(409, outcome.outcome, outcome.reason);
        case 'recorded':
        case 'replayed':
          return json(outcome.outcome === 'recorded' ? 201 : 200, {
            changeId: params.changeId,
            ...outcome.record,
            replayed: outcome.outcome === 'replayed',
          });
      }
    },
  }),
];
