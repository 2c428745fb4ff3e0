import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { OutgoingEmail } from '../adapters/email/notice-mailer.ts';
import type { Dependencies } from '../dependencies.ts';
import { isDisputeOpen } from '../domain/change.ts';
import type { Partner } from '../domain/partner.ts';
import { type ActOutcome, act } from './act.ts';
import { releaseLock } from './advance.ts';
import { type Recipient, withdrawalEmails } from './emails.ts';
import { partnerOf } from './send-notice.ts';

/** Everyone told about the change so far: every recipient of its notice (primary and fallback contacts). */
export function notifiedRecipients(change: StoredChange): Recipient[] {
  return (change.notice?.recipients ?? []).map(({ name, email }) => ({ name, email }));
}

/**
 * The withdrawal step shared by a plain withdrawal, a dispute withdrawn after the partner's concern and an
 * escalation resolved by withdrawing: status withdrawn, the conflict lock released, any open concern closed
 * with the reason as its answer, and everyone already notified told why.
 */
export function withdrawalPlan(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  input: { by: string; reason: string; at: Date },
): { patch: Partial<StoredChange>; items: ReturnType<typeof releaseLock>; messages: OutgoingEmail[] } {
  const withdrawal = { by: input.by, at: input.at.toISOString(), reason: input.reason };
  const dispute = change.dispute;
  return {
    patch: {
      withdrawal,
      ...(dispute && isDisputeOpen(change)
        ? {
            dispute: {
              ...dispute,
              resolution: {
                outcome: 'withdrawn' as const,
                answer: input.reason,
                by: input.by,
                at: withdrawal.at,
              },
            },
          }
        : {}),
    },
    items: releaseLock(deps, change),
    messages: withdrawalEmails(change, partner, input.reason, [
      ...notifiedRecipients(change),
      ...(change.notice
        ? [{ name: partner.allianceManager.name, email: partner.allianceManager.email }]
        : []),
    ]),
  };
}

/** Finance (or the dispute owner) withdraws a change at any time before it applies. */
export async function withdrawChange(
  deps: Dependencies,
  changeId: string,
  input: { by: string; reason: string },
): Promise<ActOutcome<{ notified: number }, 'already-ended'>> {
  return act<{ notified: number }, 'already-ended'>(deps, changeId, async (change, now) => {
    if (
      change.status === 'applied' ||
      change.status === 'withdrawn' ||
      change.status === 'rejected' ||
      change.status === 'approval-expired'
    ) {
      return { refuse: 'already-ended', detail: `The change is already ${change.status}.` };
    }
    const partner = await partnerOf(deps, change);
    const plan = withdrawalPlan(deps, change, partner, { ...input, at: now });
    return {
      event: 'withdraw',
      to: 'withdrawn',
      patch: plan.patch,
      audit: {
        type: 'change-withdrawn',
        actor: input.by,
        details: {
          reason: input.reason,
          from: change.status,
          notified: plan.messages.flatMap((m) => m.to.map((r) => r.email)),
        },
      },
      items: plan.items,
      messages: plan.messages,
      result: { notified: plan.messages.length },
    };
  });
}
