import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { approvalRoutes } from '../approvals/routes.ts';
import { evidenceRoutes } from '../audit/evidence-routes.ts';
import { auditRoutes } from '../audit/routes.ts';
import { commissionChangeRoutes } from '../commission-changes/routes.ts';
import { consultationRoutes } from '../consultations/routes.ts';
import type { Dependencies } from '../dependencies.ts';
import { importRoutes } from '../directory/import-routes.ts';
import { directoryRoutes } from '../directory/routes.ts';
import { disputeRoutes } from '../disputes/routes.ts';
import { inboxRoutes } from '../inbox/routes.ts';
import { noticeRoutes } from '../notices/routes.ts';
import { partnerRoutes } from '../partners/routes.ts';
import { policyCoverageRoutes } from '../policy-changes/coverage-routes.ts';
import { policyNoticeRoutes } from '../policy-changes/notice-routes.ts';
import { policyRevisionRoutes } from '../policy-changes/revision-routes.ts';
import { policyChangeRoutes } from '../policy-changes/routes.ts';
import { reassignmentRoutes } from '../reassignments/routes.ts';
import { stageMoveRoutes } from '../stage-moves/routes.ts';
import { trustRoutes } from '../trust/routes.ts';
import { openApiDocument } from './openapi.ts';
import type { HttpResponse } from './responses.ts';
import { json } from './responses.ts';
import { createRouter, type Route, route } from './router.ts';

/** Every feature's routes, assembled here: the API, and the OpenAPI document generated from it. */
export const featureRoutes: readonly Route[] = [
  ...commissionChangeRoutes,
  ...stageMoveRoutes,
  ...reassignmentRoutes,
  ...trustRoutes,
  ...noticeRoutes,
  ...inboxRoutes,
  ...approvalRoutes,
  ...consultationRoutes,
  ...disputeRoutes,
  ...directoryRoutes,
  ...importRoutes,
  ...partnerRoutes,
  ...policyChangeRoutes,
  ...policyCoverageRoutes,
  ...policyNoticeRoutes,
  ...policyRevisionRoutes,
  ...auditRoutes,
  ...evidenceRoutes,
];

export function apiRoutes(serverUrl?: string): readonly Route[] {
  const document = openApiDocument(featureRoutes, serverUrl);
  return [
    ...featureRoutes,
    route({
      method: 'GET',
      path: '/openapi.json',
      tag: 'meta',
      summary: 'This document',
      responses: { 200: { description: 'OpenAPI 3.1' } },
      handle: async () => json(200, document),
    }),
  ];
}

/** The HTTP API handler (one Lambda for every route). */
export function createHttpApi(deps: Dependencies): (event: APIGatewayProxyEventV2) => Promise<HttpResponse> {
  return createRouter(deps, apiRoutes(deps.publicBaseUrl || undefined));
}
