import { z } from 'zod';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import { verifyChain } from '../domain/audit-chain.ts';
import { json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idText } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import { verifyAudit } from './anchoring.ts';

export const auditEntrySchema = z.object({
  stream: z.string(),
  seq: z.number(),
  type: z.string(),
  at: z.string(),
  actor: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

export const auditResponseSchema = z.object({
  changeId: z.string(),
  entries: z.array(auditEntrySchema),
  chain: z.object({ intact: z.boolean(), problem: z.string().optional(), seq: z.number().optional() }),
});

const problemSchema = z.object({ seq: z.number(), kind: z.string(), message: z.string() });

export const auditVerificationSchema = z.object({
  intact: z.boolean(),
  verifiedAt: z.string(),
  scope: z.object({ partnerId: z.string().optional(), since: z.string().optional() }),
  streams: z.number(),
  entries: z.number(),
  sealedEntries: z.number(),
  digests: z.object({
    count: z.number(),
    latest: z
      .object({
        number: z.number(),
        sealedAt: z.string(),
        merkleRoot: z.string(),
        signingKeyId: z.string(),
        streams: z.number(),
        entries: z.number(),
      })
      .optional(),
    problems: z.array(problemSchema.omit({ seq: true }).extend({ number: z.number() })),
  }),
  problems: z.array(problemSchema.extend({ stream: z.string() })),
});

const digestSummarySchema = z.object({
  number: z.number(),
  sealedAt: z.string(),
  previousDigestHash: z.string(),
  merkleRoot: z.string(),
  streams: z.number(),
  entries: z.number(),
  signingKeyId: z.string(),
  algorithm: z.literal('ECDSA_SHA_256'),
});

/** A day (YYYY-MM-DD, from its start in UTC) or an instant (ISO 8601 with its offset). */
const sinceText = z
  .string()
  .trim()
  .max(40, 'must be a date YYYY-MM-DD or an ISO 8601 time')
  .refine(
    (text) =>
      /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) &&
      !Number.isNaN(new Date(text).getTime()),
    'must be a date YYYY-MM-DD or an ISO 8601 time',
  );

export const auditRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/audit',
    roles: ['compliance', 'finance', 'approver'],
    tag: 'audit',
    summary: 'Audit entries of a change (query changeId), with the hash chain verified',
    query: z.object({ changeId: idText }).strict(),
    responses: {
      200: { description: 'Entries in order', schema: auditResponseSchema },
      ...clientErrors,
      404: { description: 'No entries', schema: errorResponseSchema },
    },
    handle: async (deps, { query }) => {
      const { changeId } = query;
      const { entries, head } = await deps.audit.stream(auditStreamOf(changeId));
      if (entries.length === 0 && !head)
        return problem(404, 'not-found', `No audit entries for change ${changeId}.`);
      const verdict = verifyChain(entries, head);
      return json(200, {
        changeId,
        entries,
        chain: verdict.intact
          ? { intact: true }
          : { intact: false, seq: verdict.seq, problem: verdict.problem },
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/verify',
    roles: ['compliance'],
    tag: 'audit',
    summary:
      'Recompute every audit hash and link (of one partner, or of streams written since a time) against the chains’ heads and the latest signed digest; names each tampered entry and what is wrong',
    query: z.object({ partnerId: idText.optional(), since: sinceText.optional() }).strict(),
    responses: {
      200: { description: 'The verification (intact, or each problem)', schema: auditVerificationSchema },
      ...clientErrors,
      404: { description: 'Unknown partner', schema: errorResponseSchema },
    },
    handle: async (deps, { query }) => {
      const scope = {
        ...(query.partnerId ? { partnerId: query.partnerId } : {}),
        ...(query.since ? { since: new Date(query.since).toISOString() } : {}),
      };
      const verification = await verifyAudit(deps, scope);
      if (scope.partnerId && verification.streams === 0 && !(await deps.partners.get(scope.partnerId)))
        return problem(404, 'not-found', `No partner ${scope.partnerId}.`);
      return json(200, verification);
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/digests',
    roles: ['compliance'],
    tag: 'audit',
    summary: 'The signed audit digests, oldest first (each one’s heads at /api/audit/digests/{number})',
    responses: {
      200: {
        description: 'The digests',
        schema: z.object({ digests: z.array(digestSummarySchema) }),
      },
      ...clientErrors,
    },
    handle: async (deps) => json(200, { digests: (await deps.digests.all()).map((signed) => signed.digest) }),
  }),
  route({
    method: 'GET',
    path: '/api/audit/digests/{number}',
    roles: ['compliance'],
    tag: 'audit',
    summary: 'One signed digest as archived: its body, signature (base64 DER) and the heads it seals',
    params: z.object({
      number: z.string().regex(/^[1-9]\d{0,11}$/, 'must be a digest number (1, 2, …)'),
    }),
    responses: {
      200: { description: 'The signed digest' },
      ...clientErrors,
      404: { description: 'No such digest', schema: errorResponseSchema },
    },
    handle: async (deps, { params }) => {
      const number = Number(params.number);
      const signed = (await deps.digests.all()).find((candidate) => candidate.digest.number === number);
      return signed ? json(200, signed) : problem(404, 'not-found', `No digest ${number}.`);
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/public-key',
    roles: ['compliance'],
    tag: 'audit',
    summary:
      'The public key the audit digests are signed with (SPKI PEM), for verifying them outside the system',
    responses: {
      200: {
        description: 'The key',
        schema: z.object({
          keyId: z.string(),
          algorithm: z.literal('ECDSA_SHA_256'),
          publicKeyPem: z.string(),
        }),
      },
      ...clientErrors,
    },
    handle: async (deps) =>
      json(200, {
        keyId: await deps.digestSigner.keyId(),
        algorithm: 'ECDSA_SHA_256',
        publicKeyPem: await deps.digestSigner.publicKeyPem(),
      }),
  }),
];
