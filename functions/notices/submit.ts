import { createHash, randomBytes } from 'node:crypto';
import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { type AuditStreamHead, headAfter } from '../domain/audit-chain.ts';
import { addDays, parseIsoDate } from '../domain/calendar.ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import type { ChangeStatus } from '../domain/lifecycle.ts';
import type { Partner } from '../domain/partner.ts';
import {
  applyNotBefore,
  earliestEffectiveDate,
  evaluateTiming,
  idempotencyKeyReused,
  type RuleViolation,
} from '../domain/submission-rules.ts';
import { forecastScores } from '../domain/trust-outlook.ts';
import { forecastTrustImpact, type TrustLedgerEvent } from '../domain/trust-rules.ts';
import { type ChangeKind, kindOf } from './change-kind.ts';
import { commitChangeStep } from './commit.ts';
import { deliverMessagesLater } from './deliver.ts';
import { approvalRequestEmails, consultationEmail } from './emails.ts';

/** The lifecycle's part of every submission; the kind's own fields come beside these. */
export interface ChangeEnvelope {
  partnerId: string;
  effectiveDate: string;
  rationale: string;
  internalNote?: string | undefined;
  emergency?: { justification: string } | undefined;
  /** The submitter's "I have read this" for a forecast under the trust threshold (recorded in the audit). */
  trustForecastRead?: boolean | undefined;
}

export type FieldProblem = { field: string; reason: string };

/** The trust impact the change is forecast to have when applied, rule by rule. */
export interface Forecast {
  points: number;
  events: Pick<TrustLedgerEvent, 'rule' | 'points' | 'explanation'>[];
  /** The same events as the ledger would hold them, dated when they would be written (not answered). */
  ledgerEvents: TrustLedgerEvent[];
  /** When the change would apply if its notice went out now. */
  appliesAt: Date;
}

export type SubmissionOutcome =
  | {
      outcome: 'created' | 'replayed';
      change: StoredChange;
      earliestEffectiveDate: string;
      forecast: Forecast;
    }
  | { outcome: 'unknown-partner'; violations: FieldProblem[] }
  /** The submitter's view is stale (e.g. the current rate): reload and retry. */
  | { outcome: 'stale'; violations: RuleViolation[]; earliestEffectiveDate?: string }
  /** Another pending change of the partner says something about the same thing. */
  | { outcome: 'conflicting-change'; conflictingChangeId: string; violations: FieldProblem[] }
  | {
      outcome: 'policy-violation';
      violations: RuleViolation[] | FieldProblem[];
      earliestEffectiveDate?: string;
    }
  | { outcome: 'idempotency-key-reused'; violations: FieldProblem[] };

