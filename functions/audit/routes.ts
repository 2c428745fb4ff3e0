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

/** Re-reads of a stream's entries when a writer appended between the entries and the head (a busy stream). */
const MAX_AUDIT_REREADS = 3;

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
      const read = async () => (await deps.changes.auditEntries(changeId)).sort((a, b) => a.seq - b.seq);
      let entries = await read();
      const head = await readAuditHead(deps.documentClient, deps.tables.auditTrail, auditStreamOf(changeId));
      // A step that commits between the two reads moves the head past the entries read, which would look like
      // a deleted tail: read the entries again (a real deleted tail stays missing, and is reported).
      for (
        let reread = 1;
        reread <= MAX_AUDIT_REREADS && head && (entries.at(-1)?.seq ?? 0) < head.seq;
        reread += 1
      )
        entries = await read();
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
