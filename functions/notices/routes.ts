import * as z from 'zod';
import { roles } from '../config/roles.ts';
import { changeStatuses } from '../domain/lifecycle.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { decodeCursor, encodeCursor, refused } from '../http/outcomes.ts';
import { acknowledgedPage, invalidPageInput, noticePage, problemPage } from '../http/pages.ts';
import { json, problem, unissuedCursor } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema } from '../http/schemas.ts';
import { acknowledgeNotice, openNotice, previewNotice, recordFirstOpen } from './acknowledge.ts';
import { retryWorkflow } from './failure.ts';
import { resolveEscalation } from './resolve-escalation.ts';
import {
  acknowledgementFormSchema,
  allKindsListQuerySchema,
  changeIdParams,
  escalationResolutionSchema,
  listQuerySchema,
  noticeParams,
  noticeQuerySchema,
  withdrawalSchema,
} from './schemas.ts';
import { changeView, listChanges } from './view.ts';
import { withdrawChange } from './withdraw.ts';

export const staff = roles;

export const clientErrors = {
  400: { description: 'Invalid input: each bad field is named with its reason', schema: errorResponseSchema },
  401: { description: 'No or invalid bearer token', schema: errorResponseSchema },
  403: { description: 'The caller lacks the required role', schema: errorResponseSchema },
};

const unknownChange = { 404: { description: 'Unknown change', schema: errorResponseSchema } };
const notAllowed = {
  409: { description: 'Not possible in the change’s current status', schema: errorResponseSchema },
};

export const changeSummarySchema = z.looseObject({
  changeId: z.string(),
  kind: z.string(),
  partnerId: z.string(),
  partnerName: z.string().describe('The partner’s current name (its id if the partner has no record).'),
  stage: z.enum(relationshipStages).describe('The partner’s stage when the change was submitted.'),
  status: z.enum(changeStatuses),
  adverse: z.boolean(),
  summary: z.string(),
  terms: z.record(z.string(), z.unknown()),
  effectiveDate: z.string(),
  applyAt: z.string().optional(),
  nextDeadline: z.object({ at: z.string(), what: z.string() }).optional(),
  submittedBy: z.string(),
  submittedAt: z.string(),
});

export const changeViewSchema = changeSummarySchema.extend({
  rationale: z.string(),
  approval: z.record(z.string(), z.unknown()),
  openTasks: z.array(z.object({ task: z.string(), who: z.string(), dueAt: z.string().optional() })),
  timeline: z.array(z.object({ seq: z.number(), at: z.string(), type: z.string(), actor: z.string() })),
});

export const changeListSchema = z.object({
  items: z.array(changeSummarySchema),
  cursor: z.string().optional(),
});

/** GET of a change's page of a list, for any kind (`kind` fixed by the caller's route, or all). */
export function listRoute(path: string, tag: string, kind: string | undefined): Route {
  return route({
    method: 'GET',
    path,
    roles: staff,
    tag,
    summary: `List ${kind ?? 'all'} changes, newest first: filter by status, partner, submitter and submission dates; page with the cursor.`,
    query: kind ? listQuerySchema : allKindsListQuerySchema,
    responses: { 200: { description: 'A page of changes', schema: changeListSchema }, ...clientErrors },
    handle: async (deps, { query }) => {
      const cursor = decodeCursor(query.cursor);
      if (cursor === 'invalid') return unissuedCursor();
      const page = await listChanges(deps, {
        ...query,
        // A kind's own route lists that kind; the list of every kind may ask for one.
        kind: kind ?? ('kind' in query && typeof query.kind === 'string' ? query.kind : undefined),
        ...(query.to ? { to: query.to } : {}),
        cursor,
      });
      if (page === 'invalid-cursor') return unissuedCursor();
      return json(200, { items: page.items, ...(page.cursor ? { cursor: encodeCursor(page.cursor) } : {}) });
    },
  });
}

/** GET of one change, for any kind. */
export function viewRoute(path: string, tag: string): Route {
  return route({
    method: 'GET',
    path,
    roles: staff,
    tag,
    summary: 'A change with its status, terms, notice, open tasks, next deadline and timeline',
    params: changeIdParams,
    responses: {
      200: { description: 'The change', schema: changeViewSchema },
      ...clientErrors,
      ...unknownChange,
    },
    handle: async (deps, { params }) => {
      const change = await deps.changes.get(params.changeId);
      if (!change) return problem(404, 'not-found', `No change ${params.changeId}.`);
      return json(200, await changeView(deps, change));
    },
  });
}

