import { commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import {
  type PolicyChange,
  type PolicyContent,
  type PolicyRevision,
  type PolicyStepFields,
  policyAuditStreamOf,
  policyContentOf,
} from '../adapters/dynamodb/policy-change-store.ts';
import { isConditionFailed } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { addDays } from '../domain/calendar.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { MAX_DECISION_ROUNDS } from '../notices/act.ts';
import { revisionRestartsNotice, takesEffectAt } from './rounds.ts';
import { evaluatePolicyChange, isPolicyTransitionAllowed, type PolicyRuleViolation } from './rules.ts';
import { noticeDaysFor } from './segment.ts';
import { SEND_MARGIN_DAYS, wakePolicyWorkflow } from './workflow.ts';

export type PolicyRevisionOutcome =
  | { ok: true; change: PolicyChange }
  | { ok: false; refusal: 'unknown-change' | 'not-revisable'; detail: string }
  | {
      ok: false;
      refusal: 'policy-violation';
      detail: string;
      violations: PolicyRuleViolation[];
      earliestEffectiveDate: string;
    };

export type PolicyWithdrawalOutcome =
  | { ok: true; change: PolicyChange }
  | { ok: false; refusal: 'unknown-change' | 'not-withdrawable'; detail: string };

/**
 * A revision of a policy change being (or already) notified: its content replaced (the old content kept in
 * `revisions`), a new notice version that the workflow sends to everyone in the segment. The rules are the
 * submission's, against the segment as resolved at submission. Worse for partners: the notice period starts
 * again from now; better: the date partners were told stands unless the new effective date is later.
 * Who may: the partner-manager role, as for submission (the route declares it); no second approval, since the
 * policy change was approved already and every partner is told again.
 */
export async function revisePolicyChange(
  deps: Dependencies,
  policyChangeId: string,
  input: { by: string; reason: string; content: PolicyContent },
): Promise<PolicyRevisionOutcome> {
  // A lost race (the workflow completed a round in between) means read again and retry.
  for (let round = 1; ; round += 1) {
    const change = await deps.policyChanges.get(policyChangeId);
    if (!change) return { ok: false, refusal: 'unknown-change', detail: 'No such policy change.' };
    if (!isPolicyTransitionAllowed('revise', change.status, 'notifying')) {
      return {
        ok: false,
        refusal: 'not-revisable',
        detail: `The policy change is ${change.status}: only a policy change being notified or notified can be revised.`,
      };
    }
    const now = deps.clock.now();
    const { content } = input;
    const present = relationshipStages.filter((stage) => (change.byStage[stage] ?? 0) > 0);
    const noticeDays = noticeDaysFor(present, content.adverse, deps.policy);
    const verdict = evaluatePolicyChange({
      adverse: content.adverse,
      effectiveDate: content.effectiveDate,
      rationale: content.rationale,
      now,
      preview: { targeted: change.targeted, noticeDays, unknownPartnerIds: [] },
    });
    if (verdict.violations.length > 0) {
      return {
        ok: false,
        refusal: 'policy-violation',
        detail: verdict.violations.map((item) => item.reason).join(' '),
        violations: verdict.violations,
        earliestEffectiveDate: verdict.earliestEffectiveDate,
      };
    }
    const fresh = takesEffectAt(content.effectiveDate, addDays(now, SEND_MARGIN_DAYS), noticeDays);
    const earlier = change.takesEffectAt ? new Date(change.takesEffectAt) : undefined;
    const requested = new Date(`${content.effectiveDate}T00:00:00.000Z`);
    const effect =
      revisionRestartsNotice(content.adverse) || !earlier ? fresh : requested > earlier ? requested : earlier;
    const version = (change.noticeVersion ?? 1) + 1;
    const revision: PolicyRevision = {
      version: change.noticeVersion ?? 1,
      content: policyContentOf(change),
      replacedAt: now.toISOString(),
      replacedBy: input.by,
      reason: input.reason,
    };
    const fields: PolicyStepFields = {
      ...content,
      rationale: content.rationale.trim(),
      noticeDays,
      noticeVersion: version,
      takesEffectAt: effect.toISOString(),
      revisions: [...(change.revisions ?? []), revision],
    };
    const remove: (keyof PolicyStepFields)[] = ['noticeSentAt'];
    if (content.policyText === undefined) remove.push('policyText');
    if (content.document === undefined) remove.push('document');
    try {
      await commitWithAudit(
        deps.documentClient,
        deps.tables,
        policyAuditStreamOf(policyChangeId),
        [
          {
            type: 'policy-change-revised',
            at: now.toISOString(),
            actor: input.by,
            details: {
              reason: input.reason,
              noticeVersion: version,
              adverse: content.adverse,
              effectiveDate: content.effectiveDate,
              takesEffectAt: effect.toISOString(),
              status: 'notifying',
            },
          },
        ],
        [deps.policyChanges.step(change, 'revise', 'notifying', fields, remove)],
      );
    } catch (error) {
      if (isConditionFailed(error) && round < MAX_DECISION_ROUNDS) continue;
      throw error;
    }
    await wakePolicyWorkflow(deps, policyChangeId);
    const { noticeSentAt: _sent, policyText: _text, document: _doc, ...kept } = change;
    return {
      ok: true,
      change: {
        ...kept,
        ...fields,
        status: 'notifying',
        revision: change.revision + 1,
      } as PolicyChange,
    };
  }
}

/**
 * A withdrawal before the policy change takes effect: the workflow tells everyone notified, then it is
 * withdrawn. A second withdrawal finds it withdrawing and is refused, so nothing is sent twice.
 * Who may: the partner-manager role (the route declares it).
 */
export async function withdrawPolicyChange(
  deps: Dependencies,
  policyChangeId: string,
  input: { by: string; reason: string },
): Promise<PolicyWithdrawalOutcome> {
  for (let round = 1; ; round += 1) {
    const change = await deps.policyChanges.get(policyChangeId);
    if (!change) return { ok: false, refusal: 'unknown-change', detail: 'No such policy change.' };
    if (!isPolicyTransitionAllowed('withdraw', change.status, 'withdrawing')) {
      return {
        ok: false,
        refusal: 'not-withdrawable',
        detail:
          change.status === 'withdrawing'
            ? 'The policy change is already being withdrawn.'
            : `The policy change is ${change.status}: it can no longer be withdrawn.`,
      };
    }
    const at = deps.clock.now().toISOString();
    const withdrawal = { by: input.by, at, reason: input.reason };
    try {
      await commitWithAudit(
        deps.documentClient,
        deps.tables,
        policyAuditStreamOf(policyChangeId),
        [
          {
            type: 'policy-change-withdrawn',
            at,
            actor: input.by,
            details: { reason: input.reason, status: 'withdrawing' },
          },
        ],
        [deps.policyChanges.step(change, 'withdraw', 'withdrawing', { withdrawal })],
      );
    } catch (error) {
      if (isConditionFailed(error) && round < MAX_DECISION_ROUNDS) continue;
      throw error;
    }
    await wakePolicyWorkflow(deps, policyChangeId);
    return {
      ok: true,
      change: { ...change, status: 'withdrawing', revision: change.revision + 1, withdrawal },
    };
  }
}
