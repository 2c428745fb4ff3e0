import type { HandoverRecord, HandoverSide, StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { ChangeStatus } from '../domain/lifecycle.ts';
import type { OpenTask } from '../notices/view.ts';
import type { ReassignmentTerms } from './rules.ts';

/** A handover is between people: once the partner is told, until the change ends without applying. */
export const endedWithoutHandover: readonly ChangeStatus[] = ['rejected', 'approval-expired', 'withdrawn'];

/** The handover as the change's view shows it: each side's manager and its record once made. */
export function handoverView(change: StoredChange<ReassignmentTerms>, records: readonly HandoverRecord[]) {
  const sideView = (side: HandoverSide) => {
    const manager = change.terms[side];
    const record = records.find((item) => item.side === side);
    return {
      userId: manager.userId,
      name: manager.name,
      ...(record ? { note: record.note, recordedAt: record.recordedAt } : {}),
    };
  };
  return { outgoing: sideView('outgoing'), incoming: sideView('incoming') };
}

/** The managers' open handover tasks: each side not yet recorded, once the partner has been told. */
export function handoverTasks(
  change: StoredChange<ReassignmentTerms>,
  records: readonly HandoverRecord[],
): OpenTask[] {
  if (!change.notice || endedWithoutHandover.includes(change.status)) return [];
  return (['outgoing', 'incoming'] as const)
    .filter((side) => !records.some((record) => record.side === side))
    .map((side) => ({
      task: 'record-handover' as const,
      who: change.terms[side].userId,
      dueAt: `${change.terms.handoverDate}T00:00:00.000Z`,
    }));
}
