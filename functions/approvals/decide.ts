import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import type { ApprovalDecision } from '../domain/change.ts';
import { type ActOutcome, act } from '../notices/act.ts';
import { recipientOf, releaseLock } from '../notices/advance.ts';
import { commitChangeStep } from '../notices/commit.ts';
import { approvalDecisionEmail, consultationEmail } from '../notices/emails.ts';
import { partnerOf } from '../notices/send-notice.ts';

export type ApprovalRefusal = 'self-approval' | 'already-approved' | 'not-awaiting-approval';

export interface ApprovalResult {
  status: StoredChange['status'];
  approvals: number;
  required: number;
}

/**
 * Maker-checker (principle 1): a second person with the approver role decides before any notice goes out.
 * The submitter can never approve its own change — refused, and the attempt itself is audited. An emergency
 * needs more than one approver; each approval is recorded, the last one moves the change on (to the
 * consultation its stage needs, or to its notice).
 */
export async function approveChange(
  deps: Dependencies,
  changeId: string,
  input: { by: string; comment: string },
): Promise<ActOutcome<ApprovalResult, ApprovalRefusal>> {
  const outcome = await act<ApprovalResult, ApprovalRefusal>(deps, changeId, async (change, now) => {
    const refusal = refuseDecision(change, input.by);
    if (refusal) return refusal;
    const decision: ApprovalDecision = { by: input.by, at: now.toISOString(), comment: input.comment };
    const approvals = [...change.approval.approvals, decision];
    const complete = approvals.length >= change.approval.required;
    const to = !complete ? 'awaiting-approval' : change.consultation ? 'awaiting-consultation' : 'notice-due';
    const partner = await partnerOf(deps, change);
    const consultation =
      to === 'awaiting-consultation' && change.consultation
        ? { ...change.consultation, requestedAt: now.toISOString(), remindersSent: 0 }
        : undefined;
    const submitter = complete ? await recipientOf(deps, change.submittedBy) : undefined;
    const approved: StoredChange = { ...change, approval: { ...change.approval, approvals } };
    return {
      event: 'approve' as const,
      to,
      patch: { approval: approved.approval, ...(consultation ? { consultation } : {}) },
      audit: {
        type: 'approval-recorded' as const,
        actor: input.by,
        details: {
          comment: input.comment,
          approvals: approvals.length,
          required: change.approval.required,
          status: to,
        },
      },
      messages: [
        ...(consultation ? [consultationEmail(deps, { ...approved, consultation }, partner, 0)] : []),
        ...(submitter
          ? [
              approvalDecisionEmail(deps, change, partner, submitter, {
                outcome: 'approved',
                by: input.by,
                comment: input.comment,
              }),
            ]
          : []),
      ],
      result: { status: to, approvals: approvals.length, required: change.approval.required },
    };
  });
  await auditSelfApproval(deps, changeId, input, outcome);
  return outcome;
}

/** An approver rejects the change with a comment: it ends here, nothing was sent to the partner. */
export async function rejectChange(
  deps: Dependencies,
  changeId: string,
  input: { by: string; comment: string },
): Promise<ActOutcome<ApprovalResult, ApprovalRefusal>> {
  const outcome = await act<ApprovalResult, ApprovalRefusal>(deps, changeId, async (change, now) => {
    const refusal = refuseDecision(change, input.by);
    if (refusal) return refusal;
    const rejection: ApprovalDecision = { by: input.by, at: now.toISOString(), comment: input.comment };
    const partner = await partnerOf(deps, change);
    const submitter = await recipientOf(deps, change.submittedBy);
    return {
      event: 'reject' as const,
      to: 'rejected' as const,
      patch: { approval: { ...change.approval, rejection } },
      audit: { type: 'change-rejected' as const, actor: input.by, details: { comment: input.comment } },
      items: releaseLock(deps, change),
      messages: submitter
        ? [
            approvalDecisionEmail(deps, change, partner, submitter, {
              outcome: 'rejected',
              by: input.by,
              comment: input.comment,
            }),
          ]
        : [],
      result: {
        status: 'rejected' as const,
        approvals: change.approval.approvals.length,
        required: change.approval.required,
      },
    };
  });
  await auditSelfApproval(deps, changeId, input, outcome);
  return outcome;
}

function refuseDecision(
  change: StoredChange,
  by: string,
): { refuse: ApprovalRefusal; detail: string } | undefined {
  if (change.status !== 'awaiting-approval') {
    return {
      refuse: 'not-awaiting-approval',
      detail: `The change is ${change.status}: there is nothing to approve.`,
    };
  }
  if (by === change.submittedBy) {
    return {
      refuse: 'self-approval',
      detail:
        'You submitted this change: a second person with the approver role must decide (maker-checker).',
    };
  }
  if (change.approval.approvals.some((approval) => approval.by === by)) {
    return {
      refuse: 'already-approved',
      detail: `You already approved it; it needs ${change.approval.required} different approvers.`,
    };
  }
  return undefined;
}

/** A refused self-approval leaves a trace in the change's audit trail (who tried, when), changing nothing else. */
async function auditSelfApproval(
  deps: Dependencies,
  changeId: string,
  input: { by: string; comment: string },
  outcome: ActOutcome<ApprovalResult, ApprovalRefusal>,
): Promise<void> {
  if (outcome.ok || outcome.refusal !== 'self-approval' || !outcome.change) return;
  const { partnerId, kind, status } = outcome.change;
  await commitChangeStep(
    deps,
    { changeId, partnerId, kind, status },
    {
      type: 'self-approval-refused',
      at: deps.clock.now().toISOString(),
      actor: input.by,
      details: { comment: input.comment },
    },
    [],
  );
}
