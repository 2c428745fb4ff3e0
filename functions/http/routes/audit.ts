import { readAuditHead } from '../../adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf, ChangeStore } from '../../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../../dependencies.ts';
import { verifyChain } from '../../domain/audit-chain.ts';
import type { ApiRequest } from '../request.ts';
import { type HttpResponse, json, problem } from '../responses.ts';
import { auditQuerySchema, fieldErrors } from '../schemas.ts';

/** The change's audit entries in order, with the chain verified on the way out. */
export async function getAuditEntries(deps: Dependencies, request: ApiRequest): Promise<HttpResponse> {
  const parsed = auditQuerySchema.safeParse(request.query);
  if (!parsed.success) {
    return problem(400, 'invalid-request', 'changeId is required.', { fields: fieldErrors(parsed.error) });
  }
  const { changeId } = parsed.data;
  const entries = (await new ChangeStore(deps.documentClient, deps.tables).auditEntries(changeId)).sort(
    (a, b) => a.seq - b.seq,
  );
  const head = await readAuditHead(deps.documentClient, deps.tables.auditTrail, auditStreamOf(changeId));
  if (entries.length === 0 && !head)
    return problem(404, 'not-found', `No audit entries for change ${changeId}.`);
  const verdict = verifyChain(entries, head);
  return json(200, {
    changeId,
    entries,
    chain: verdict.intact ? { intact: true } : { intact: false, seq: verdict.seq, problem: verdict.problem },
  });
}
