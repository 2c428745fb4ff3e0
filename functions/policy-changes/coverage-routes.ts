import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { PolicyChange } from '../adapters/dynamodb/policy-change-store.ts';
import {
  type PolicyRecipient,
  PolicyRecipientStore,
  policyRecipientKeys,
} from '../adapters/dynamodb/policy-recipient-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { decodeCursor, encodeCursor } from '../http/outcomes.ts';
import { json, problem, unissuedCursor } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema } from '../http/schemas.ts';
import { clientErrors, staff } from '../notices/routes.ts';
import { emptyCoverage, type RecipientState, recipientStates, roundKinds } from './rounds.ts';
import { policyChangeStatuses } from './rules.ts';
import { policyChangeIdParams } from './schemas.ts';

/**
 * How far a policy change's notice has reached, for the console's detail page and `pcn policy status`: the
 * counters of its current notice version and its rounds (one read each), and its partners page by page,
 * filterable by state. Reads only: every state and counter is moved by the workflow (workflow.ts).
 */
const PATH = '/api/policy-changes/{policyChangeId}';
const TAG = 'policy-changes';

const unknownPolicyChange = { 404: { description: 'Unknown policy change', schema: errorResponseSchema } };

const countsSchema = z.object(
  Object.fromEntries([...recipientStates, 'escalated'].map((name) => [name, z.number().int()])) as Record<
    RecipientState | 'escalated',
    z.ZodNumber
  >,
);

const roundSchema = z.object({
  roundId: z.string().describe('v<version>-notice, v<version>-reminder-day-<n>, …, withdrawal'),
  kind: z.enum(roundKinds),
  partners: z.number().int().describe('Partners in its manifest.'),
  plannedAt: z.string(),
  completedAt: z.string().optional(),
  failedPartners: z
    .number()
    .int()
    .optional()
    .describe('Partners of batches that failed for good (marked unreachable).'),
});

export const policyCoverageSchema = z.object({
  policyChangeId: z.string(),
  title: z.string(),
  status: z.enum(policyChangeStatuses),
  noticeVersion: z.number().int().describe('The notice version counted (0 before the first notice round).'),
  takesEffectAt: z.string().optional(),
  targeted: z.number().int().describe('Partners given a notice of this version.'),
  counts: countsSchema.describe('Partners per state now (each counted once), and how many were escalated.'),
  notified: z.number().int().describe('delivered + opened + acknowledged + concern-raised'),
  rounds: z.array(roundSchema).describe('Every round of every version, in the order they were planned.'),
});

export const policyRecipientViewSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  stage: z.enum(relationshipStages),
  state: z.enum(recipientStates),
  stateAt: z.string(),
  escalated: z.boolean().optional(),
  deliveredTo: z.array(z.string()).optional().describe('Contact ids whose email the provider accepted.'),
  failure: z.string().optional().describe('Why no contact could be reached.'),
  concern: z
    .object({
      at: z.string(),
      text: z.string(),
      answer: z.object({ at: z.string(), by: z.string(), text: z.string() }).optional(),
    })
    .optional(),
});

export const policyRecipientPageSchema = z.object({
  items: z.array(policyRecipientViewSchema),
  cursor: z.string().optional(),
});

/** The states that count as notified: an email reached the partner (whatever it did next). */
const notifiedStates = [
  'delivered',
  'opened',
  'acknowledged',
  'concern-raised',
] as const satisfies readonly RecipientState[];

async function coverageOf(deps: Dependencies, change: PolicyChange) {
  const noticeVersion = change.noticeVersion ?? 0;
  // Before the first notice round nothing is counted yet: no item to read.
  const coverage =
    noticeVersion > 0
      ? await deps.policyRecipients.coverage(change.policyChangeId, noticeVersion)
      : emptyCoverage();
  const { targeted, ...counts } = coverage;
  const rounds = Object.entries(change.rounds ?? {})
    .map(([roundId, round]) => ({
      roundId,
      kind: round.kind,
      partners: round.partners,
      plannedAt: round.plannedAt,
      ...(round.completedAt !== undefined ? { completedAt: round.completedAt } : {}),
      ...(round.failedPartners !== undefined ? { failedPartners: round.failedPartners } : {}),
    }))
    .sort((a, b) => a.plannedAt.localeCompare(b.plannedAt) || a.roundId.localeCompare(b.roundId));
  return {
    policyChangeId: change.policyChangeId,
    title: change.title,
    status: change.status,
    noticeVersion,
    ...(change.takesEffectAt ? { takesEffectAt: change.takesEffectAt } : {}),
    targeted,
    counts,
    notified: notifiedStates.reduce((sum, state) => sum + coverage[state], 0),
    rounds,
  };
}

