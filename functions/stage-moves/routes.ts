import * as z from 'zod';
import { changeStatuses } from '../domain/lifecycle.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idText } from '../http/schemas.ts';
import { clientErrors, listRoute, staff, viewRoute } from '../notices/routes.ts';
import { submissionRoute } from '../notices/submission-routes.ts';
import { stageHistory } from './history.ts';
import { stageMoveKind } from './kind.ts';
import { stageMoveRequestSchema } from './schemas.ts';

const PATH = '/api/stage-moves';
const stage = z.enum(relationshipStages);

const stageHistoryEntrySchema = z.object({
  changeId: z.string(),
  status: z.enum(changeStatuses),
  fromStage: stage,
  toStage: stage,
  direction: z.enum(['up', 'down']),
  effectiveDate: z.string(),
  appliedFrom: z.string().optional().describe('The day the move really took effect.'),
  appliedAt: z.string().optional(),
  applyAt: z.string().optional().describe('The apply date its notice announced.'),
  rationale: z.string().describe('The reason, as the partner read it.'),
  submittedBy: z.string(),
  submittedAt: z.string(),
});

export const stageHistorySchema = z.object({
  partnerId: z.string(),
  stage: stage.describe('The partner’s stage now.'),
  applied: z.array(stageHistoryEntrySchema).describe('Applied moves, oldest first.'),
  pending: z.array(stageHistoryEntrySchema).describe('Moves not applied yet (nor ended), oldest first.'),
});

export const stageMoveRoutes: readonly Route[] = [
  submissionRoute({
    path: PATH,
    kindName: stageMoveKind.name,
    roles: ['partner-manager'],
    tag: 'stage moves',
    summary:
      'Move a partner up or down the relationship stages (partner manager): a change announced to the partner with its rationale. Down is adverse (approval, the current stage’s notice period, acknowledgement); up is favourable.',
    body: stageMoveRequestSchema,
    conflict:
      'currentStage is not the partner’s stage (stale view), or another stage move of this partner is pending',
  }),
  listRoute(PATH, 'stage moves', stageMoveKind.name),
  viewRoute(`${PATH}/{changeId}`, 'stage moves'),
  route({
    method: 'GET',
    path: '/api/partners/{partnerId}/stage-history',
    roles: staff,
    tag: 'stage moves',
    summary:
      'A partner’s stage over time: its applied stage moves (day, from, to, rationale, change) and the pending ones.',
    params: z.object({ partnerId: idText.describe('The partner id.') }),
    responses: {
      200: { description: 'The stage history', schema: stageHistorySchema },
      ...clientErrors,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
    },
    handle: async (deps, { params }) => {
      const history = await stageHistory(deps, params.partnerId);
      if (history.outcome === 'unknown-partner') {
        return problem(404, 'not-found', `No partner ${params.partnerId}.`);
      }
      const { outcome: _outcome, ...body } = history;
      return json(200, body);
    },
  }),
];
