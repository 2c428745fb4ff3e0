import type { z } from 'zod';
import type { Dependencies } from '../dependencies.ts';
import type { Role } from './caller.ts';
import type { ApiRequest } from './request.ts';
import type { HttpResponse } from './responses.ts';
import { getAuditEntries } from './routes/audit.ts';
import { getCommissionChange, postCommissionChange } from './routes/commission-changes.ts';
import { postAcknowledgement, showNotice } from './routes/notices.ts';
import { getPartner, listPartners } from './routes/partners.ts';
import {
  acknowledgementFormSchema,
  auditQuerySchema,
  auditResponseSchema,
  changeViewSchema,
  commissionChangeRequestSchema,
  errorResponseSchema,
  noticeQuerySchema,
  partnerSummarySchema,
  submissionResponseSchema,
} from './schemas.ts';

const staff: readonly Role[] = ['finance', 'approver', 'partner-manager', 'compliance'];

/** One route: how it is matched, who may call it, and what the OpenAPI document says about it. */
export interface Route {
  method: 'GET' | 'POST';
  /** Path template with {name} parameters. */
  path: string;
  /** Roles allowed; undefined = public (the notice links carry their own signed token). */
  roles?: readonly Role[];
  summary: string;
  query?: z.ZodObject;
  headers?: readonly { name: string; required: boolean; description: string }[];
  requestBody?: { mediaType: 'application/json' | 'application/x-www-form-urlencoded'; schema: z.ZodType };
  responses: Record<number, { description: string; schema?: z.ZodType; html?: boolean }>;
  handle(deps: Dependencies, request: ApiRequest): Promise<HttpResponse>;
}

const problems = {
  400: { description: 'Invalid input: each bad field is named with its reason', schema: errorResponseSchema },
  401: { description: 'No or invalid bearer token', schema: errorResponseSchema },
  403: { description: 'The caller lacks the required role', schema: errorResponseSchema },
};

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/commission-changes',
    roles: ['finance'],
    summary: 'Submit a commission change (finance). Accepts an Idempotency-Key header.',
    headers: [
      {
        name: 'Idempotency-Key',
        required: false,
        description: 'Retries with the same key never create a second change.',
      },
    ],
    requestBody: { mediaType: 'application/json', schema: commissionChangeRequestSchema },
    responses: {
      201: { description: 'Accepted: the notice workflow has started', schema: submissionResponseSchema },
      200: {
        description: 'Replayed: this Idempotency-Key already created the change',
        schema: submissionResponseSchema,
      },
      ...problems,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
      409: {
        description: 'currentRatePct is not the rate in force (stale view)',
        schema: errorResponseSchema,
      },
      422: {
        description: 'A rule refuses the change (notice period, retroactive date, rationale)',
        schema: errorResponseSchema,
      },
    },
    handle: postCommissionChange,
  },
  {
    method: 'GET',
    path: '/api/commission-changes/{changeId}',
    roles: staff,
    summary: 'A commission change with its status and timeline',
    responses: {
      200: { description: 'The change', schema: changeViewSchema },
      ...problems,
      404: { description: 'Unknown change', schema: errorResponseSchema },
    },
    handle: getCommissionChange,
  },
  {
    method: 'GET',
    path: '/api/audit',
    roles: ['compliance', 'finance', 'approver'],
    query: auditQuerySchema,
    summary: 'Audit entries of a change (query changeId), with the hash chain verified',
    responses: {
      200: { description: 'Entries in order', schema: auditResponseSchema },
      ...problems,
      404: { description: 'No entries', schema: errorResponseSchema },
    },
    handle: getAuditEntries,
  },
  {
    method: 'GET',
    path: '/api/partners',
    roles: staff,
    summary: 'Partners with their stage and current commission rate',
    responses: { 200: { description: 'Partners', schema: partnerSummarySchema.array() }, ...problems },
    handle: (deps) => listPartners(deps),
  },
  {
    method: 'GET',
    path: '/api/partners/{partnerId}',
    roles: staff,
    summary: 'A partner with contacts, alliance manager, rate schedule and trust ledger',
    responses: {
      200: { description: 'The partner' },
      ...problems,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
    },
    handle: getPartner,
  },
  {
    method: 'GET',
    path: '/notices/{noticeId}',
    query: noticeQuerySchema,
    summary: 'The notice page behind the email link (query token). Never acknowledges by itself.',
    responses: {
      200: { description: 'The notice with an Acknowledge button', html: true },
      403: { description: 'Tampered or foreign link', html: true },
      410: { description: 'Expired link', html: true },
    },
    handle: showNotice,
  },
  {
    method: 'POST',
    path: '/notices/{noticeId}/acknowledgement',
    requestBody: { mediaType: 'application/x-www-form-urlencoded', schema: acknowledgementFormSchema },
    summary: 'The Acknowledge button (form field token). A repeat says "already recorded".',
    responses: {
      200: { description: 'Recorded, or already recorded', html: true },
      403: { description: 'Tampered or foreign link', html: true },
      410: { description: 'Expired link', html: true },
    },
    handle: postAcknowledgement,
  },
];

export function matchRoute(
  method: string,
  path: string,
): { route: Route; pathParameters: Record<string, string> } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const route of routes) {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    const match = pattern.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const pathParameters = Object.fromEntries(
      names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
    );
    return { route, pathParameters };
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
