import { commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import {
  type PolicyChange,
  type PolicyDecision,
  policyAuditStreamOf,
} from '../adapters/dynamodb/policy-change-store.ts';
import { isConditionFailed } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { MAX_DECISION_ROUNDS } from '../notices/act.ts';
import { startPolicyWorkflow } from './workflow.ts';

export type PolicyDecisionRefusal = 'unknown-change' | 'self-approval' | 'not-awaiting-approval';

export type PolicyDecisionOutcome =
  | { ok: true; change: PolicyChange }
  | { ok: false; refusal: PolicyDecisionRefusal; detail: string };

/**
 * Maker-checker for a policy change, as for a change to one partner (functions/approvals/decide.ts): a second
 * person with the approver role approves or rejects an adverse policy change; its submitter never can, and the
 * attempt itself is audited. One approval is enough (a policy change has no emergency path).
 */
export function approvePolicyChange(
  deps: Dependencies,
  policyChangeId: string,
  input: { by: string; comment: string },
): Promise<PolicyDecisionOutcome> {
  return decide(deps, policyChangeId, input, 'approved');
}

export function rejectPolicyChange(
  deps: Dependencies,
  policyChangeId: string,
  input: { by: string; comment: string },
): Promise<PolicyDecisionOutcome> {
  return decide(deps, policyChangeId, input, 'rejected');
}

async function decide(
  deps: Dependencies,
  policyChangeId: string,
  input: { by: string; comment: string },
  outcome: PolicyDecision['outcome'],
): Promise<PolicyDecisionOutcome> {
  // A lost race means another decision landed in between: the next round reads it and refuses.
  for (let round = 1; ; round += 1) {
    const change = await deps.policyChanges.get(policyChangeId);
    if (!change) return { ok: false, refusal: 'unknown-change', detail: 'No such policy change.' };
    const stream = policyAuditStreamOf(policyChangeId);
    const at = deps.clock.now().toISOString();
    if (change.status !== 'awaiting-approval') {
      return {
        ok: false,
        refusal: 'not-awaiting-approval',
        detail: `The policy change is ${change.status}: there is nothing to decide.`,
      };
    }
    if (change.submittedBy === input.by) {
      // Nothing about the change moves; the refused attempt is kept for security review.
      await commitWithAudit(
        deps.documentClient,
        deps.tables,
        stream,
        [
          {
            type: 'self-approval-refused',
            at,
            actor: input.by,
            details: { comment: input.comment, outcome },
          },
        ],
        [],
      );
      return {
        ok: false,
        refusal: 'self-approval',
        detail:
          'You submitted this policy change: a second person with the approver role must decide (maker-checker).',
      };
    }
    const decision: PolicyDecision = { outcome, by: input.by, at, comment: input.comment };
    const event = outcome === 'approved' ? 'approve' : 'reject';
    try {
      await commitWithAudit(
        deps.documentClient,
        deps.tables,
        stream,
        [
          {
            type: outcome === 'approved' ? 'policy-change-approved' : 'policy-change-rejected',
            at,
            actor: input.by,
            details: { comment: input.comment, status: outcome },
          },
        ],
        [deps.policyChanges.decide(change, event, outcome, decision)],
      );
    } catch (error) {
      if (isConditionFailed(error) && round < MAX_DECISION_ROUNDS) continue;
      throw error;
    }
    if (outcome === 'approved') await startPolicyWorkflow(deps, policyChangeId);
    return { ok: true, change: { ...change, status: outcome, revision: change.revision + 1, decision } };
  }
}
