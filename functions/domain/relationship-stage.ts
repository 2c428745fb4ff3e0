/**
 * The TECP relationship stages and what each promises the partner (PRODUCT.md defaults).
 * Higher stages get longer notice and faster follow-up because they carry more shared investment.
 */
export const relationshipStages = ['transactional', 'enhanced', 'collaborative', 'partnership'] as const;
export type RelationshipStage = (typeof relationshipStages)[number];

export interface StagePolicy {
  /** Minimum notice for a change that is worse for the partner, counted from delivery of the notice. */
  adverseNoticeDays: number;
  /** What the alliance manager must record before an adverse change's notice goes out. */
  consultation: 'none' | 'alliance-manager-call' | 'joint-review';
  /** Days after delivery on which an unacknowledged notice gets a reminder. */
  reminderDays: readonly number[];
  /** Day after delivery on which an unacknowledged notice escalates to the alliance manager. */
  escalationDay: number;
}

export const defaultStagePolicies: Readonly<Record<RelationshipStage, StagePolicy>> = {
  transactional: {
    adverseNoticeDays: 30,
    consultation: 'none',
    reminderDays: [3, 7],
    escalationDay: 10,
  },
  enhanced: {
    adverseNoticeDays: 45,
    consultation: 'none',
    reminderDays: [3, 7],
    escalationDay: 10,
  },
  collaborative: {
    adverseNoticeDays: 60,
    consultation: 'alliance-manager-call',
    reminderDays: [2, 5],
    escalationDay: 7,
  },
  partnership: {
    adverseNoticeDays: 90,
    consultation: 'joint-review',
    reminderDays: [2, 5],
    escalationDay: 7,
  },
};

export function stageLabel(stage: RelationshipStage): string {
  return stage.charAt(0).toUpperCase() + stage.slice(1);
}

/** A stage's place in the pyramid (0 transactional … 3 partnership): a move to a lower rank is a move down. */
export function stageRank(stage: RelationshipStage): number {
  return relationshipStages.indexOf(stage);
}
