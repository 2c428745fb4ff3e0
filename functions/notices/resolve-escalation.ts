import type { Dependencies } from '../dependencies.ts';
import { type ActOutcome, act } from './act.ts';
import { partnerOf } from './send-notice.ts';
import { withdrawalPlan } from './withdraw.ts';

/**
 * An escalated or held change, unacknowledged, closed by a person with a recorded outcome: proceed (the
 * partner confirmed some other way; the change applies at its date) or withdraw it.
 */
export async function resolveEscalation(
  deps: Dependencies,
  changeId: string,
  input: { by: string; outcome: 'proceed' | 'withdraw'; note: string },
): Promise<ActOutcome<{ status: string }, 'not-escalated'>> {
  return act<{ status: string }, 'not-escalated'>(deps, changeId, async (change, now) => {
    if (change.status !== 'escalated' && change.status !== 'held') {
      return { refuse: 'not-escalated', detail: `The change is ${change.status}, not escalated or held.` };
    }
    const resolution = { outcome: input.outcome, by: input.by, at: now.toISOString(), note: input.note };
    const audit = {
      type: 'escalation-resolved' as const,
      actor: input.by,
      details: { ...resolution, from: change.status },
    };
    if (input.outcome === 'proceed') {
      return {
        event: 'resolve-escalation' as const,
        to: 'scheduled' as const,
        patch: { escalationResolution: resolution },
        remove: ['heldSince'],
        audit,
        result: { status: 'scheduled' },
      };
    }
    const plan = withdrawalPlan(deps, change, await partnerOf(deps, change), {
      by: input.by,
      reason: input.note,
      at: now,
    });
    return {
      event: 'resolve-escalation' as const,
      to: 'withdrawn' as const,
      patch: { ...plan.patch, escalationResolution: resolution },
      audit,
      items: plan.items,
      messages: plan.messages,
      result: { status: 'withdrawn' },
    };
  });
}
