import * as z from 'zod';
import { startOfUtcDay, toIsoDate } from '../domain/calendar.ts';
import type { Partner } from '../domain/partner.ts';
import { ALL_SCOPE, rateInForce } from '../domain/rate-schedule.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { decodeCursor, encodeCursor } from '../http/outcomes.ts';
import { json, problem, unissuedCursor } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idText } from '../http/schemas.ts';
import { clientErrors, staff } from '../notices/routes.ts';
import { newPartnerSchema, partnerProfileSchema } from './profile.ts';
import { createPartner, updatePartner } from './write.ts';

/** Only partner managers write the directory; every staff role reads it. */
export const directoryWriters = ['partner-manager'] as const;

const text = (maximum: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(maximum, `must be at most ${maximum} characters`)
    .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

export const partnerListQuerySchema = z
  .object({
    q: text(100).optional().describe('Name or id contains this (case-insensitive).'),
    stage: z.enum(relationshipStages).optional(),
    region: text(50).optional().describe('Exactly this region.'),
    tier: text(50).optional().describe('Exactly this tier.'),
    tag: text(50).optional().describe('Has this tag.'),
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(200, 'must be at most 200')
      .default(50),
    cursor: z.string().max(2000).optional().describe('From the previous page.'),
  })
  .strict();

/** What a list item and a whole record both say of a partner. */
const partnerHeadline = {
  partnerId: z.string(),
  name: z.string(),
  stage: z.enum(relationshipStages),
  region: z.string().optional(),
  tier: z.string().optional(),
  tags: z.array(z.string()),
  version: z.number(),
};

export const partnerSummarySchema = z.object({
  ...partnerHeadline,
  currentRatePct: z.number().nullable().describe('The partner-wide rate in force today.'),
});

export const partnerListSchema = z.object({
  partners: partnerSummarySchema.array().describe('Sorted by name within the page.'),
  cursor: z.string().optional().describe('Where the next page starts; absent on the last page.'),
});

const contactView = z.object({
  contactId: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['primary', 'fallback']),
});

