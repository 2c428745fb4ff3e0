import type { Route } from '../http/router.ts';
import { listRoute, viewRoute } from '../notices/routes.ts';
import { submissionRoute } from '../notices/submission-routes.ts';
import { commissionChangeKind } from './kind.ts';
import { commissionChangeRequestSchema } from './schemas.ts';

const PATH = '/api/commission-changes';

export const commissionChangeRoutes: readonly Route[] = [
  submissionRoute({
    path: PATH,
    kindName: commissionChangeKind.name,
    roles: ['finance'],
    tag: 'commission changes',
    summary: 'Submit a commission change (finance).',
    body: commissionChangeRequestSchema,
    conflict:
      'currentRatePct is not the rate in force (stale view), or another change for this partner and scope is pending',
  }),
  listRoute(PATH, 'commission changes', commissionChangeKind.name),
  viewRoute(`${PATH}/{changeId}`, 'commission changes'),
];
