import * as z from 'zod';
import type { Role } from '../config/roles.ts';
import { changeStatuses } from '../domain/lifecycle.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { trustFlagNames } from '../domain/trust-outlook.ts';
import { type HttpResponse, json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idempotencyKeyHeaders } from '../http/schemas.ts';
import { type PreviewOutcome, previewSubmission } from './preview.ts';
import { clientErrors } from './routes.ts';
import {
  type ChangeEnvelope,
  type SubmissionOutcome,
  type SubmissionRefusal,
  submitChange,
} from './submit.ts';

/**
 * The submission of a change of any kind over HTTP, written once: the answers (created, replayed, preview,
 * each refusal), their schemas, and the POST route with its Idempotency-Key and ?dryRun=true. A kind's
 * routes call `submissionRoute` with its path, body schema and roles.
 */

export const submissionResponseSchema = z.object({
  changeId: z.string(),
  status: z.enum(changeStatuses),
  earliestEffectiveDate: z.string(),
  noticePeriodDays: z.number(),
  approvalsRequired: z.number(),
  forecastTrustPoints: z
    .number()
    .describe('Trust-ledger points this change is forecast to earn when applied.'),
  forecast: z.array(z.object({ rule: z.string(), points: z.number(), explanation: z.string() })),
  replayed: z.boolean(),
});

const forecastEventSchema = z.object({ rule: z.string(), points: z.number(), explanation: z.string() });

export const submissionPreviewSchema = z.object({
  dryRun: z.literal(true),
  partner: z.object({
    partnerId: z.string(),
    name: z.string(),
    stage: z.enum(relationshipStages),
    currentRatePct: z
      .number()
      .nullable()
      .describe('The partner-wide rate in force today (null if the partner has none).'),
  }),
  kind: z.string(),
  summary: z.string().describe('The change in one line, as lists show it.'),
  terms: z.record(z.string(), z.unknown()),
  adverse: z.boolean().describe('Worse for the partner: notice period, approval and acknowledgement apply.'),
  status: z.enum(changeStatuses).describe('The status the change would start in.'),
  noticePeriodDays: z.number(),
  earliestEffectiveDate: z.string(),
  approvalsRequired: z.number(),
  consultation: z
    .enum(['alliance-manager-call', 'joint-review'])
    .nullable()
    .describe('The consultation its stage needs before the notice (null: none).'),
  forecastTrustPoints: z
    .number()
    .describe('Trust-ledger points this change is forecast to earn when applied.'),
  forecast: z.array(forecastEventSchema),
  trust: z
    .object({
      scoreNow: z
        .number()
        .describe('The partner’s trust score now (0–100), as GET /api/partners/{id} shows it.'),
      scoreAfter: z
        .number()
        .describe(
          'The score on the day the change would apply if nothing else happens: the ledger decayed to that day plus this change’s own events (sent and applied). It is the score reached when the change goes through unchanged.',
        ),
      threshold: z
        .number()
        .describe(
          'A forecast below this (TRUST_FORECAST_THRESHOLD) needs trustForecastRead: true to submit.',
        ),
      requiresAcknowledgement: z
        .boolean()
        .describe(
          'scoreAfter < threshold: the submission must carry trustForecastRead: true ("I have read this"), recorded in the audit trail.',
        ),
      rulesVersion: z.string().describe('The trust rules version both scores are computed under.'),
      flags: z.array(
        z.object({
          flag: z.enum(trustFlagNames),
          message: z.string(),
          changeId: z.string().optional(),
        }),
      ),
    })
    .describe('The trust score (derived from the ledger) before → after, and what to weigh first.'),
});

/** The HTTP answer to a refused submission of any kind (the same for a dry run as for the real one). */
export function submissionRefusalResponse(outcome: SubmissionRefusal): HttpResponse {
  switch (outcome.outcome) {
    case 'unknown-partner':
      return problem(404, 'unknown-partner', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations,
      });
    case 'stale':
      // Named by the kind's rule ('stale-rate', 'stale-stage'): what the submitter must reload.
      return problem(
        409,
        outcome.violations[0]?.rule ?? 'stale',
        outcome.violations.map((item) => item.reason).join(' '),
        {
          fields: outcome.violations.map(({ field, reason }) => ({ field, reason })),
        },
      );
    case 'conflicting-change':
      return problem(409, 'conflicting-change', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations,
        conflictingChangeId: outcome.conflictingChangeId,
      });
    case 'idempotency-key-reused':
      return problem(422, 'idempotency-key-reused', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations,
      });
    case 'policy-violation':
      return problem(422, 'policy-violation', outcome.violations.map((item) => item.reason).join(' '), {
        fields: outcome.violations.map(({ field, reason }) => ({ field, reason })),
        ...(outcome.earliestEffectiveDate ? { earliestEffectiveDate: outcome.earliestEffectiveDate } : {}),
      });
  }
}