export const partnerRecordSchema = z.object({
  ...partnerHeadline,
  allianceManager: z.object({ userId: z.string(), name: z.string(), email: z.string() }),
  contacts: z.array(contactView),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const versionConflictSchema = errorResponseSchema.extend({
  currentVersion: z.number().describe('The version the partner is at now: re-read, decide, send it.'),
  current: partnerRecordSchema,
});

/** A partner as the directory answers it (tags always a list). */
export function partnerRecord(partner: Partner): z.infer<typeof partnerRecordSchema> {
  return {
    partnerId: partner.partnerId,
    name: partner.name,
    stage: partner.stage,
    ...(partner.region !== undefined ? { region: partner.region } : {}),
    ...(partner.tier !== undefined ? { tier: partner.tier } : {}),
    tags: partner.tags ?? [],
    allianceManager: partner.allianceManager,
    contacts: partner.contacts,
    version: partner.version,
    createdAt: partner.createdAt,
    updatedAt: partner.updatedAt,
  };
}

/** The version as an entity tag: the If-Match of an edit names it. */
export const versionTag = (version: number) => `"${version}"`;

const versionNumber = z.int('must be a whole number').min(1, 'must be at least 1').max(1_000_000_000);

/** An edit: the new profile and the version it was made on. The stage is not edited here. */
export const partnerUpdateSchema = partnerProfileSchema.extend({
  version: versionNumber
    .optional()
    .describe(
      'The version this edit was made on (or send it as If-Match: "<version>"; if both, they must agree).',
    ),
  stage: z
    .unknown()
    .refine(() => false, 'cannot be edited: moving a partner’s stage is a change of its own (with a reason)')
    .optional()
    .describe('Refused: a stage move is a change, not an edit.'),
});

const ifMatch = z
  .string()
  .trim()
  .max(40, 'must be a version in quotes, e.g. "3"')
  .regex(/^"?[1-9]\d{0,9}"?$/, 'must be a version in quotes, e.g. "3" (the ETag of the partner)')
  .transform((value) => Number(value.replaceAll('"', '')))
  .optional()
  .describe('The version this edit was made on, as the partner’s ETag ("3").');

const partnerParams = z.object({ partnerId: idText.describe('The partner id (its external id).') });

function conflict(currentVersion: number, current: Partner, message: string) {
  return json(409, {
    error: 'version-conflict',
    message,
    currentVersion,
    current: partnerRecord(current),
  });
}

export const directoryRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/partners',
    roles: staff,
    tag: 'partners',
    summary:
      'The partner directory, a page at a time: search (q) and filter by stage, region, tier and tag; each with its partner-wide rate today',
    query: partnerListQuerySchema,
    responses: { 200: { description: 'A page of partners', schema: partnerListSchema }, ...clientErrors },
    handle: async (deps, { query }) => {
      const cursor = decodeCursor(query.cursor);
      if (cursor === 'invalid') return unissuedCursor();
      const page = await deps.partners.page({ ...query, cursor });
      if (page === 'invalid-cursor') return unissuedCursor();
      const today = toIsoDate(startOfUtcDay(deps.clock.now()));
      // One rate-schedule query per partner of this page (at most `limit`), never per partner of the directory.
      const partners = await Promise.all(
        page.partners.map(async (partner) => ({
          partnerId: partner.partnerId,
          name: partner.name,
          stage: partner.stage,
          ...(partner.region !== undefined ? { region: partner.region } : {}),
          ...(partner.tier !== undefined ? { tier: partner.tier } : {}),
          tags: partner.tags ?? [],
          version: partner.version,
          currentRatePct:
            rateInForce(await deps.partners.rateSchedule(partner.partnerId), today, ALL_SCOPE)?.ratePct ??
            null,
        })),
      );
      partners.sort((a, b) => a.name.localeCompare(b.name) || a.partnerId.localeCompare(b.partnerId));
      return json(200, { partners, ...(page.cursor ? { cursor: encodeCursor(page.cursor) } : {}) });
    },
  }),
  route({
    method: 'POST',
    path: '/api/partners',
    roles: directoryWriters,
    tag: 'partners',
    summary:
      'Create a partner (version 1) with its contacts, alliance manager and opening rate schedule; its id is its external id (CRM/PRM)',
    body: { mediaType: 'application/json', schema: newPartnerSchema },
    responses: {
      201: { description: 'Created', schema: partnerRecordSchema },
      ...clientErrors,
      409: {
        description: 'A partner with this id exists (nothing was written): its current record',
        schema: versionConflictSchema.extend({ error: z.literal('partner-exists') }),
      },
    },
    handle: async (deps, { body, caller }) => {
      const outcome = await createPartner(deps, body, caller!.userId);
      if (outcome.outcome === 'exists') {
        return json(409, {
          error: 'partner-exists',
          message: `A partner with id ${body.partnerId} exists (version ${outcome.current.version}); nothing was written.`,
          currentVersion: outcome.current.version,
          current: partnerRecord(outcome.current),
        });
      }
      return json(201, partnerRecord(outcome.partner), {
        etag: versionTag(outcome.partner.version),
        location: `/api/partners/${encodeURIComponent(outcome.partner.partnerId)}`,
      });
    },
  }),
  route({
    method: 'PUT',
    path: '/api/partners/{partnerId}',
    roles: directoryWriters,
    tag: 'partners',
    summary:
      'Replace a partner’s profile (name, region, tier, tags, alliance manager, contacts) if it is still at the version given; the stage is not edited here',
    params: partnerParams,
    headers: z.looseObject({ 'if-match': ifMatch }),
    body: { mediaType: 'application/json', schema: partnerUpdateSchema },
    responses: {
      200: {
        description: 'Updated (version + 1), or unchanged (the same profile: nothing written)',
        schema: partnerRecordSchema.extend({ outcome: z.enum(['updated', 'unchanged']) }),
      },
      ...clientErrors,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
      409: {
        description: 'The partner is no longer at that version (someone else wrote it): nothing was written',
        schema: versionConflictSchema,
      },
    },
    handle: async (deps, { params, headers, body, caller }) => {
      const { version: bodyVersion, stage: _stage, ...profile } = body;
      const headerVersion = headers['if-match'];
      if (bodyVersion === undefined && headerVersion === undefined) {
        return problem(400, 'invalid-request', 'version is required: the version this edit was made on.', {
          fields: [{ field: 'version', reason: 'is required (in the body, or as If-Match: "<version>")' }],
        });
      }
      if (bodyVersion !== undefined && headerVersion !== undefined && bodyVersion !== headerVersion) {
        return problem(400, 'invalid-request', 'If-Match and version name different versions.', {
          fields: [
            {
              field: 'if-match',
              reason: `names version ${headerVersion} but the body's version is ${bodyVersion}: send one, or the same`,
            },
          ],
        });
      }
      const expected = (bodyVersion ?? headerVersion)!;
      const outcome = await updatePartner(deps, params.partnerId, expected, profile, caller!.userId);
      switch (outcome.outcome) {
        case 'unknown-partner':
          return problem(404, 'not-found', `No partner ${params.partnerId}.`);
        case 'version-conflict':
          return conflict(
            outcome.currentVersion,
            outcome.current,
            `${outcome.current.name} is at version ${outcome.currentVersion}, not ${expected}: someone else changed it. Nothing was written; re-read it and edit again.`,
          );
        default:
          return json(
            200,
            { outcome: outcome.outcome, ...partnerRecord(outcome.partner) },
            { etag: versionTag(outcome.partner.version) },
          );
      }
    },
  }),
];
