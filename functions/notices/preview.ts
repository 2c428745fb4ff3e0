import type { Dependencies } from '../dependencies.ts';
import { startOfUtcDay, toIsoDate } from '../domain/calendar.ts';
import { isDisputeOpen } from '../domain/change.ts';
import { ALL_SCOPE, rateInForce } from '../domain/rate-schedule.ts';
import { type TrustOutlook, trustOutlook } from '../domain/trust-outlook.ts';
import { kindOf } from './change-kind.ts';
import {
  type ChangeEnvelope,
  conflicting,
  type EvaluatedSubmission,
  evaluateSubmission,
  type SubmissionRefusal,
} from './submit.ts';

/** What a submission would do, shown before it is made. */
export interface SubmissionPreview extends Omit<EvaluatedSubmission, 'conflictHolder'> {
  /** The partner-wide rate in force today (null if none): what the submitter's form starts from. */
  currentRatePct: number | null;
  trust: TrustOutlook;
}

export type PreviewOutcome = { outcome: 'preview'; preview: SubmissionPreview } | SubmissionRefusal;

/**
 * A dry run of a submission: the very evaluation a real submission makes (evaluateSubmission), so it is
 * refused exactly when and as the real one would be, and on acceptance what it would be — partner, notice
 * period, earliest date, approvals, trust forecast and the partner's score before and after, with flags.
 * It only reads: no change, no idempotency key, no conflict lock, no audit entry, no email, no workflow.
 */
export async function previewSubmission(
  deps: Dependencies,
  kindName: string,
  request: ChangeEnvelope,
  submittedBy: string,
): Promise<PreviewOutcome> {
  const kind = kindOf(deps, kindName);
  const now = deps.clock.now();
  const evaluated = await evaluateSubmission(deps, kind, request, submittedBy, now);
  if (!evaluated.ok) return evaluated.refusal;
  const { conflictHolder, ...submission } = evaluated.submission;
  if (conflictHolder) return conflicting(conflictHolder);
  const { partner, change, forecast, ledger } = submission;
  const [openChanges, schedule] = await Promise.all([
    deps.changes.openOfPartner(partner.partnerId),
    deps.partners.rateSchedule(partner.partnerId),
  ]);
  return {
    outcome: 'preview',
    preview: {
      ...submission,
      currentRatePct: rateInForce(schedule, toIsoDate(startOfUtcDay(now)), ALL_SCOPE)?.ratePct ?? null,
      trust: trustOutlook({
        ledger,
        forecast: forecast.ledgerEvents,
        appliesAt: forecast.appliesAt,
        threshold: deps.policy.trustForecastThreshold,
        partnerId: partner.partnerId,
        partnerName: partner.name,
        adverse: change.adverse,
        emergency: change.emergency !== undefined,
        openChanges: openChanges.map((other) => ({
          changeId: other.changeId,
          status: other.status,
          adverse: other.adverse,
          ...(other.dispute && isDisputeOpen(other) ? { openDisputeDueAt: other.dispute.dueAt } : {}),
        })),
        now,
      }),
    },
  };
}
