import type { Dependencies } from '../dependencies.ts';
import { firstFullDayFrom, toIsoDate } from '../domain/calendar.ts';
import { isCurrentNoticeAcknowledged } from '../domain/change.ts';
import { eventsForAppliedChange } from '../domain/trust-rules.ts';
import { act } from './act.ts';
import { releaseLock } from './advance.ts';
import { kindOf } from './change-kind.ts';
import { progressOf, type WorkflowProgress } from './progress.ts';
import { ChangeNotFound } from './send-notice.ts';

/**
 * Workflow step at the apply date: the kind's effect (e.g. a new dated rate entry; history is never
 * overwritten), the trust-ledger events and the audit entry, all in one transaction guarded on the change
 * being scheduled, so it happens exactly once. Principle 1 is checked again here, not only by the wait: an
 * adverse change applies only after its notice period and only acknowledged (or released by a person).
 */
export async function applyChange(deps: Dependencies, changeId: string): Promise<WorkflowProgress> {
  const outcome = await act(
    deps,
    changeId,
    async (change, now) => {
      if (change.status !== 'scheduled') return { refuse: 'not-scheduled' };
      const notice = change.notice;
      if (!notice || now < new Date(notice.applyAt)) return { refuse: 'notice-period-not-over' };
      if (
        change.adverse &&
        !isCurrentNoticeAcknowledged(change) &&
        change.escalationResolution?.outcome !== 'proceed'
      ) {
        return { refuse: 'not-acknowledged' };
      }
      // Never retroactive: applied on a later day than planned, it starts on the next whole day.
      const today = toIsoDate(now);
      const plannedFrom = toIsoDate(new Date(notice.applyAt));
      const appliedFrom = today <= plannedFrom ? plannedFrom : toIsoDate(firstFullDayFrom(now));
      const kind = kindOf(deps, change.kind);
      const [effect, ledger] = await Promise.all([
        kind.apply(deps, change, { now, appliedFrom }),
        deps.trust.ledger(change.partnerId),
      ]);
      const ledgerEvents = eventsForAppliedChange({
        partnerId: change.partnerId,
        changeId,
        adverse: change.adverse,
        kindRules: kind.trustRules(change.terms),
        stage: change.partnerStage,
        ledger,
        deliveredAt: new Date(notice.deliveredAt ?? notice.issuedAt),
        appliedAt: now,
        // An emergency is measured against the stage's normal period: short notice earns no credit.
        noticePeriodDays: change.emergency?.standardNoticeDays ?? change.noticePeriodDays,
      });
      return {
        event: 'apply' as const,
        to: 'applied' as const,
        patch: { appliedAt: now.toISOString(), appliedFrom },
        remove: ['taskToken', 'taskTokenRevision'],
        audit: {
          type: 'change-applied' as const,
          actor: 'workflow',
          details: {
            appliedFrom,
            ...effect.details,
            trustEvents: ledgerEvents.map((event) => ({ rule: event.rule, points: event.points })),
          },
        },
        items: [...effect.items, ...deps.trust.recordEvents(ledgerEvents), ...releaseLock(deps, change)],
        result: undefined,
      };
    },
    { fromWorkflow: true },
  );
  if (!outcome.ok && outcome.refusal === 'not-acknowledged') {
    deps.logger.error('A scheduled adverse change is not acknowledged: not applied', { changeId });
  }
  const latest = outcome.change;
  if (!latest) throw new ChangeNotFound(`No change ${changeId}`);
  return progressOf(latest, deps.policy, deps.clock.now());
}
