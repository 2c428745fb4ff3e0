import { z } from 'zod';
import { readAuditHead } from '../adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import { verifyChain } from '../domain/audit-chain.ts';
import { json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idText } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';

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
      const entries = (await deps.changes.auditEntries(changeId)).sort((a, b) => a.seq - b.seq);
      const head = await readAuditHead(deps.documentClient, deps.tables.auditTrail, auditStreamOf(changeId));
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
];
