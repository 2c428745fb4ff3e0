import { createHash, randomBytes } from 'node:crypto';
import type { TransactItem } from '../adapters/dynamodb/audited-transaction.ts';
import { ChangeStore, changeKeys, type StoredChange } from '../adapters/dynamodb/change-store.ts';
import { PartnerStore } from '../adapters/dynamodb/partner-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { parseIsoDate, startOfUtcDay, toIsoDate } from '../domain/calendar.ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { type ChangeScope, rateInForce, scopeKeyOf } from '../domain/rate-schedule.ts';
import {
  earliestEffectiveDate,
  evaluateCommissionChange,
  type RuleViolation,
} from '../domain/submission-rules.ts';
import { forecastTrustImpact } from '../domain/trust-rules.ts';
import { commitChangeStep } from './change-step.ts';
import { WORKFLOW_PENDING } from './start-pending-workflows.ts';

export interface CommissionChangeRequest {
  partnerId: string;
  currentRatePct: number;
  newRatePct: number;
  effectiveDate: string;
  rationale: string;
  scope?: ChangeScope | undefined;
}

export type SubmissionOutcome =
  | {
      outcome: 'created' | 'replayed';
      change: StoredChange;
      earliestEffectiveDate: string;
      forecastTrustPoints: number;
    }
  | {
      outcome: 'rejected';
      status: 404 | 409 | 422;
      violations: RuleViolation[] | { field: string; reason: string }[];
      earliestEffectiveDate?: string;
    };

/** Time-ordered, unguessable change ids (sorting by id sorts by submission). */
export function newChangeId(now: Date): string {
  return `chg_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

function fingerprint(request: CommissionChangeRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * Finance submits a commission change: the rules decide, and an accepted change is recorded with its audit
 * entry (and idempotency key) in one transaction before its workflow starts.
 */
export async function submitCommissionChange(
  deps: Dependencies,
  request: CommissionChangeRequest,
  submittedBy: string,
  idempotencyKey?: string,
): Promise<SubmissionOutcome> {
  const changes = new ChangeStore(deps.documentClient, deps.tables);
  const requestFingerprint = fingerprint(request);

  if (idempotencyKey) {
    const replay = await replayIfKnown(deps, changes, submittedBy, idempotencyKey, requestFingerprint);
    if (replay) return replay;
  }

  const partners = new PartnerStore(deps.documentClient, deps.tables);
  const partner = await partners.get(request.partnerId);
  if (!partner) {
    return {
      outcome: 'rejected',
      status: 404,
      violations: [{ field: 'partnerId', reason: `No partner with id ${request.partnerId}.` }],
    };
  }
  const now = deps.clock.now();
  const today = toIsoDate(startOfUtcDay(now));
  const scopeKey = scopeKeyOf(request.scope);
  const inForce = rateInForce(await partners.rateSchedule(partner.partnerId), today, scopeKey);
  if (!inForce) {
    return {
      outcome: 'rejected',
      status: 422,
      violations: [
        { field: 'partnerId', reason: `Partner ${partner.name} has no commission rate in force.` },
      ],
    };
  }
  const stagePolicy = deps.stagePolicies[partner.stage];
  const verdict = evaluateCommissionChange(request, {
    now,
    stage: partner.stage,
    stagePolicy,
    rateInForcePct: inForce.ratePct,
  });
  if (!verdict.accepted) {
    return {
      outcome: 'rejected',
      status: verdict.conflict ? 409 : 422,
      violations: verdict.violations,
      earliestEffectiveDate: verdict.earliestEffectiveDate,
    };
  }

  const change: StoredChange = {
    changeId: newChangeId(now),
    partnerId: partner.partnerId,
    partnerStage: partner.stage,
    currentRatePct: request.currentRatePct,
    newRatePct: request.newRatePct,
    direction: verdict.direction,
    effectiveDate: request.effectiveDate,
    rationale: request.rationale,
    ...(request.scope ? { scope: request.scope } : {}),
    scopeKey,
    noticePeriodDays: verdict.noticePeriodDays,
    submittedBy,
    submittedAt: now.toISOString(),
    status: 'submitted',
    followUp: { remindersSent: 0, escalated: false },
  };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.tables.changes,
        // Marks the change for the pending-workflow sweep until its notice goes out (see start-pending-workflows).
        Item: { ...changeKeys.change(change.changeId), ...change, workflowPending: WORKFLOW_PENDING },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
  if (idempotencyKey) {
    items.push({
      Put: {
        TableName: deps.tables.changes,
        Item: {
          ...changeKeys.idempotency(submittedBy, idempotencyKey),
          changeId: change.changeId,
          requestFingerprint,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  try {
    await commitChangeStep(
      deps,
      change.changeId,
      {
        type: 'change-submitted',
        at: change.submittedAt,
        actor: submittedBy,
        details: {
          partnerId: change.partnerId,
          stage: change.partnerStage,
          currentRatePct: change.currentRatePct,
          newRatePct: change.newRatePct,
          direction: change.direction,
          effectiveDate: change.effectiveDate,
          noticePeriodDays: change.noticePeriodDays,
          scopeKey: change.scopeKey,
          rationale: change.rationale,
        },
      },
      items,
    );
  } catch (error) {
    // A concurrent request with the same key won the race: answer with its change.
    if (error instanceof ConditionNotMet && idempotencyKey) {
      const replay = await replayIfKnown(deps, changes, submittedBy, idempotencyKey, requestFingerprint);
      if (replay) return replay;
    }
    throw error;
  }
  await deps.workflow.startCommissionChange(change.changeId);
  return {
    outcome: 'created',
    change,
    earliestEffectiveDate: verdict.earliestEffectiveDate,
    forecastTrustPoints: forecast(deps, change),
  };
}

function forecast(deps: Dependencies, change: StoredChange): number {
  return forecastTrustImpact({
    partnerId: change.partnerId,
    direction: change.direction,
    stage: change.partnerStage,
    stagePolicy: deps.stagePolicies[change.partnerStage],
    now: new Date(change.submittedAt),
    effectiveDate: parseIsoDate(change.effectiveDate) ?? new Date(change.submittedAt),
    noticePeriodDays: change.noticePeriodDays,
  }).points;
}

async function replayIfKnown(
  deps: Dependencies,
  changes: ChangeStore,
  submittedBy: string,
  idempotencyKey: string,
  requestFingerprint: string,
): Promise<SubmissionOutcome | undefined> {
  const known = await changes.idempotencyRecord(submittedBy, idempotencyKey);
  if (!known) return undefined;
  if (known.requestFingerprint !== requestFingerprint) {
    return {
      outcome: 'rejected',
      status: 422,
      violations: [
        {
          field: 'Idempotency-Key',
          reason:
            'This Idempotency-Key was already used for a different request: use a new key for a new change.',
        },
      ],
    };
  }
  const change = await changes.get(known.changeId);
  if (!change) throw new Error(`Idempotency record points at missing change ${known.changeId}`);
  // The first attempt may have died between recording and starting: starting again is harmless (same name).
  await deps.workflow.startCommissionChange(change.changeId);
  return {
    outcome: 'replayed',
    change,
    // As it was answered the first time: the earliest date allowed when the change was submitted.
    earliestEffectiveDate: earliestEffectiveDate(
      change.direction,
      new Date(change.submittedAt),
      deps.stagePolicies[change.partnerStage],
    ),
    forecastTrustPoints: forecast(deps, change),
  };
}
