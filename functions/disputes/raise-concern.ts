import type { StoredNotice } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { addDays } from '../domain/calendar.ts';
import type { DisputeState } from '../domain/change.ts';
import type { AllianceManagerContact } from '../domain/notice.ts';
import { trustEvent } from '../domain/trust-rules.ts';
import { type LinkProblem, type NoticeState, openNotice } from '../notices/acknowledge.ts';
import { act } from '../notices/act.ts';
import { disputeRaisedEmail } from '../notices/emails.ts';
import { partnerOf } from '../notices/send-notice.ts';

export type ConcernOutcome =
  | { outcome: 'recorded' | 'already-open'; notice: StoredNotice; dispute: DisputeState }
  | { outcome: 'refused'; problem: LinkProblem; contact?: AllianceManagerContact }
  | { outcome: 'closed'; state: Exclude<NoticeState, 'open'> | 'ended'; notice: StoredNotice };

/** The next dispute's id on a change: d1, d2, … (a change may be disputed again after an answer). */
function nextDisputeId(previous: DisputeState | undefined): string {
  return `d${previous ? Number(previous.disputeId.slice(1)) + 1 : 1}`;
}

/**
 * "Raise a concern" from the notice page (principle 5): the same link rules as acknowledging. A concern about
 * an adverse change pauses it (status disputed); either way it gets an owner — the alliance manager — and a
 * deadline, and ends only with an explicit outcome.
 */
export async function raiseConcern(
  deps: Dependencies,
  input: { noticeId: string; token: string; comment: string },
): Promise<ConcernOutcome> {
  const opened = await openNotice(deps, input.noticeId, input.token);
  if (!opened.ok) {
    return {
      outcome: 'refused',
      problem: opened.problem,
      ...(opened.contact ? { contact: opened.contact } : {}),
    };
  }
  if (opened.state !== 'open') return { outcome: 'closed', state: opened.state, notice: opened.notice };
  if (opened.dispute) return { outcome: 'already-open', notice: opened.notice, dispute: opened.dispute };
  const { claims, notice } = opened;
  const result = await act<DisputeState, 'superseded' | 'already-open'>(
    deps,
    opened.change.changeId,
    async (change, now) => {
      if (change.notice?.noticeId !== notice.noticeId) return { refuse: 'superseded' as const };
      if (change.dispute && change.dispute.resolution === undefined)
        return { refuse: 'already-open' as const };
      const partner = await partnerOf(deps, change);
      const contact = partner.contacts.find((candidate) => candidate.contactId === claims.contactId);
      const dispute: DisputeState = {
        disputeId: nextDisputeId(change.dispute),
        noticeId: notice.noticeId,
        contactId: claims.contactId,
        comment: input.comment,
        raisedAt: now.toISOString(),
        owner: { ...partner.allianceManager },
        dueAt: addDays(now, deps.policy.disputeResponseDays).toISOString(),
        remindersSent: 0,
        ...(change.adverse ? { pausedFrom: change.status } : {}),
      };
      return {
        event: 'raise-concern' as const,
        to: change.adverse ? ('disputed' as const) : change.status,
        patch: { dispute },
        audit: {
          type: 'concern-raised' as const,
          actor: `partner:${claims.contactId}`,
          details: {
            disputeId: dispute.disputeId,
            noticeId: notice.noticeId,
            comment: input.comment,
            owner: dispute.owner.userId,
            dueAt: dispute.dueAt,
            paused: change.adverse,
          },
        },
        items: deps.trust.recordEvents([
          trustEvent('dispute-raised', {
            partnerId: change.partnerId,
            stage: change.partnerStage,
            at: now,
            cause: `change#${change.changeId}#${dispute.disputeId}`,
            source: { type: 'concern-raised', id: dispute.disputeId },
            changeId: change.changeId,
          }),
        ]),
        messages: [disputeRaisedEmail(deps, change, partner, dispute, contact?.name ?? claims.contactId)],
        result: dispute,
      };
    },
  );
  if (result.ok) return { outcome: 'recorded', notice, dispute: result.result };
  const latest = await deps.changes.get(opened.change.changeId);
  if (result.refusal === 'already-open' && latest?.dispute) {
    return { outcome: 'already-open', notice, dispute: latest.dispute };
  }
  return { outcome: 'closed', state: result.refusal === 'superseded' ? 'superseded' : 'ended', notice };
}
