import { DEFAULT_TRUST_FORECAST_THRESHOLD } from '../config/environment.ts';
import { defaultStagePolicies, type RelationshipStage, type StagePolicy } from './relationship-stage.ts';

/**
 * The lifecycle's configurable numbers (PRODUCT.md gives the stage defaults; the rest are this project's
 * starting values). One object, passed to every use case through the dependencies, so a deployment can tune
 * them (LIFECYCLE_POLICY, see functions/config/environment.ts) without touching code.
 */
export interface LifecyclePolicy {
  stages: Readonly<Record<RelationshipStage, StagePolicy>>;
  /** An approval not given within this many days expires the change. */
  approvalExpiryDays: number;
  /** A commission raise of more than this many percentage points needs approval as well. */
  commissionRaiseApprovalAbovePoints: number;
  /** While a consultation is awaited, the alliance manager is reminded this often. */
  consultationReminderDays: number;
  /** The shortest notice an emergency may give, whatever the stage. */
  emergencyMinimumNoticeDays: number;
  /** Approvals an emergency needs (the second approver of principle 1). */
  emergencyApprovals: number;
  /** A dispute's owner must answer within this many days of the concern. */
  disputeResponseDays: number;
  /** The owner is reminded this many days before the dispute's deadline. */
  disputeReminderDaysBefore: number;
  /** After escalation (and while held) the alliance manager is reminded of the open task this often. */
  openTaskReminderDays: number;
  /**
   * The longest the workflow waits without looking again, whatever the next deadline: a safety net, so a lost
   * resume (Step Functions unreachable right after a person acted, past the SDK's retries) delays the change's
   * follow-ups by weeks at worst, never forever. Each look costs three state transitions.
   */
  maxWaitDays: number;
  /** Acknowledgement links stay valid this long after the apply date, so a late acknowledgement still lands. */
  linkValidAfterApplyDays: number;
  /**
   * A change whose forecast trust score is below this needs the submitter's explicit "I have read this"
   * (TRUST_FORECAST_THRESHOLD, functions/config/environment.ts).
   */
  trustForecastThreshold: number;
}

export const defaultLifecyclePolicy: LifecyclePolicy = {
  stages: defaultStagePolicies,
  approvalExpiryDays: 7,
  commissionRaiseApprovalAbovePoints: 3,
  consultationReminderDays: 7,
  emergencyMinimumNoticeDays: 7,
  emergencyApprovals: 2,
  disputeResponseDays: 10,
  disputeReminderDaysBefore: 3,
  openTaskReminderDays: 7,
  maxWaitDays: 30,
  linkValidAfterApplyDays: 60,
  trustForecastThreshold: DEFAULT_TRUST_FORECAST_THRESHOLD,
};