/** Time-ordered, unguessable change ids (sorting by id sorts by submission). */
export function newChangeId(now: Date): string {
  return `chg_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

function fingerprint(kind: string, request: object): string {
  return createHash('sha256').update(canonicalJson({ kind, request })).digest('hex');
}

/** Where a new change starts: approval first if needed, then consultation (adverse, at stages that need it). */
export function firstStatus(change: Pick<StoredChange, 'approval' | 'consultation'>): ChangeStatus {
  if (change.approval.required > 0) return 'awaiting-approval';
  return change.consultation ? 'awaiting-consultation' : 'notice-due';
}

function forecastOf(kind: ChangeKind, change: StoredChange, ledger: readonly TrustLedgerEvent[]): Forecast {
  const now = new Date(change.submittedAt);
  // Where the notice going out now would put the apply date (send-notice.ts computes it the same way).
  const appliesAt = parseIsoDate(change.effectiveDate)
    ? applyNotBefore(change.effectiveDate, now, change.noticePeriodDays)
    : now;
  const forecast = forecastTrustImpact({
    partnerId: change.partnerId,
    adverse: change.adverse,
    kindRules: kind.trustRules(change.terms),
    emergency: change.emergency !== undefined,
    stage: change.partnerStage,
    now,
    effectiveDate: appliesAt,
    // As apply.ts measures it: an emergency against the stage's normal period.
    noticePeriodDays: change.emergency?.standardNoticeDays ?? change.noticePeriodDays,
    ledger,
  });
  return {
    points: forecast.points,
    events: forecast.events.map(({ rule, points, explanation }) => ({ rule, points, explanation })),
    ledgerEvents: forecast.events,
    appliesAt,
  };
}

/** A submission every rule accepts: the change exactly as it would be recorded, nothing written yet. */
export interface EvaluatedSubmission {
  kind: ChangeKind;
  partner: Partner;
  change: StoredChange;
  earliestEffectiveDate: string;
  forecast: Forecast;
  /** The partner's trust ledger as the evaluation read it. */
  ledger: TrustLedgerEvent[];
  /** The pending change holding this partner-and-scope lock, if any: a 409 (unless it is this very request). */
  conflictHolder?: string;
}

/** Every answer of a submission that creates nothing. */
export type SubmissionRefusal = Exclude<SubmissionOutcome, { outcome: 'created' | 'replayed' }>;

/**
 * The one evaluation of a submission, shared by the real submission (which records what it accepts) and the
 * dry run (which only shows it): the partner, the kind's rules, the lifecycle's rules (notice period,
 * emergency, rationale), the conflict lock. It only reads, so a dry run can never write by accident, and a
 * rule can never apply to one and not the other.
 */
export async function evaluateSubmission(
  deps: Dependencies,
  kind: ChangeKind,
  request: ChangeEnvelope,
  submittedBy: string,
  now: Date,
): Promise<{ ok: true; submission: EvaluatedSubmission } | { ok: false; refusal: SubmissionRefusal }> {
  const partner = await deps.partners.get(request.partnerId);
  if (!partner) {
    return {
      ok: false,
      refusal: {
        outcome: 'unknown-partner',
        violations: [{ field: 'partnerId', reason: `No partner with id ${request.partnerId}.` }],
      },
    };
  }
  const assessed = await kind.assess(deps, { partner, request, now });
  if (!assessed.ok && assessed.problem === 'conflict')
    return { ok: false, refusal: { outcome: 'stale', violations: assessed.violations } };
  const stagePolicy = deps.policy.stages[partner.stage];
  const timing = evaluateTiming({
    adverse: assessed.ok ? assessed.adverse : true,
    effectiveDate: request.effectiveDate,
    rationale: request.rationale,
    emergency: request.emergency,
    now,
    stage: partner.stage,
    stagePolicy,
    policy: deps.policy,
  });
  const violations = [...(assessed.ok ? [] : assessed.violations), ...timing.violations];
  if (!assessed.ok || violations.length > 0) {
    return {
      ok: false,
      refusal: {
        outcome: 'policy-violation',
        violations,
        earliestEffectiveDate: timing.earliestEffectiveDate,
      },
    };
  }
  const conflictHolder = assessed.conflictKey
    ? await deps.changes.conflictHolder(partner.partnerId, assessed.conflictKey)
    : undefined;
  const change = newChange(deps, kind, partner, request, submittedBy, now, {
    ...assessed,
    noticePeriodDays: timing.noticePeriodDays,
  });
  const ledger = await deps.trust.ledger(partner.partnerId);
  return {
    ok: true,
    submission: {
      kind,
      partner,
      change,
      earliestEffectiveDate: timing.earliestEffectiveDate,
      forecast: forecastOf(kind, change, ledger),
      ledger,
      ...(conflictHolder ? { conflictHolder } : {}),
    },
  };
}

/**
 * A change of any kind is submitted: `evaluateSubmission` decides; an accepted change is recorded with its
 * audit entry, its conflict lock, its idempotency key and its first emails (to approvers, or to the alliance
 * manager for a consultation) in one transaction, then its workflow starts. If only that start fails (Step
 * Functions unavailable past the SDK's retries), the change is still created: it is marked pending, and the
 * sweep (start-pending-workflows.ts) starts it once the service is back, so the submitter is never told to
 * retry something that is recorded.
 */
export async function submitChange(
  deps: Dependencies,
  kindName: string,
  request: ChangeEnvelope,
  submittedBy: string,
  idempotencyKey?: string,
): Promise<SubmissionOutcome> {
  const kind = kindOf(deps, kindName);
  const requestFingerprint = fingerprint(kindName, request);
  if (idempotencyKey) {
    const replay = await replayIfKnown(deps, kind, submittedBy, idempotencyKey, requestFingerprint);
    if (replay) return replay;
  }

  const evaluated = await evaluateSubmission(deps, kind, request, submittedBy, deps.clock.now());
  if (!evaluated.ok) return evaluated.refusal;
  const { partner, change, conflictHolder, forecast, ledger } = evaluated.submission;
  // Principle 6: a change forecast to leave the partner's trust under the threshold needs the submitter's
  // explicit "I have read this"; the dry run shows the forecast and says so (requiresAcknowledgement).
  const scores = forecastScores({
    ledger,
    forecast: forecast.ledgerEvents,
    appliesAt: forecast.appliesAt,
    now: new Date(change.submittedAt),
    threshold: deps.policy.trustForecastThreshold,
  });
  if (scores.requiresAcknowledgement && request.trustForecastRead !== true) {
    return {
      outcome: 'policy-violation',
      violations: [
        {
          field: 'trustForecastRead',
          reason: `${partner.name}'s trust score is forecast to fall from ${scores.scoreNow} to ${scores.scoreAfter}, under ${scores.threshold}: read the forecast (a dry run shows it) and send trustForecastRead: true.`,
        },
      ],
    };
  }
  if (conflictHolder) {
    // The holder may be this very request, committed by a concurrent same-key attempt: that is a replay.
    const replay = idempotencyKey
      ? await replayIfKnown(deps, kind, submittedBy, idempotencyKey, requestFingerprint)
      : undefined;
    return replay ?? conflicting(conflictHolder);
  }

  const messages =
    change.status === 'awaiting-approval'
      ? approvalRequestEmails(
          deps,
          change,
          partner,
          (await deps.staff.withRole('approver')).filter((approver) => approver.userId !== submittedBy),
        )
      : change.status === 'awaiting-consultation'
        ? [consultationEmail(deps, change, partner, 0)]
        : [];
  const conflictKey = change.conflictKey;
  // A new change starts its own audit stream, and keeps the stream's head for its next step.
  const items = (head: AuditStreamHead) => {
    return [
      deps.changes.create({ ...change, auditHead: head }),
      ...(conflictKey ? [deps.changes.lockConflict(partner.partnerId, conflictKey, change.changeId)] : []),
      ...(idempotencyKey
        ? [
            deps.changes.claimIdempotencyKey(submittedBy, idempotencyKey, {
              changeId: change.changeId,
              requestFingerprint,
            }),
          ]
        : []),
      ...messages.map((message) => deps.changes.queueMessage(message, change.submittedAt)),
    ];
  };
  let stored: StoredChange;
  try {
    const entries = await commitChangeStep(
      deps,
      { changeId: change.changeId, partnerId: change.partnerId, kind: change.kind, status: change.status },
      {
        type: 'change-submitted',
        at: change.submittedAt,
        actor: submittedBy,
        details: {
          kind: change.kind,
          partnerId: change.partnerId,
          stage: change.partnerStage,
          terms: kind.view(change.terms),
          adverse: change.adverse,
          effectiveDate: change.effectiveDate,
          noticePeriodDays: change.noticePeriodDays,
          rationale: change.rationale,
          ...(change.internalNote ? { internalNote: change.internalNote } : {}),
          ...(change.emergency ? { emergency: change.emergency } : {}),
          ...(scores.requiresAcknowledgement
            ? {
                trustForecastRead: {
                  scoreNow: scores.scoreNow,
                  scoreAfter: scores.scoreAfter,
                  threshold: scores.threshold,
                },
              }
            : {}),
          approvalsRequired: change.approval.required,
          status: change.status,
        },
      },
      items,
      null,
    );
    stored = { ...change, auditHead: headAfter(entries) };
  } catch (error) {
    if (!(error instanceof ConditionNotMet)) throw error;
    // A concurrent request with the same key won the race: answer with its change.
    if (idempotencyKey) {
      const replay = await replayIfKnown(deps, kind, submittedBy, idempotencyKey, requestFingerprint);
      if (replay) return replay;
    }
    // Or a concurrent change took the conflict lock first.
    const holder = conflictKey
      ? await deps.changes.conflictHolder(partner.partnerId, conflictKey)
      : undefined;
    if (holder) return conflicting(holder);
    throw error;
  }
  await deliverMessagesLater(deps, change.changeId, messages);
  await startOrLeaveToSweep(deps, change.changeId);
  return {
    outcome: 'created',
    change: stored,
    earliestEffectiveDate: evaluated.submission.earliestEffectiveDate,
    forecast: evaluated.submission.forecast,
  };
}

