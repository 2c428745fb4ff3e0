import type { NoticeLine } from '../domain/notice.ts';
import {
  type RelationshipStage,
  type StagePolicy,
  stageLabel,
  stageRank,
} from '../domain/relationship-stage.ts';
import type { RuleViolation } from '../domain/submission-rules.ts';

/** Down the pyramid is adverse (it shortens the notice of every later change); up is favourable. */
export type StageMoveDirection = 'up' | 'down';

/** What a stage promises the partner about later changes: the lifecycle policy's numbers, without the weights. */
export type StagePromise = Pick<
  StagePolicy,
  'adverseNoticeDays' | 'consultation' | 'reminderDays' | 'escalationDay'
>;

/** What a stage move says, as the stage-move kind stores it in the change's terms. */
export interface StageMoveTerms {
  fromStage: RelationshipStage;
  toStage: RelationshipStage;
  direction: StageMoveDirection;
  /**
   * What each stage promises, from the lifecycle policy when the notice was written (termsAtNotice refreshes
   * them): the notice tells the partner what the move means for them in these numbers, so they are part of
   * what the partner acknowledges.
   */
  promises: { from: StagePromise; to: StagePromise };
}

export function promiseOf(policy: StagePolicy): StagePromise {
  return {
    adverseNoticeDays: policy.adverseNoticeDays,
    consultation: policy.consultation,
    reminderDays: [...policy.reminderDays],
    escalationDay: policy.escalationDay,
  };
}

export function directionOf(fromStage: RelationshipStage, toStage: RelationshipStage): StageMoveDirection {
  return stageRank(toStage) < stageRank(fromStage) ? 'down' : 'up';
}

export type StageMoveVerdict =
  | { accepted: true; direction: StageMoveDirection }
  | { accepted: false; conflict: boolean; violations: RuleViolation[] };

/**
 * The stage-move kind's own rules: the submitter's view of the partner's stage must be current (else a
 * conflict: reload, like a stale rate), and the new stage must differ from it. Dates, notice periods and the
 * rationale are the lifecycle's rules (domain/submission-rules).
 */
export function evaluateStageMove(
  proposal: { currentStage: RelationshipStage; toStage: RelationshipStage },
  stageNow: RelationshipStage,
): StageMoveVerdict {
  if (proposal.currentStage !== stageNow) {
    return {
      accepted: false,
      conflict: true,
      violations: [
        {
          field: 'currentStage',
          rule: 'stale-stage',
          reason: `The partner is ${stageNow}, not ${proposal.currentStage}: reload the partner and submit against its current stage.`,
        },
      ],
    };
  }
  if (proposal.toStage === stageNow) {
    return {
      accepted: false,
      conflict: false,
      violations: [
        {
          field: 'toStage',
          rule: 'no-change',
          reason: `The partner is already ${stageNow}: there is nothing to announce.`,
        },
      ],
    };
  }
  return { accepted: true, direction: directionOf(stageNow, proposal.toStage) };
}

/** How a revised target stage compares for the partner with the one announced: a lower stage is worse. */
export function compareStages(
  announced: RelationshipStage,
  revised: RelationshipStage,
): 'worse' | 'better' | 'same' {
  if (stageRank(revised) < stageRank(announced)) return 'worse';
  if (stageRank(revised) > stageRank(announced)) return 'better';
  return 'same';
}

function days(count: number): string {
  return `${count} day${count === 1 ? '' : 's'}`;
}

function consultationWords(consultation: StagePromise['consultation']): string {
  return {
    none: 'none',
    'alliance-manager-call': 'your alliance manager calls you before we send the notice',
    'joint-review': 'we review the change jointly with you before we send the notice',
  }[consultation];
}

function followUpWords(promise: StagePromise): string {
  const reminderDays = promise.reminderDays;
  const reminders =
    reminderDays.length === 0
      ? 'no reminders'
      : `reminders on day${reminderDays.length === 1 ? '' : 's'} ${
          reminderDays.length === 1
            ? reminderDays[0]
            : `${reminderDays.slice(0, -1).join(', ')} and ${reminderDays.at(-1)}`
        }`;
  return `${reminders}, then your alliance manager is asked to reach you on day ${promise.escalationDay}`;
}

/** "30 days (now 45 days)", or "none, as now": the new promise first, the current one beside it. */
function beside(after: string, before: string): string {
  return after === before ? `${after}, as now` : `${after} (now: ${before})`;
}

/** What the move means for the partner, in its words: the promises of the new stage beside the current one's. */
export function stageMoveLines(terms: StageMoveTerms): NoticeLine[] {
  const { from, to } = terms.promises;
  return [
    { label: 'Your relationship stage now', value: stageLabel(terms.fromStage) },
    { label: 'Your new relationship stage', value: stageLabel(terms.toStage) },
    {
      label: 'Notice of a later change worse for you',
      value: beside(
        `at least ${days(to.adverseNoticeDays)} from delivery`,
        `at least ${days(from.adverseNoticeDays)}`,
      ),
    },
    {
      label: 'Consultation before such a change',
      value: beside(consultationWords(to.consultation), consultationWords(from.consultation)),
    },
    {
      label: 'If a notice is not acknowledged',
      value: beside(`${followUpWords(to)} after delivery`, followUpWords(from)),
    },
  ];
}
