import type * as z from 'zod';
import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { addDays, parseIsoDate, startOfUtcDay, toIsoDate } from '../domain/calendar.ts';
import { type RateScheduleEntry, rateInForce, scopeKeyOf } from '../domain/rate-schedule.ts';
import type { ChangeKind, KindAssessment, KindRevision } from '../notices/change-kind.ts';
import {
  type CommissionTerms,
  compareRates,
  directionOf,
  evaluateCommissionChange,
  moneyExample,
} from './rules.ts';
import { commissionFieldsSchema, commissionRevisionSchema } from './schemas.ts';

type CommissionRequest = z.infer<typeof commissionFieldsSchema>;
type CommissionRevision = z.infer<typeof commissionRevisionSchema>;

function describeScope(terms: Pick<CommissionTerms, 'scope'>): string {
  const parts: string[] = [];
  if (terms.scope?.products?.length) parts.push(`products: ${terms.scope.products.join(', ')}`);
  if (terms.scope?.accounts?.length) parts.push(`accounts: ${terms.scope.accounts.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'all products and accounts';
}

async function rateToday(deps: Dependencies, partnerId: string, scopeKey: string, now: Date) {
  return rateInForce(await deps.partners.rateSchedule(partnerId), toIsoDate(startOfUtcDay(now)), scopeKey);
}

/**
 * The commission change: a new rate for a partner (optionally for some products or accounts), announced
 * against the rate in force, applied as a new dated entry of the rate schedule (principle 3: history is never
 * overwritten, a sale keeps the rate of its booking day). A cut is adverse; a raise is not.
 */
export const commissionChangeKind: ChangeKind<CommissionRequest, CommissionTerms, CommissionRevision> = {
  name: 'commission-change',
  label: 'commission change',
  requestSchema: commissionFieldsSchema,
  revisionSchema: commissionRevisionSchema,

  async assess(deps, { partner, request, now }): Promise<KindAssessment<CommissionTerms>> {
    const scopeKey = scopeKeyOf(request.scope);
    const inForce = await rateToday(deps, partner.partnerId, scopeKey, now);
    if (!inForce) {
      return {
        ok: false,
        problem: 'unprocessable',
        violations: [
          {
            field: 'partnerId',
            rule: 'no-change',
            reason: `Partner ${partner.name} has no commission rate in force.`,
          },
        ],
      };
    }
    const verdict = evaluateCommissionChange(request, {
      rateInForcePct: inForce.ratePct,
      raiseApprovalAbovePoints: deps.policy.commissionRaiseApprovalAbovePoints,
    });
    if (!verdict.accepted) {
      return {
        ok: false,
        problem: verdict.conflict ? 'conflict' : 'unprocessable',
        violations: verdict.violations,
      };
    }
    return {
      ok: true,
      terms: {
        currentRatePct: request.currentRatePct,
        newRatePct: request.newRatePct,
        direction: verdict.direction,
        ...(request.scope ? { scope: request.scope } : {}),
        scopeKey,
      },
      adverse: verdict.direction === 'cut',
      needsApproval: verdict.needsApproval,
      // One pending commission change per partner and scope: a second would be announced against a rate
      // the first is about to replace.
      conflictKey: `commission#${scopeKey}`,
    };
  },

  async revise(_deps, { change, revision }): Promise<KindRevision<CommissionTerms>> {
    const terms = change.terms;
    if (revision.newRatePct === terms.currentRatePct) {
      return {
        ok: false,
        violations: [
          {
            field: 'revision.newRatePct',
            rule: 'no-change',
            reason: `${revision.newRatePct}% is the rate in force: withdraw the change instead of revising it to no change.`,
          },
        ],
      };
    }
    const direction = directionOf(terms.currentRatePct, revision.newRatePct);
    return {
      ok: true,
      terms: { ...terms, newRatePct: revision.newRatePct, direction },
      adverse: direction === 'cut',
      comparedToPrevious: compareRates(terms.newRatePct, revision.newRatePct),
    };
  },

  async termsAtNotice(deps, change: StoredChange<CommissionTerms>) {
    // The notice states the rate in force on the day it is sent (a partner-wide change may have applied
    // since submission and changed the rate a scoped change falls back to).
    const terms = change.terms;
    const inForce = await rateToday(deps, change.partnerId, terms.scopeKey, deps.clock.now());
    if (!inForce || inForce.ratePct === terms.currentRatePct) return terms;
    if (
      directionOf(inForce.ratePct, terms.newRatePct) !== terms.direction ||
      inForce.ratePct === terms.newRatePct
    ) {
      deps.logger.warn('Rate in force changed direction since submission; notice keeps the submitted rate', {
        changeId: change.changeId,
      });
      return terms;
    }
    return { ...terms, currentRatePct: inForce.ratePct };
  },

  notice(terms) {
    const verb = terms.direction === 'cut' ? 'reduction' : 'increase';
    return {
      title: `commission ${verb}: ${terms.currentRatePct}% → ${terms.newRatePct}%`,
      lines: [
        { label: 'Current commission rate', value: `${terms.currentRatePct}%` },
        { label: 'New commission rate', value: `${terms.newRatePct}%` },
        { label: 'Applies to', value: describeScope(terms) },
      ],
      example: moneyExample(terms),
    };
  },

  describe(terms) {
    return `commission ${terms.currentRatePct}% → ${terms.newRatePct}% (${describeScope(terms)})`;
  },

  view(terms) {
    return {
      currentRatePct: terms.currentRatePct,
      newRatePct: terms.newRatePct,
      direction: terms.direction,
      ...(terms.scope ? { scope: terms.scope } : {}),
      scopeKey: terms.scopeKey,
    };
  },

  trustRules(terms) {
    return [terms.direction === 'cut' ? 'commission-cut' : 'commission-raise'];
  },

  async apply(deps, change: StoredChange<CommissionTerms>, { now, appliedFrom }) {
    const terms = change.terms;
    const schedule = await deps.partners.rateSchedule(change.partnerId);
    // What it replaces, as the schedule says on the eve of the new rate (not what the submission assumed).
    const dayBefore = toIsoDate(addDays(parseIsoDate(appliedFrom) ?? now, -1));
    const previous = rateInForce(schedule, dayBefore, terms.scopeKey);
    const entry: RateScheduleEntry = {
      partnerId: change.partnerId,
      scopeKey: terms.scopeKey,
      effectiveFrom: appliedFrom,
      ratePct: terms.newRatePct,
      recordedAt: now.toISOString(),
      changeId: change.changeId,
    };
    return {
      items: [deps.partners.addRateEntry(entry)],
      details: {
        previousRatePct: previous?.ratePct ?? null,
        newRatePct: terms.newRatePct,
        scopeKey: terms.scopeKey,
      },
    };
  },
};
