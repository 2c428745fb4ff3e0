import type * as z from 'zod';
import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { stageLabel } from '../domain/relationship-stage.ts';
import type { ChangeKind, KindAssessment, KindRevision } from '../notices/change-kind.ts';
import { PartnerMissing } from '../notices/send-notice.ts';
import {
  compareStages,
  directionOf,
  evaluateStageMove,
  promiseOf,
  type StageMoveTerms,
  stageMoveLines,
} from './rules.ts';
import { stageMoveFieldsSchema, stageMoveRevisionSchema } from './schemas.ts';

type StageMoveRequest = z.infer<typeof stageMoveFieldsSchema>;
type StageMoveRevision = z.infer<typeof stageMoveRevisionSchema>;

export const STAGE_MOVE_KIND = 'stage-move';

/**
 * The partner is no longer at the stage the move was decided on (moved outside the lifecycle meanwhile).
 * Thrown by the notice and apply steps so the workflow's failure path marks the change workflow-failed, for a
 * person to withdraw it and decide again: the partner is never told, nor moved, from a stage it is not at.
 */
export class StageMovedMeanwhile extends Error {
  override readonly name = 'StageMovedMeanwhile';
}

/**
 * Whether the partner is still at the stage the move was decided on; if not, StageMovedMeanwhile — unless the
 * change itself has moved on since it was read (a concurrent, re-driven step of the same change got there
 * first, e.g. applied it): then the caller's commit fails on the change's own guard and `act` decides again
 * on the new state, which is not an error.
 */
async function ensurePartnerAtFromStage(
  deps: Dependencies,
  change: StoredChange<StageMoveTerms>,
): Promise<void> {
  const partner = await deps.partners.get(change.partnerId);
  if (!partner) {
    throw new PartnerMissing(`Partner ${change.partnerId} of change ${change.changeId} is missing`);
  }
  if (partner.stage === change.terms.fromStage) return;
  const latest = await deps.changes.get(change.changeId);
  if (latest && latest.revision !== change.revision) return;
  throw new StageMovedMeanwhile(
    `Partner ${change.partnerId} is ${partner.stage}, not ${change.terms.fromStage} as when stage move ${change.changeId} was decided: withdraw it and submit a new one from the current stage.`,
  );
}

function termsFor(deps: Dependencies, from: StageMoveTerms['fromStage'], to: StageMoveTerms['toStage']) {
  return {
    fromStage: from,
    toStage: to,
    direction: directionOf(from, to),
    promises: { from: promiseOf(deps.policy.stages[from]), to: promiseOf(deps.policy.stages[to]) },
  } satisfies StageMoveTerms;
}

/**
 * A move of the partner up or down the TECP pyramid (domain/relationship-stage.ts). It is a change, not an
 * edit: recorded with its rationale and audited, and announced like any other change. Down is adverse — it
 * shortens the notice of every later adverse change — so it needs an approver, the notice period of the stage
 * the partner is at when told, consultation where that stage has one, and the partner's acknowledgement. Up
 * is favourable: a notice with its rationale, no minimum period, no hold on acknowledgement.
 */
export const stageMoveKind: ChangeKind<StageMoveRequest, StageMoveTerms, StageMoveRevision> = {
  name: STAGE_MOVE_KIND,
  label: 'relationship stage change',
  requestSchema: stageMoveFieldsSchema,
  revisionSchema: stageMoveRevisionSchema,

  async assess(deps, { partner, request }): Promise<KindAssessment<StageMoveTerms>> {
    const verdict = evaluateStageMove(request, partner.stage);
    if (!verdict.accepted) {
      return {
        ok: false,
        problem: verdict.conflict ? 'conflict' : 'unprocessable',
        violations: verdict.violations,
      };
    }
    const adverse = verdict.direction === 'down';
    return {
      ok: true,
      terms: termsFor(deps, partner.stage, request.toStage),
      adverse,
      // Maker-checker like a cut: a move down changes every later notice the partner gets.
      needsApproval: adverse,
      // One pending stage move per partner: a second would be announced from a stage the first replaces.
      conflictKey: 'stage',
    };
  },

  async revise(deps, { change, revision }): Promise<KindRevision<StageMoveTerms>> {
    const terms = change.terms;
    if (revision.toStage === terms.fromStage) {
      return {
        ok: false,
        violations: [
          {
            field: 'revision.toStage',
            rule: 'no-change',
            reason: `The partner is ${terms.fromStage}: withdraw the change instead of revising it to no move.`,
          },
        ],
      };
    }
    const revised = termsFor(deps, terms.fromStage, revision.toStage);
    return {
      ok: true,
      terms: revised,
      adverse: revised.direction === 'down',
      comparedToPrevious: compareStages(terms.toStage, revision.toStage),
    };
  },

  async termsAtNotice(deps, change: StoredChange<StageMoveTerms>) {
    // The notice tells the partner the stage it is at: refuse to announce a move from any other.
    await ensurePartnerAtFromStage(deps, change);
    // What each stage promises as the lifecycle policy says on the day the notice goes out.
    return termsFor(deps, change.terms.fromStage, change.terms.toStage);
  },

  notice(terms) {
    return {
      title: `relationship stage change: ${stageLabel(terms.fromStage)} → ${stageLabel(terms.toStage)}`,
      lines: stageMoveLines(terms),
    };
  },

  describe(terms) {
    return `relationship stage ${stageLabel(terms.fromStage)} → ${stageLabel(terms.toStage)} (${terms.direction})`;
  },

  view(terms) {
    return {
      fromStage: terms.fromStage,
      toStage: terms.toStage,
      direction: terms.direction,
      promises: terms.promises,
    };
  },

  trustRules(terms) {
    // Written when the move applies, beside the lifecycle's own events (e.g. the credit for a full notice
    // period on a move down).
    return [terms.direction === 'down' ? 'stage-moved-down' : 'stage-moved-up'];
  },

  async apply(deps, change: StoredChange<StageMoveTerms>, { now }) {
    const { fromStage, toStage } = change.terms;
    await ensurePartnerAtFromStage(deps, change);
    return {
      items: [deps.partners.moveStage(change.partnerId, fromStage, toStage, now.toISOString())],
      details: { kind: STAGE_MOVE_KIND, partnerId: change.partnerId, fromStage, toStage },
    };
  },
};