/** The 409 answer naming the pending change that holds the partner-and-scope lock. */
export function conflicting(holder: string): SubmissionRefusal {
  return {
    outcome: 'conflicting-change',
    conflictingChangeId: holder,
    violations: [
      {
        field: 'partnerId',
        reason: `Change ${holder} for this partner and scope is still pending: withdraw it or wait until it is applied, so the partner is never told two contradicting things.`,
      },
    ],
  };
}

function newChange(
  deps: Dependencies,
  kind: ChangeKind,
  partner: Partner,
  request: ChangeEnvelope,
  submittedBy: string,
  now: Date,
  assessed: {
    terms: unknown;
    adverse: boolean;
    needsApproval: boolean;
    conflictKey?: string;
    noticePeriodDays: number;
  },
): StoredChange {
  const stagePolicy = deps.policy.stages[partner.stage];
  const submittedAt = now.toISOString();
  const required = request.emergency
    ? deps.policy.emergencyApprovals
    : assessed.adverse || assessed.needsApproval
      ? 1
      : 0;
  const change: StoredChange = {
    changeId: newChangeId(now),
    kind: kind.name,
    partnerId: partner.partnerId,
    partnerStage: partner.stage,
    terms: assessed.terms,
    adverse: assessed.adverse,
    ...(assessed.conflictKey ? { conflictKey: assessed.conflictKey } : {}),
    effectiveDate: request.effectiveDate,
    rationale: request.rationale,
    ...(request.internalNote ? { internalNote: request.internalNote } : {}),
    noticePeriodDays: assessed.noticePeriodDays,
    ...(request.emergency
      ? {
          emergency: {
            justification: request.emergency.justification,
            standardNoticeDays: stagePolicy.adverseNoticeDays,
          },
        }
      : {}),
    submittedBy,
    submittedAt,
    status: 'notice-due',
    revision: 1,
    approval: {
      required,
      approvals: [],
      ...(required > 0 ? { expiresAt: addDays(now, deps.policy.approvalExpiryDays).toISOString() } : {}),
    },
    ...(assessed.adverse && stagePolicy.consultation !== 'none'
      ? { consultation: { required: stagePolicy.consultation, requestedAt: submittedAt, remindersSent: 0 } }
      : {}),
    followUp: { remindersSent: 0 },
  };
  return { ...change, status: firstStatus(change) };
}

