import * as z from 'zod';
import { type PolicyChange, PolicyChangeStore } from '../adapters/dynamodb/policy-change-store.ts';
import { decodeCursor, encodeCursor, refused } from '../http/outcomes.ts';
import { json, problem, unissuedCursor } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idempotencyKeyHeaders } from '../http/schemas.ts';
import { clientErrors, staff } from '../notices/routes.ts';
import { approvePolicyChange, type PolicyDecisionOutcome, rejectPolicyChange } from './decide.ts';
import {
  policyChangeIdParams,
  policyChangeRequestSchema,
  policyChangeViewSchema,
  policyDecisionSchema,
  previewRequestSchema,
  previewResponseSchema,
} from './schemas.ts';
import { previewPolicySegment, submitPolicyChange } from './submit.ts';

/**
 * Program policy changes over HTTP: preview a segment, submit, list, view, and the second person's decision.
 * The use cases answer in domain words; the HTTP status of each answer is decided here.
 */
const PATH = '/api/policy-changes';
const TAG = 'policy-changes';

function view(change: PolicyChange, replayed?: boolean) {
  const { revision: _revision, ...shown } = change;
  return { ...shown, ...(replayed !== undefined ? { replayed } : {}) };
}

const unknownPolicyChange = { 404: { description: 'Unknown policy change', schema: errorResponseSchema } };

function decisionRoute(action: 'approve' | 'reject'): Route {
  return route({
    method: 'POST',
    path: `${PATH}/{policyChangeId}/${action}`,
    roles: ['approver'],
    tag: TAG,
    summary:
      action === 'approve'
        ? 'Approve an adverse policy change awaiting approval (maker-checker: never your own).'
        : 'Reject a policy change awaiting approval: it ends here, no partner was told.',
    params: policyChangeIdParams,
    body: { mediaType: 'application/json', schema: policyDecisionSchema },
    responses: {
      200: { description: 'Recorded', schema: policyChangeViewSchema },
      ...clientErrors,
      403: {
        description: 'Not an approver, or the submitter deciding on its own policy change',
        schema: errorResponseSchema,
      },
      ...unknownPolicyChange,
      409: { description: 'Not awaiting approval', schema: errorResponseSchema },
    },
    handle: async (deps, { params, body, caller }) => {
      const decide = action === 'approve' ? approvePolicyChange : rejectPolicyChange;
      const outcome: PolicyDecisionOutcome = await decide(deps, params.policyChangeId, {
        by: caller!.userId,
        comment: body.comment,
      });
      if (!outcome.ok) return refused(outcome, { 'self-approval': 403, 'not-awaiting-approval': 409 });
      return json(200, view(outcome.change));
    },
  });
}

export const policyChangeRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: `${PATH}/preview`,
    roles: ['partner-manager'],
    tag: TAG,
    summary:
      'Preview a segment: partners reached per stage, the longest notice any of them requires and the earliest effective date. Nothing is written.',
    body: { mediaType: 'application/json', schema: previewRequestSchema },
    responses: {
      200: { description: 'What the segment reaches', schema: previewResponseSchema },
      ...clientErrors,
    },
    handle: async (deps, { body }) =>
      json(200, await previewPolicySegment(deps, body.segment, body.adverse ?? true)),
  }),
  route({
    method: 'POST',
    path: PATH,
    roles: ['partner-manager'],
    tag: TAG,
    summary:
      'Submit a program policy change to a segment of partners. Adverse: it waits for a second person’s approval and its effective date must leave the longest notice any stage in the segment requires. Accepts an Idempotency-Key header.',
    headers: idempotencyKeyHeaders('policy change'),
    body: { mediaType: 'application/json', schema: policyChangeRequestSchema },
    responses: {
      201: {
        description: 'Recorded (awaiting approval when adverse, else approved)',
        schema: policyChangeViewSchema,
      },
      200: {
        description: 'Replayed: this Idempotency-Key already created it',
        schema: policyChangeViewSchema,
      },
      ...clientErrors,
      422: {
        description: 'A rule refuses it (empty segment, unknown partners, notice period, rationale)',
        schema: errorResponseSchema,
      },
    },
    handle: async (deps, { body, headers, caller }) => {
      const outcome = await submitPolicyChange(deps, body, caller!.userId, headers['idempotency-key']);
      switch (outcome.outcome) {
        case 'created':
        case 'replayed':
          return json(
            outcome.outcome === 'created' ? 201 : 200,
            view(outcome.change, outcome.outcome === 'replayed'),
            {
              location: `${PATH}/${outcome.change.policyChangeId}`,
            },
          );
        case 'idempotency-key-reused':
          return problem(
            422,
            'idempotency-key-reused',
            outcome.violations.map((item) => item.reason).join(' '),
            {
              fields: outcome.violations,
            },
          );
        case 'policy-violation':
          return problem(422, 'policy-violation', outcome.violations.map((item) => item.reason).join(' '), {
            fields: outcome.violations.map(({ field, reason }) => ({ field, reason })),
            earliestEffectiveDate: outcome.earliestEffectiveDate,
          });
      }
    },
  }),
  route({
    method: 'GET',
    path: PATH,
    roles: staff,
    tag: TAG,
    summary: 'List policy changes, newest first; page with the cursor.',
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(100).default(25),
        cursor: z.string().max(2000, 'must be at most 2000 characters').optional(),
      })
      .strict(),
    responses: {
      200: {
        description: 'A page of policy changes',
        schema: z.object({ items: z.array(policyChangeViewSchema), cursor: z.string().optional() }),
      },
      ...clientErrors,
    },
    handle: async (deps, { query }) => {
      const cursor = decodeCursor(query.cursor);
      if (cursor === 'invalid' || (cursor && !PolicyChangeStore.cursorFits(cursor))) {
        return unissuedCursor();
      }
      const page = await deps.policyChanges.list(query.limit, cursor);
      return json(200, {
        items: page.items.map((change) => view(change)),
        ...(page.cursor ? { cursor: encodeCursor(page.cursor) } : {}),
      });
    },
  }),
  route({
    method: 'GET',
    path: `${PATH}/{policyChangeId}`,
    roles: staff,
    tag: TAG,
    summary: 'A policy change: its text, segment as resolved at submission, status and decision.',
    params: policyChangeIdParams,
    responses: {
      200: { description: 'The policy change', schema: policyChangeViewSchema },
      ...clientErrors,
      ...unknownPolicyChange,
    },
    handle: async (deps, { params }) => {
      const change = await deps.policyChanges.get(params.policyChangeId);
      if (!change) return problem(404, 'not-found', `No policy change ${params.policyChangeId}.`);
      return json(200, view(change));
    },
  }),
  decisionRoute('approve'),
  decisionRoute('reject'),
];