export const noticeRoutes: readonly Route[] = [
  listRoute('/api/changes', 'changes', undefined),
  viewRoute('/api/changes/{changeId}', 'changes'),
  route({
    method: 'POST',
    path: '/api/changes/{changeId}/withdrawal',
    roles: ['finance', 'partner-manager'],
    tag: 'changes',
    summary: 'Withdraw a change before it applies; everyone already notified is told, with the reason.',
    params: changeIdParams,
    body: { mediaType: 'application/json', schema: withdrawalSchema },
    responses: {
      200: {
        description: 'Withdrawn',
        schema: z.object({ changeId: z.string(), status: z.literal('withdrawn'), notified: z.number() }),
      },
      ...clientErrors,
      ...unknownChange,
      ...notAllowed,
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await withdrawChange(deps, params.changeId, {
        by: caller!.userId,
        reason: body.reason,
      });
      if (!outcome.ok) return refused(outcome, { 'already-ended': 409 });
      return json(200, { changeId: params.changeId, status: 'withdrawn', notified: outcome.result.notified });
    },
  }),
  route({
    method: 'POST',
    path: '/api/changes/{changeId}/escalation-resolution',
    roles: ['partner-manager'],
    tag: 'changes',
    summary:
      'Close an escalated or held change the partner has not acknowledged: proceed (applies at its date) or withdraw.',
    params: changeIdParams,
    body: { mediaType: 'application/json', schema: escalationResolutionSchema },
    responses: {
      200: { description: 'Resolved', schema: z.object({ changeId: z.string(), status: z.string() }) },
      ...clientErrors,
      ...unknownChange,
      ...notAllowed,
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await resolveEscalation(deps, params.changeId, { by: caller!.userId, ...body });
      if (!outcome.ok) return refused(outcome, { 'not-escalated': 409 });
      return json(200, { changeId: params.changeId, status: outcome.result.status });
    },
  }),
  route({
    method: 'POST',
    path: '/api/changes/{changeId}/retry',
    roles: ['finance', 'partner-manager'],
    tag: 'changes',
    summary: 'Retry the workflow of a change marked workflow-failed (after fixing the cause).',
    params: changeIdParams,
    responses: {
      200: { description: 'Restarted', schema: z.object({ changeId: z.string(), attempt: z.number() }) },
      ...clientErrors,
      ...unknownChange,
      ...notAllowed,
    },
    handle: async (deps, { params, caller }) => {
      const outcome = await retryWorkflow(deps, params.changeId, caller!.userId);
      if (outcome.outcome === 'unknown-change')
        return problem(404, 'not-found', `No change ${params.changeId}.`);
      if (outcome.outcome !== 'retried')
        return problem(409, 'not-failed', 'The change’s workflow has not failed.');
      return json(200, { changeId: params.changeId, attempt: outcome.attempt });
    },
  }),
  route({
    method: 'GET',
    path: '/api/changes/{changeId}/notice',
    roles: staff,
    tag: 'changes',
    summary:
      'The partner’s page for the latest notice version, exactly as the partner sees it but with no link token in its forms (for the console to show in a sandboxed frame).',
    params: changeIdParams,
    responses: {
      200: { description: 'The notice page as the partner sees it; its forms carry no token', html: true },
      ...clientErrors,
      404: { description: 'Unknown change, or no notice sent yet', schema: errorResponseSchema },
    },
    handle: async (deps, { params }) => {
      const preview = await previewNotice(deps, params.changeId);
      if (!preview.ok) {
        return preview.problem === 'unknown-change'
          ? problem(404, 'not-found', `No change ${params.changeId}.`)
          : problem(404, 'no-notice', `Change ${params.changeId} has no notice yet.`);
      }
      return noticePage(preview.notice, undefined, {
        state: preview.state,
        ...(preview.acknowledgement ? { acknowledgement: preview.acknowledgement } : {}),
        ...(preview.dispute ? { dispute: preview.dispute } : {}),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/notices/{noticeId}',
    tag: 'partner pages',
    summary:
      'The notice page behind the email link (query token): acknowledge or raise a concern. Never acknowledges by itself; the first open of each version by each recipient is recorded as opened (maybe by a mail scanner).',
    params: noticeParams,
    query: noticeQuerySchema,
    responses: {
      200: { description: 'The notice with its Acknowledge and Raise-a-concern forms', html: true },
      403: { description: 'Tampered, foreign or incomplete link', html: true },
      410: { description: 'Expired link', html: true },
    },
    invalid: invalidPageInput,
    handle: async (deps, { params, query, event, headers }) => {
      const opened = await openNotice(deps, params.noticeId, query.token);
      if (!opened.ok) return problemPage(opened.problem, opened.contact);
      await recordFirstOpen(deps, opened, headers['user-agent'] ?? event.requestContext.http.userAgent ?? '');
      return noticePage(opened.notice, query.token, {
        state: opened.state,
        ...(opened.acknowledgement ? { acknowledgement: opened.acknowledgement } : {}),
        ...(opened.dispute ? { dispute: opened.dispute } : {}),
      });
    },
    // Recorded with the first open, never a reason to refuse the page: an over-long one is cut.
    headers: z.looseObject({
      'user-agent': z
        .string()
        .transform((text) => text.slice(0, 2000))
        .optional(),
    }),
  }),
  route({
    method: 'POST',
    path: '/notices/{noticeId}/acknowledgement',
    tag: 'partner pages',
    summary: 'The Acknowledge button (form field token). A repeat says "already recorded".',
    params: noticeParams,
    body: { mediaType: 'application/x-www-form-urlencoded', schema: acknowledgementFormSchema },
    responses: {
      200: { description: 'Recorded, or already recorded', html: true },
      403: { description: 'Tampered, foreign or incomplete link', html: true },
      409: { description: 'The notice was replaced by a newer version, or the change withdrawn', html: true },
      410: { description: 'Expired link', html: true },
      413: { description: 'Body too large', html: true },
    },
    invalid: invalidPageInput,
    handle: async (deps, { params, body, event, headers }) => {
      const outcome = await acknowledgeNotice(deps, {
        noticeId: params.noticeId,
        token: body.token,
        sourceIp: event.requestContext.http.sourceIp,
        userAgent: headers['user-agent'] ?? event.requestContext.http.userAgent ?? '',
      });
      if (outcome.outcome === 'refused') return problemPage(outcome.problem, outcome.contact);
      if (outcome.outcome === 'closed')
        return problemPage(outcome.state, outcome.notice.content.allianceManager);
      return acknowledgedPage(
        outcome.notice,
        outcome.acknowledgement,
        outcome.outcome === 'already-recorded',
      );
    },
    // Recorded as evidence of the click, never a reason to refuse it: an over-long one is cut, not refused.
    headers: z.looseObject({
      'user-agent': z
        .string()
        .transform((text) => text.slice(0, 2000))
        .optional(),
    }),
  }),
];