async function replayIfKnown(
  deps: Dependencies,
  kind: ChangeKind,
  submittedBy: string,
  idempotencyKey: string,
  requestFingerprint: string,
): Promise<SubmissionOutcome | undefined> {
  const known = await deps.changes.idempotencyRecord(submittedBy, idempotencyKey);
  if (!known) return undefined;
  if (known.requestFingerprint !== requestFingerprint) {
    return {
      outcome: 'idempotency-key-reused',
      violations: [idempotencyKeyReused],
    };
  }
  const change = await deps.changes.get(known.changeId);
  if (!change) throw new Error(`Idempotency record points at missing change ${known.changeId}`);
  // The first attempt may have died between recording and starting: starting again is harmless (same name).
  await startOrLeaveToSweep(deps, change.changeId);
  return {
    outcome: 'replayed',
    change,
    // As it was answered the first time: the earliest date allowed when the change was submitted.
    earliestEffectiveDate: earliestEffectiveDate(
      change.adverse,
      new Date(change.submittedAt),
      change.emergency
        ? deps.policy.emergencyMinimumNoticeDays
        : deps.policy.stages[change.partnerStage].adverseNoticeDays,
    ),
    // Forecast from the ledger as it stood at submission, as the first answer was.
    forecast: forecastOf(
      kind,
      change,
      (await deps.trust.ledger(change.partnerId)).filter((event) => event.at < change.submittedAt),
    ),
  };
}

/** Starts a recorded change's workflow; a failure is logged and left to the pending-workflow sweep. */
async function startOrLeaveToSweep(deps: Dependencies, changeId: string): Promise<void> {
  try {
    await deps.workflow.start(changeId);
  } catch (error) {
    deps.logger.error('Workflow start failed: the pending-workflow sweep will start it', {
      changeId,
      error: error as Error,
    });
  }
}
