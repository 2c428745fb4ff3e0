import type { Dependencies } from '../dependencies.ts';
import type { Caller } from '../http/caller.ts';
import { binary, type HttpResponse, json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import { changeIdParams } from '../notices/schemas.ts';
import { evidenceOf, evidencePackSchema } from './evidence.ts';
import { mayReadEvidence } from './evidence-access.ts';

const roles = ['compliance', 'finance', 'approver'] as const;

const refusals = {
  ...clientErrors,
  403: {
    description: 'The caller lacks the role, or (finance, approver) did not submit or approve this change',
    schema: errorResponseSchema,
  },
  404: { description: 'Unknown change', schema: errorResponseSchema },
};

async function evidenceOrProblem(
  deps: Dependencies,
  changeId: string,
  caller: Caller | undefined,
  render: (pack: Exclude<Awaited<ReturnType<typeof evidenceOf>>, string>) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const pack = await evidenceOf(deps, changeId, { mayRead: (change) => mayReadEvidence(caller, change) });
  if (pack === 'unknown-change') return problem(404, 'not-found', `No change ${changeId}.`);
  if (pack === 'forbidden')
    return problem(
      403,
      'forbidden',
      `Only compliance, the change's submitter (finance) or its approvers may read change ${changeId}'s evidence.`,
    );
  return render(pack);
}

export const evidenceRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/audit/evidence/{changeId}',
    roles,
    tag: 'audit',
    summary:
      'A change’s evidence pack: the notice as shown (each version, its hash recomputed), the rationale, the timeline, each acknowledgement with its proof, opens and deliveries apart, the signed digest covering it with the Merkle inclusion proof, and the verification result',
    params: changeIdParams,
    responses: { 200: { description: 'The evidence pack', schema: evidencePackSchema }, ...refusals },
    handle: (deps, { params, caller }) =>
      evidenceOrProblem(deps, params.changeId, caller, async (pack) => json(200, pack)),
  }),
  route({
    method: 'GET',
    path: '/api/audit/evidence/{changeId}/pdf',
    roles,
    tag: 'audit',
    summary: 'The same evidence pack as a human-readable PDF (a download)',
    params: changeIdParams,
    responses: {
      200: { description: 'The evidence pack as PDF', binary: 'application/pdf' },
      ...refusals,
    },
    handle: (deps, { params, caller }) =>
      evidenceOrProblem(deps, params.changeId, caller, async (pack) => {
        // Imported on the first PDF asked for: in the HTTP API's single-file bundle esbuild then runs pdf-lib's
        // module code (its fonts among it) at that call rather than at every cold start.
        const { evidencePdf } = await import('./evidence-pdf.ts');
        return binary(200, await evidencePdf(pack), 'application/pdf', `${pack.changeId}.evidence.pdf`);
      }),
  }),
];
