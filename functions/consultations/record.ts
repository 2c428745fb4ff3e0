import type { Dependencies } from '../dependencies.ts';
import { startOfUtcDay, toIsoDate } from '../domain/calendar.ts';
import { type ActOutcome, act } from '../notices/act.ts';

/** How far back a consultation may have been held and still count for this change. */
export const CONSULTATION_VALID_DAYS = 90;

export type ConsultationRefusal = 'not-awaiting-consultation' | 'held-in-future' | 'held-too-long-ago';

/**
 * The alliance manager records the call (collaborative partners) or joint review (partnership partners) held
 * before an adverse change's notice: who took part, when, and a summary. Only then can the notice go out.
 */
export async function recordConsultation(
  deps: Dependencies,
  changeId: string,
  input: { by: string; heldOn: string; participants: string[]; summary: string },
): Promise<ActOutcome<{ status: 'notice-due' }, ConsultationRefusal>> {
  return act<{ status: 'notice-due' }, ConsultationRefusal>(deps, changeId, (change, now) => {
    if (change.status !== 'awaiting-consultation' || !change.consultation) {
      return {
        refuse: 'not-awaiting-consultation',
        detail: `The change is ${change.status}: no consultation is awaited.`,
      };
    }
    const today = toIsoDate(startOfUtcDay(now));
    if (input.heldOn > today)
      return { refuse: 'held-in-future', detail: `heldOn ${input.heldOn} is after today (${today}).` };
    const oldest = toIsoDate(new Date(startOfUtcDay(now).getTime() - CONSULTATION_VALID_DAYS * 86_400_000));
    if (input.heldOn < oldest) {
      return {
        refuse: 'held-too-long-ago',
        detail: `A consultation from before ${oldest} (${CONSULTATION_VALID_DAYS} days) is too old to count for this change.`,
      };
    }
    const recorded = { ...input, recordedAt: now.toISOString() };
    return {
      event: 'record-consultation',
      to: 'notice-due',
      patch: { consultation: { ...change.consultation, recorded } },
      audit: {
        type: 'consultation-recorded',
        actor: input.by,
        details: { form: change.consultation.required, ...input },
      },
      result: { status: 'notice-due' as const },
    };
  });
}
