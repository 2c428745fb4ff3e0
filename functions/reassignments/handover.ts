import type { HandoverRecord, HandoverSide } from '../adapters/dynamodb/change-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { commitChangeStep } from '../notices/commit.ts';
import { endedWithoutHandover } from './handover-view.ts';
import { REASSIGNMENT_KIND } from './kind.ts';
import type { ReassignmentTerms } from './rules.ts';

export type HandoverOutcome =
  | { outcome: 'recorded' | 'replayed'; record: HandoverRecord }
  | { outcome: 'unknown-change' }
  | { outcome: 'not-a-reassignment' | 'not-announced' | 'already-recorded'; reason: string }
  | { outcome: 'not-a-manager'; reason: string };

function sideOf(terms: ReassignmentTerms, userId: string): HandoverSide | undefined {
  if (terms.outgoing.userId === userId) return 'outgoing';
  if (terms.incoming.userId === userId) return 'incoming';
  return undefined;
}

/**
 * The outgoing or the incoming manager records the handover, each once. Recording again with the same note
 * is a retry (a double click, a lost answer) and answers the record as it stands; a different note is refused
 * (409): a handover note is a statement made at a moment, kept as it was, not a draft to overwrite. The
 * record and its `handover-recorded` audit entry are written together, under a condition that no record
 * of that side exists, so two concurrent first records leave exactly one.
 */
export async function recordHandover(
  deps: Dependencies,
  changeId: string,
  input: { by: string; note: string },
): Promise<HandoverOutcome> {
  const change = await deps.changes.get<ReassignmentTerms>(changeId);
  if (!change) return { outcome: 'unknown-change' };
  if (change.kind !== REASSIGNMENT_KIND) {
    return {
      outcome: 'not-a-reassignment',
      reason: `Change ${changeId} is a ${change.kind}: only an alliance-manager reassignment has a handover.`,
    };
  }
  const side = sideOf(change.terms, input.by);
  if (!side) {
    return {
      outcome: 'not-a-manager',
      reason: `Only the outgoing (${change.terms.outgoing.userId}) and the incoming (${change.terms.incoming.userId}) alliance managers record this handover.`,
    };
  }
  if (!change.notice || endedWithoutHandover.includes(change.status)) {
    return {
      outcome: 'not-announced',
      reason: `The change is ${change.status}: a handover is recorded once the partner has been told and while the reassignment stands.`,
    };
  }
  const existing = (await deps.changes.handovers(changeId)).find((record) => record.side === side);
  if (existing) return answerTo(existing, input.note);
  const record: HandoverRecord = {
    side,
    userId: input.by,
    note: input.note,
    recordedAt: deps.clock.now().toISOString(),
  };
  try {
    await commitChangeStep(
      deps,
      { changeId, partnerId: change.partnerId, kind: change.kind, status: change.status },
      {
        type: 'handover-recorded',
        at: record.recordedAt,
        actor: input.by,
        details: { side, note: record.note },
      },
      (head) => [deps.changes.saveHandover(changeId, record), deps.changes.noteAuditHead(changeId, head)],
      change.auditHead,
    );
  } catch (error) {
    if (!(error instanceof ConditionNotMet)) throw error;
    // A concurrent record of the same side won: answer as a repeat of it.
    const winner = (await deps.changes.handovers(changeId)).find((item) => item.side === side);
    if (!winner) throw error;
    return answerTo(winner, input.note);
  }
  return { outcome: 'recorded', record };
}

function answerTo(existing: HandoverRecord, note: string): HandoverOutcome {
  if (existing.note === note) return { outcome: 'replayed', record: existing };
  return {
    outcome: 'already-recorded',
    reason: `The ${existing.side} manager's handover was recorded at ${existing.recordedAt}; it is kept as recorded.`,
  };
}
