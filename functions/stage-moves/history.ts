import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { type ChangeStatus, isTerminal } from '../domain/lifecycle.ts';
import type { RelationshipStage } from '../domain/relationship-stage.ts';
import { STAGE_MOVE_KIND } from './kind.ts';
import type { StageMoveDirection, StageMoveTerms } from './rules.ts';

/** One move of a partner's stage, applied or still pending. */
export interface StageHistoryEntry {
  changeId: string;
  status: ChangeStatus;
  fromStage: RelationshipStage;
  toStage: RelationshipStage;
  direction: StageMoveDirection;
  /** The day asked for; an applied move's `appliedFrom` is the day it really took effect. */
  effectiveDate: string;
  appliedFrom?: string;
  appliedAt?: string;
  /** The notice's apply date, once the notice is out. */
  applyAt?: string;
  rationale: string;
  submittedBy: string;
  submittedAt: string;
}

export type StageHistory =
  | { outcome: 'unknown-partner' }
  | {
      outcome: 'history';
      partnerId: string;
      stage: RelationshipStage;
      /** Oldest first: the partner's stage over time. */
      applied: StageHistoryEntry[];
      /** Not ended yet (awaiting approval, in notice, scheduled, disputed, failed), oldest first. */
      pending: StageHistoryEntry[];
    };

function entryOf(change: StoredChange<StageMoveTerms>): StageHistoryEntry {
  return {
    changeId: change.changeId,
    status: change.status,
    fromStage: change.terms.fromStage,
    toStage: change.terms.toStage,
    direction: change.terms.direction,
    effectiveDate: change.effectiveDate,
    ...(change.appliedFrom ? { appliedFrom: change.appliedFrom } : {}),
    ...(change.appliedAt ? { appliedAt: change.appliedAt } : {}),
    ...(change.notice ? { applyAt: change.notice.applyAt } : {}),
    rationale: change.rationale,
    submittedBy: change.submittedBy,
    submittedAt: change.submittedAt,
  };
}

/**
 * A partner's stage over time, read from its stage-move changes (never from edits: a stage only moves by a
 * change). Withdrawn, rejected and expired moves never happened and are not part of it.
 */
export async function stageHistory(deps: Dependencies, partnerId: string): Promise<StageHistory> {
  const [partner, moves] = await Promise.all([
    deps.partners.get(partnerId),
    deps.changes.ofPartnerAndKind(partnerId, STAGE_MOVE_KIND),
  ]);
  if (!partner) return { outcome: 'unknown-partner' };
  const changes = moves as StoredChange<StageMoveTerms>[];
  const applied = changes
    .filter((change) => change.status === 'applied')
    .sort((a, b) => (a.appliedAt ?? '').localeCompare(b.appliedAt ?? ''))
    .map(entryOf);
  const pending = changes
    .filter((change) => !isTerminal(change.status))
    .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt))
    .map(entryOf);
  return { outcome: 'history', partnerId, stage: partner.stage, applied, pending };
}
