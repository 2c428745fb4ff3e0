import { createHash, randomBytes } from 'node:crypto';
import { commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import { type PolicyChange, policyAuditStreamOf } from '../adapters/dynamodb/policy-change-store.ts';
import { isConditionFailed } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { earliestEffectiveDate, idempotencyKeyReused } from '../domain/submission-rules.ts';
import { evaluatePolicyChange, initialPolicyStatus, type PolicyRuleViolation } from './rules.ts';
import type { PolicyChangeRequest } from './schemas.ts';
import { type Segment, type SegmentPreview, segmentPreview } from './segment.ts';
import { startPolicyWorkflow } from './workflow.ts';

/** Policy change ids: `pol_` + time (base 36, so ids sort by creation) + randomness; never a change's `chg_`. */
export function newPolicyChangeId(now: Date): string {
  return `pol_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

/**
 * Resolves a segment against the directory: one full read of the partners' segment facts (PartnerStore
 * .segmentFacts). Fine at tens of thousands of partners for a person's preview; the sending workflow will
 * write the same resolution to a manifest instead of holding it in memory.
 */
export async function resolveSegment(
  deps: Dependencies,
  segment: Segment,
  adverse: boolean,
): Promise<SegmentPreview> {
  const partners = await deps.partners.segmentFacts();
  return segmentPreview(partners, segment, adverse, deps.policy);
}

export type PolicyPreviewOutcome = Omit<SegmentPreview, 'partnerIds'> & { earliestEffectiveDate: string };

/** What a segment reaches and the notice it owes: nothing is written. */
export async function previewPolicySegment(
  deps: Dependencies,
  segment: Segment,
  adverse: boolean,
): Promise<PolicyPreviewOutcome> {
  const { partnerIds: _ids, ...preview } = await resolveSegment(deps, segment, adverse);
  // The same date the submission's rule checks (evaluatePolicyChange: effective date ≥ earliest).
  return {
    ...preview,
    earliestEffectiveDate: earliestEffectiveDate(adverse, deps.clock.now(), preview.noticeDays),
  };
}

export type PolicySubmissionOutcome =
  | { outcome: 'created' | 'replayed'; change: PolicyChange; earliestEffectiveDate: string }
  | { outcome: 'policy-violation'; violations: PolicyRuleViolation[]; earliestEffectiveDate: string }
  | { outcome: 'idempotency-key-reused'; violations: { field: string; reason: string }[] };

function fingerprint(request: PolicyChangeRequest): string {
  return createHash('sha256')
    .update(canonicalJson({ kind: 'policy-change', request }))
    .digest('hex');
}

/**
 * Records a program policy change with its audit entry (and its idempotency key) in one transaction, after
 * the rules (segment reaches somebody, notice, rationale). Adverse: it waits for a second person's approval;
 * favourable: approved at once. A retry with the same Idempotency-Key answers the change it created.
 */
export async function submitPolicyChange(
  deps: Dependencies,
  request: PolicyChangeRequest,
  submittedBy: string,
  idempotencyKey?: string,
): Promise<PolicySubmissionOutcome> {
  const requestFingerprint = fingerprint(request);
  if (idempotencyKey) {
    const replay = await replayIfKnown(deps, submittedBy, idempotencyKey, requestFingerprint);
    if (replay) return replay;
  }
  const now = deps.clock.now();
  const preview = await resolveSegment(deps, request.segment, request.adverse);
  const verdict = evaluatePolicyChange({
    adverse: request.adverse,
    effectiveDate: request.effectiveDate,
    rationale: request.rationale,
    now,
    preview,
  });
  if (verdict.violations.length > 0) {
    return {
      outcome: 'policy-violation',
      violations: verdict.violations,
      earliestEffectiveDate: verdict.earliestEffectiveDate,
    };
  }
  const change: PolicyChange = {
    policyChangeId: newPolicyChangeId(now),
    status: initialPolicyStatus(request.adverse),
    revision: 1,
    title: request.title,
    summary: request.summary,
    ...(request.policyText !== undefined ? { policyText: request.policyText } : {}),
    ...(request.document !== undefined ? { document: request.document } : {}),
    rationale: request.rationale.trim(),
    adverse: request.adverse,
    effectiveDate: request.effectiveDate,
    segment: request.segment,
    targeted: preview.targeted,
    byStage: preview.byStage,
    noticeDays: preview.noticeDays,
    submittedBy,
    submittedAt: now.toISOString(),
  };
  try {
    await commitWithAudit(
      deps.documentClient,
      deps.tables,
      policyAuditStreamOf(change.policyChangeId),
      [
        {
          type: 'policy-change-submitted',
          at: change.submittedAt,
          actor: submittedBy,
          details: {
            title: change.title,
            adverse: change.adverse,
            effectiveDate: change.effectiveDate,
            segment: change.segment,
            targeted: change.targeted,
            byStage: change.byStage,
            noticeDays: change.noticeDays,
            ...(change.document ? { document: change.document } : {}),
            status: change.status,
          },
        },
      ],
      [
        deps.policyChanges.create(change),
        ...(idempotencyKey
          ? [
              deps.policyChanges.claimIdempotencyKey(submittedBy, idempotencyKey, {
                policyChangeId: change.policyChangeId,
                requestFingerprint,
              }),
            ]
          : []),
      ],
      null,
    );
  } catch (error) {
    // A concurrent retry with the same key won the claim: answer the change it created.
    if (idempotencyKey && isConditionFailed(error)) {
      const replay = await replayIfKnown(deps, submittedBy, idempotencyKey, requestFingerprint);
      if (replay) return replay;
    }
    throw error;
  }
  // A favourable change needs no approval: its notices go out now.
  if (change.status === 'approved') await startPolicyWorkflow(deps, change.policyChangeId);
  return { outcome: 'created', change, earliestEffectiveDate: verdict.earliestEffectiveDate };
}

async function replayIfKnown(
  deps: Dependencies,
  submittedBy: string,
  idempotencyKey: string,
  requestFingerprint: string,
): Promise<PolicySubmissionOutcome | undefined> {
  const known = await deps.policyChanges.idempotencyRecord(submittedBy, idempotencyKey);
  if (!known) return undefined;
  if (known.requestFingerprint !== requestFingerprint) {
    return {
      outcome: 'idempotency-key-reused',
      violations: [idempotencyKeyReused],
    };
  }
  const change = await deps.policyChanges.get(known.policyChangeId);
  if (!change) throw new Error(`Idempotency record points at missing policy change ${known.policyChangeId}`);
  return { outcome: 'replayed', change, earliestEffectiveDate: change.effectiveDate };
}
