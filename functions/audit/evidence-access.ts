import type { Change } from '../domain/change.ts';

/** Who asks: a user id and their roles (the API's caller; the console's signed-in person). */
export interface EvidenceReader {
  userId: string;
  roles: readonly string[];
}

/**
 * Who may read a change's audit entries (GET /api/audit, functions/audit/routes.ts) and its evidence pack: compliance any change's; finance only the changes they submitted and
 * an approver only those they approved (finance reads the audit only for its own changes). One rule for the
 * API (functions/audit/evidence-routes.ts) and the console's button; no imports beyond types, so the console
 * bundles it as it is.
 */
export function mayReadEvidence(
  reader: EvidenceReader | undefined,
  change: Pick<Change, 'submittedBy'> & { approval: { approvals: readonly { by: string }[] } },
): boolean {
  if (!reader) return false;
  if (reader.roles.includes('compliance')) return true;
  if (reader.roles.includes('finance') && change.submittedBy === reader.userId) return true;
  return (
    reader.roles.includes('approver') &&
    change.approval.approvals.some((approval) => approval.by === reader.userId)
  );
}
