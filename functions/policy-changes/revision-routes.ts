import * as z from 'zod';
import type { PolicyChange } from '../adapters/dynamodb/policy-change-store.ts';
import { refused } from '../http/outcomes.ts';
import { json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, prose } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import { revisePolicyChange, withdrawPolicyChange } from './revise.ts';
import { policyChangeIdParams, policyChangeViewSchema, policyContentSchema } from './schemas.ts';

/**
 * A policy change revised (a new notice version to everyone) or withdrawn (everyone notified is told) before
 * it takes effect. The partner-manager role may, as it may submit one. HTTP statuses are decided here.
 */
const PATH = '/api/policy-changes';
const TAG = 'policy-changes';

const reason = prose(3, 2000).describe('Why: recorded in the audit trail.');

const revisionRequestSchema = z.strictObject({
  reason,
  content: policyContentSchema,
});

const withdrawalRequestSchema = z.strictObject({ reason });

function view(change: PolicyChange) {
  const { revision: _revision, ...shown } = change;
  return shown;
}

const notFound = { 404: { description: 'Unknown policy change', schema: errorResponseSchema } };

export const policyRevisionRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: `${PATH}/{policyChangeId}/revision`,
    roles: ['partner-manager'],
    tag: TAG,
    summary:
      'Revise a policy change being notified or notified: a new notice version goes to everyone. Worse for partners: the notice period restarts; better: the date stands unless the new one is later.',
    params: policyChangeIdParams,
    body: { mediaType: 'application/json', schema: revisionRequestSchema },
    responses: {
      200: { description: 'Revised: the new notice version is being sent', schema: policyChangeViewSchema },
      ...clientErrors,
      ...notFound,
      409: { description: 'Not being notified or notified', schema: errorResponseSchema },
      422: { description: 'A rule refuses it (notice period, rationale)', schema: errorResponseSchema },
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await revisePolicyChange(deps, params.policyChangeId, {
        by: caller!.userId,
        reason: body.reason,
        content: body.content,
      });
      if (outcome.ok) return json(200, view(outcome.change));
      if (outcome.refusal === 'policy-violation') {
        return problem(422, 'policy-violation', outcome.detail, {
          fields: outcome.violations.map(({ field, reason: why }) => ({
            field: `content.${field}`,
            reason: why,
          })),
          earliestEffectiveDate: outcome.earliestEffectiveDate,
        });
      }
      return refused(outcome, { 'not-revisable': 409 });
    },
  }),
  route({
    method: 'POST',
    path: `${PATH}/{policyChangeId}/withdrawal`,
    roles: ['partner-manager'],
    tag: TAG,
    summary: 'Withdraw a policy change before it takes effect: everyone notified is told.',
    params: policyChangeIdParams,
    body: { mediaType: 'application/json', schema: withdrawalRequestSchema },
    responses: {
      200: { description: 'Withdrawing: everyone notified is being told', schema: policyChangeViewSchema },
      ...clientErrors,
      ...notFound,
      409: { description: 'Already withdrawing, or no longer withdrawable', schema: errorResponseSchema },
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await withdrawPolicyChange(deps, params.policyChangeId, {
        by: caller!.userId,
        reason: body.reason,
      });
      if (outcome.ok) return json(200, view(outcome.change));
      return refused(outcome, { 'not-withdrawable': 409 });
    },
  }),
];