/** What staff see of a partner's notice: no contact addresses, no acknowledgement evidence. */
function recipientView(recipient: PolicyRecipient): z.infer<typeof policyRecipientViewSchema> {
  const { concern } = recipient;
  return {
    partnerId: recipient.partnerId,
    name: recipient.name,
    stage: recipient.stage,
    state: recipient.state,
    stateAt: recipient.stateAt,
    ...(recipient.escalated ? { escalated: true } : {}),
    ...(recipient.deliveredTo ? { deliveredTo: recipient.deliveredTo } : {}),
    ...(recipient.failure ? { failure: recipient.failure } : {}),
    ...(concern
      ? {
          concern: {
            at: concern.at,
            text: concern.text,
            ...(concern.answer ? { answer: concern.answer } : {}),
          },
        }
      : {}),
  };
}

/**
 * A state filter is applied after DynamoDB reads the items, so a page of `limit` read items may hold none in
 * the state: a filtered read examines this many items at a time instead, and at most `MAX_FILTERED_READS`
 * times a request (then the caller continues with the cursor), so a rare state among 50,000 partners still
 * answers in a bounded time.
 */
const FILTERED_READ_ITEMS = 500;
const MAX_FILTERED_READS = 10;

async function recipientPage(
  deps: Dependencies,
  policyChangeId: string,
  options: { limit: number; state?: RecipientState; cursor?: Record<string, NativeAttributeValue> },
) {
  const items: PolicyRecipient[] = [];
  let cursor = options.cursor;
  for (let read = 1; read <= MAX_FILTERED_READS; read += 1) {
    const page = await deps.policyRecipients.page(policyChangeId, {
      limit: options.state ? FILTERED_READ_ITEMS : options.limit - items.length,
      ...(options.state ? { state: options.state } : {}),
      ...(cursor ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.cursor;
    if (!cursor || items.length >= options.limit) break;
  }
  if (items.length > options.limit) {
    // More matched than asked for: the next page starts after the last one shown (the key is exclusive).
    items.length = options.limit;
    cursor = policyRecipientKeys.recipient(policyChangeId, items[items.length - 1]!.partnerId);
  }
  return { items, cursor };
}

export const policyCoverageRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: `${PATH}/coverage`,
    roles: staff,
    tag: TAG,
    summary:
      'How far the current notice version has reached: partners per state (one counter item, never a scan), notified and escalated, and the rounds sent so far.',
    params: policyChangeIdParams,
    responses: {
      200: { description: 'The coverage', schema: policyCoverageSchema },
      ...clientErrors,
      ...unknownPolicyChange,
    },
    handle: async (deps, { params }) => {
      const change = await deps.policyChanges.get(params.policyChangeId);
      if (!change) return problem(404, 'not-found', `No policy change ${params.policyChangeId}.`);
      return json(200, await coverageOf(deps, change));
    },
  }),
  route({
    method: 'GET',
    path: `${PATH}/recipients`,
    roles: staff,
    tag: TAG,
    summary:
      'The partners of a policy change in partner-id order, each in its state for the current notice version; filter by state, page with the cursor.',
    params: policyChangeIdParams,
    query: z
      .object({
        state: z.enum(recipientStates, `must be one of ${recipientStates.join(', ')}`).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(25),
        cursor: z.string().max(2000, 'must be at most 2000 characters').optional(),
      })
      .strict(),
    responses: {
      200: { description: 'A page of partners', schema: policyRecipientPageSchema },
      ...clientErrors,
      ...unknownPolicyChange,
    },
    handle: async (deps, { params, query }) => {
      const { policyChangeId } = params;
      const cursor = decodeCursor(query.cursor);
      if (cursor === 'invalid' || (cursor && !PolicyRecipientStore.cursorFits(policyChangeId, cursor))) {
        return unissuedCursor();
      }
      const change = await deps.policyChanges.get(policyChangeId);
      if (!change) return problem(404, 'not-found', `No policy change ${policyChangeId}.`);
      const page = await recipientPage(deps, policyChangeId, {
        limit: query.limit,
        ...(query.state ? { state: query.state } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return json(200, {
        items: page.items.map(recipientView),
        ...(page.cursor ? { cursor: encodeCursor(page.cursor) } : {}),
      });
    },
  }),
];