/** The HTTP answer to a submission of any kind: 201/200 with the change, or the refusal's status. */
export function submissionResponse(outcome: SubmissionOutcome, path: string): HttpResponse {
  if (!('change' in outcome)) return submissionRefusalResponse(outcome);
  const { change } = outcome;
  return json(
    outcome.outcome === 'created' ? 201 : 200,
    {
      changeId: change.changeId,
      status: change.status,
      earliestEffectiveDate: outcome.earliestEffectiveDate,
      noticePeriodDays: change.noticePeriodDays,
      approvalsRequired: change.approval.required,
      forecastTrustPoints: outcome.forecast.points,
      forecast: outcome.forecast.events,
      replayed: outcome.outcome === 'replayed',
    },
    { location: `${path}/${change.changeId}` },
  );
}

/** The HTTP answer to a dry run of any kind: 200 with what the submission would be, or the same refusal. */
export function previewResponse(outcome: PreviewOutcome): HttpResponse {
  if (outcome.outcome !== 'preview') return submissionRefusalResponse(outcome);
  const { partner, change, kind, forecast, trust } = outcome.preview;
  return json(200, {
    dryRun: true,
    partner: {
      partnerId: partner.partnerId,
      name: partner.name,
      stage: partner.stage,
      currentRatePct: outcome.preview.currentRatePct,
    },
    kind: change.kind,
    summary: kind.describe(change.terms),
    terms: kind.view(change.terms),
    adverse: change.adverse,
    status: change.status,
    noticePeriodDays: change.noticePeriodDays,
    earliestEffectiveDate: outcome.preview.earliestEffectiveDate,
    approvalsRequired: change.approval.required,
    consultation: change.consultation?.required ?? null,
    forecastTrustPoints: forecast.points,
    forecast: forecast.events,
    trust,
  });
}

/** POST of a kind's submissions: the real one (Idempotency-Key honoured) or, with ?dryRun=true, its preview. */
export function submissionRoute(options: {
  path: string;
  kindName: string;
  roles: readonly Role[];
  tag: string;
  /** "Submit a commission change (finance)." */
  summary: string;
  /** The lifecycle's envelope (changeEnvelopeSchema) extended by the kind's fields. */
  body: z.ZodType<ChangeEnvelope>;
  /** When a 409 is answered, in this kind's words. */
  conflict: string;
}): Route {
  const { path, kindName } = options;
  return route({
    method: 'POST',
    path,
    roles: options.roles,
    tag: options.tag,
    summary: `${options.summary} Accepts an Idempotency-Key header. With ?dryRun=true, only preview it: the same validation and rules, the same refusals (400, 404, 409, 422 with earliestEffectiveDate), but nothing is written (no change, key, lock, audit entry, email or workflow) and the answer is 200 with the preview.`,
    query: z
      .object({
        dryRun: z
          .enum(['true', 'false'])
          .optional()
          .describe(
            'true: preview only, nothing is recorded (the Idempotency-Key is ignored). The body is the same as a real submission; to learn the earliest allowed effective date while the form is incomplete, send any date and an empty rationale: the 422 carries earliestEffectiveDate.',
          ),
      })
      // Strict: a misspelt dryRun must be refused, never taken as a real submission.
      .strict(),
    headers: idempotencyKeyHeaders('change'),
    body: { mediaType: 'application/json', schema: options.body },
    responses: {
      201: {
        description: 'Accepted: its workflow has started (approval first if needed)',
        schema: submissionResponseSchema,
      },
      200: {
        description:
          'Replayed: this Idempotency-Key already created the change — or, with dryRun=true, the preview (nothing written)',
        schema: z.union([submissionResponseSchema, submissionPreviewSchema]),
      },
      ...clientErrors,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
      409: { description: options.conflict, schema: errorResponseSchema },
      422: {
        description: 'A rule refuses the change (notice period, retroactive date, rationale, emergency)',
        schema: errorResponseSchema,
      },
    },
    handle: async (deps, { query, body, headers, caller }) =>
      query.dryRun === 'true'
        ? previewResponse(await previewSubmission(deps, kindName, body, caller!.userId))
        : submissionResponse(
            await submitChange(deps, kindName, body, caller!.userId, headers['idempotency-key']),
            path,
          ),
  });
}
