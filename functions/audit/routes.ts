import * as z from 'zod';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import { type AuditEntry, auditEntryTypes, verifyChain } from '../domain/audit-chain.ts';
import { decodeCursor, encodeCursor } from '../http/outcomes.ts';
import { json, problem, unissuedCursor } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idText } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import { headsInScope, verifyAudit } from './anchoring.ts';
import { mayReadEvidence } from './evidence-access.ts';
import { entriesInStreamOrder } from './export.ts';
import { type AuditPosition, searchAudit } from './search.ts';

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
  /** Set (with `chain`) when the query was a change's id alone. */
  changeId: z.string().optional(),
  entries: z.array(auditEntrySchema),
  chain: z
    .object({ intact: z.boolean(), problem: z.string().optional(), seq: z.number().optional() })
    .optional(),
  nextCursor: z.string().optional(),
});

/** Entries of a search page unless `limit` says otherwise; and the most a page of the export holds. */
const DEFAULT_AUDIT_PAGE = 50;
/** Entries an export page holds at most: about 1 kB each, well under a Lambda response's 6 MB. */
const MAX_EXPORT_PAGE = 2000;

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
export const sinceText = z
  .string()
  .trim()
  .max(40, 'must be a date YYYY-MM-DD or an ISO 8601 time')
  .refine(
    (text) =>
      /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) &&
      !Number.isNaN(new Date(text).getTime()),
    'must be a date YYYY-MM-DD or an ISO 8601 time',
  );

const auditQuerySchema = z
  .object({
    changeId: idText.optional(),
    partnerId: idText.optional(),
    type: z.enum(auditEntryTypes).optional(),
    actor: idText.optional(),
    from: sinceText.optional(),
    to: sinceText.optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().max(1000).optional(),
  })
  .strict();

/** The instant a `from`/`to` names: a day from its start in UTC. */
const instantOf = (text: string) => new Date(text).toISOString();

/** The search position a cursor carries; 'invalid' when it is not one this API issued. */
function positionOf(cursor: string | undefined): AuditPosition | undefined | 'invalid' {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined || decoded === 'invalid') return decoded;
  const { at, stream, seq } = decoded;
  if (!at || !stream || !seq || !/^\d+$/.test(seq) || Number.isNaN(Date.parse(at))) return 'invalid';
  return { at, stream, seq: Number(seq) };
}

export const auditRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/audit',
    roles: ['compliance', 'finance', 'approver'],
    tag: 'audit',
    summary:
      'Search the audit trail, newest first, a page at a time (filters: partner, change, event type, actor, time range). With changeId alone: every entry of that change in order, its hash chain verified. Finance and approvers read only changes they submitted or approved',
    query: auditQuerySchema,
    responses: {
      200: { description: 'Entries (a page, or a change’s whole chain)', schema: auditResponseSchema },
      ...clientErrors,
      404: { description: 'No entries', schema: errorResponseSchema },
    },
    handle: async (deps, { query, caller }) => {
      const { changeId, cursor, limit, ...filters } = query;
      const compliance = caller?.roles.includes('compliance') ?? false;
      if (!compliance) {
        // Finance and approvers: one change at a time, and only their own (need to know). Another's change is
        // answered like a change without entries: whether it exists is not theirs to learn either.
        if (
          changeId === undefined ||
          Object.keys(filters).length > 0 ||
          cursor !== undefined ||
          limit !== undefined
        )
          return problem(
            400,
            'invalid-request',
            'Finance and approvers read the audit entries of their own changes: give changeId alone.',
            {
              fields: [
                {
                  field: 'changeId',
                  reason: 'is required, alone (finance and approvers read their own changes only)',
                },
              ],
            },
          );
        const change = await deps.changes.get(changeId);
        if (!change || !mayReadEvidence(caller, change))
          return problem(
            404,
            'not-found',
            `No audit entries for a change ${changeId} you submitted or approved.`,
          );
      }
      if (
        changeId !== undefined &&
        Object.keys(filters).length === 0 &&
        cursor === undefined &&
        limit === undefined
      ) {
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
      }
      const after = positionOf(cursor);
      if (after === 'invalid') return unissuedCursor();
      const found = await searchAudit(deps, {
        ...(changeId !== undefined ? { changeId } : {}),
        ...(filters.partnerId !== undefined ? { partnerId: filters.partnerId } : {}),
        ...(filters.type !== undefined ? { type: filters.type } : {}),
        ...(filters.actor !== undefined ? { actor: filters.actor } : {}),
        ...(filters.from !== undefined ? { from: instantOf(filters.from) } : {}),
        ...(filters.to !== undefined ? { to: instantOf(filters.to) } : {}),
        limit: limit ?? DEFAULT_AUDIT_PAGE,
        ...(after ? { after } : {}),
      });
      return json(200, {
        entries: found.entries,
        ...(found.next ? { nextCursor: encodeCursor({ ...found.next, seq: String(found.next.seq) }) } : {}),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/export',
    roles: ['compliance'],
    tag: 'audit',
    summary:
      'Every audit entry (of one partner, if given) exactly as stored, in verification order (by stream, then seq), a page at a time: what `pcn audit export` writes as JSON Lines or CSV',
    query: z
      .object({
        partnerId: idText.optional(),
        limit: z.coerce.number().int().min(1).max(MAX_EXPORT_PAGE).optional(),
        cursor: z.string().max(1000).optional(),
      })
      .strict(),
    responses: {
      200: {
        description: 'A page of entries',
        schema: z.object({ entries: z.array(auditEntrySchema), nextCursor: z.string().optional() }),
      },
      ...clientErrors,
    },
    handle: async (deps, { query }) => {
      const cursor = decodeCursor(query.cursor);
      if (cursor === 'invalid' || (cursor && !/^\d+$/.test(cursor.seq ?? '')) || (cursor && !cursor.stream))
        return unissuedCursor('export');
      const after = cursor ? { stream: cursor.stream!, seq: Number(cursor.seq) } : undefined;
      const limit = query.limit ?? MAX_EXPORT_PAGE;
      const entries: AuditEntry[] = [];
      let more = false;
      for await (const entry of entriesInStreamOrder(
        deps,
        query.partnerId ? { partnerId: query.partnerId } : {},
        after,
      )) {
        if (entries.length === limit) {
          more = true;
          break;
        }
        entries.push(entry);
      }
      const last = entries.at(-1);
      return json(200, {
        entries,
        ...(more && last ? { nextCursor: encodeCursor({ stream: last.stream, seq: String(last.seq) }) } : {}),
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
    path: '/api/audit/heads',
    roles: ['compliance'],
    tag: 'audit',
    summary:
      'Every audit stream’s head now (of one partner, if given): its last seq and hash — what an export is a snapshot up to',
    query: z.object({ partnerId: idText.optional() }).strict(),
    responses: {
      200: {
        description: 'The heads, by stream',
        schema: z.object({
          heads: z.array(
            z.object({
              stream: z.string(),
              seq: z.number(),
              hash: z.string(),
              lastAt: z.string().optional(),
            }),
          ),
        }),
      },
      ...clientErrors,
    },
    handle: async (deps, { query }) => json(200, { heads: await headsInScope(deps, query.partnerId) }),
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
