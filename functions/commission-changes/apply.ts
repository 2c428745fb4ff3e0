import { ChangeStore, changeKeys } from '../adapters/dynamodb/change-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { firstFullDayFrom, toIsoDate } from '../domain/calendar.ts';
import { entryKeyOf, type RateScheduleEntry } from '../domain/rate-schedule.ts';
import { eventsForAppliedChange } from '../domain/trust-rules.ts';
import { commitChangeStep, ledgerEventWrite } from './change-step.ts';
import { ChangeNotFound } from './send-notice.ts';

export class NoticePeriodNotOver extends Error {
  override readonly name = 'NoticePeriodNotOver';
}

export class ChangeNotApplicable extends Error {
  override readonly name = 'ChangeNotApplicable';
}

export interface AppliedChange {
  changeId: string;
  appliedFrom: string;
  appliedAt: string;
}

/**
 * Workflow step after the notice period: add the new rate as a new dated schedule entry (the old entry stays),
 * record the trust-ledger events and the audit entry, and mark the change applied — all in one transaction,
 * guarded on the status, so it happens exactly once.
 */
export async function applyChange(deps: Dependencies, changeId: string): Promise<AppliedChange> {
  const changes = new ChangeStore(deps.documentClient, deps.tables);
  const change = await changes.get(changeId);
  if (!change?.notice) throw new ChangeNotFound(`No delivered change ${changeId}`);
  if (change.status === 'applied' && change.appliedAt && change.appliedFrom) {
    return { changeId, appliedFrom: change.appliedFrom, appliedAt: change.appliedAt };
  }
  const allowed = change.direction === 'cut' ? ['acknowledged'] : ['notice-sent', 'acknowledged'];
  if (!allowed.includes(change.status)) {
    throw new ChangeNotApplicable(
      `Change ${changeId} is ${change.status}; a ${change.direction} applies only when ${allowed.join(' or ')}`,
    );
  }
  const now = deps.clock.now();
  // Principle 1, checked again where it matters: the workflow's wait is not the only guard.
  if (now < new Date(change.notice.applyAt)) {
    throw new NoticePeriodNotOver(`Change ${changeId} may not apply before ${change.notice.applyAt}`);
  }
  // Never retroactive: applied on a later day than planned (a late acknowledgement), the new rate starts on
  // the next whole day, so it touches no sale already booked.
  const today = toIsoDate(now);
  const appliedFrom = today <= change.effectiveDate ? change.effectiveDate : toIsoDate(firstFullDayFrom(now));
  const entry: RateScheduleEntry = {
    partnerId: change.partnerId,
    scopeKey: change.scopeKey,
    effectiveFrom: appliedFrom,
    ratePct: change.newRatePct,
    recordedAt: now.toISOString(),
    changeId,
  };
  const policy = deps.stagePolicies[change.partnerStage];
  const ledgerEvents = eventsForAppliedChange({
    partnerId: change.partnerId,
    changeId,
    direction: change.direction,
    stagePolicy: policy,
    deliveredAt: new Date(change.notice.deliveredAt),
    appliedAt: now,
    noticePeriodDays: change.noticePeriodDays,
  });
  try {
    await commitChangeStep(
      deps,
      changeId,
      {
        type: 'change-applied',
        at: now.toISOString(),
        actor: 'workflow',
        details: {
          appliedFrom,
          previousRatePct: change.currentRatePct,
          newRatePct: change.newRatePct,
          scopeKey: change.scopeKey,
          trustEvents: ledgerEvents.map((event) => ({ rule: event.rule, points: event.points })),
        },
      },
      [
        {
          Update: {
            TableName: deps.tables.changes,
            Key: changeKeys.change(changeId),
            UpdateExpression:
              'SET #status = :applied, appliedAt = :at, appliedFrom = :from REMOVE acknowledgementTaskToken',
            ConditionExpression: '#status = :seen',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':applied': 'applied',
              ':at': now.toISOString(),
              ':from': appliedFrom,
              ':seen': change.status,
            },
          },
        },
        {
          Put: {
            TableName: deps.tables.rateSchedule,
            Item: { ...entry, entryKey: entryKeyOf(entry) },
            ConditionExpression: 'attribute_not_exists(entryKey)',
          },
        },
        ...ledgerEvents.map((event) => ledgerEventWrite(deps, event)),
      ],
    );
  } catch (error) {
    if (!(error instanceof ConditionNotMet)) throw error;
    // A status race: a concurrent acknowledgement (retry), or a concurrent apply (done).
    return applyChange(deps, changeId);
  }
  return { changeId, appliedFrom, appliedAt: now.toISOString() };
}
