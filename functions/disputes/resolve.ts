import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { isCurrentNoticeAcknowledged, isDisputeOpen } from '../domain/change.ts';
import type { ChangeStatus } from '../domain/lifecycle.ts';
import { evaluateTiming, type RuleViolation } from '../domain/submission-rules.ts';
import { type TrustRule, trustEvent } from '../domain/trust-rules.ts';
import { fieldErrors, parseInput } from '../http/schemas.ts';
import { type ActOutcome, act, type Decision } from '../notices/act.ts';
import { kindOf } from '../notices/change-kind.ts';
import { disputeAnswerEmails } from '../notices/emails.ts';
import { partnerOf } from '../notices/send-notice.ts';
import { notifiedRecipients, withdrawalPlan } from '../notices/withdraw.ts';

export type DisputeResolution =
  | { outcome: 'upheld'; answer: string }
  | {
      outcome: 'revised';
      answer: string;
      /** The kind's new terms (e.g. commission: newRatePct), parsed with the kind's revision schema. */
      revision: Record<string, unknown>;
      rationale: string;
      effectiveDate?: string | undefined;
    }
  | { outcome: 'withdrawn'; answer: string };

export type DisputeRefusal = 'no-open-dispute' | 'already-applied' | 'invalid-revision';

/** Where an upheld dispute leaves a paused change: back where it was, or scheduled if acknowledged meanwhile. */
function afterUpheld(change: StoredChange): ChangeStatus {
  if (change.status !== 'disputed') return change.status;
  const from = change.dispute?.pausedFrom ?? 'notice-sent';
  if (change.adverse && isCurrentNoticeAcknowledged(change) && from !== 'scheduled') return 'scheduled';
  return from;
}

/**
 * A dispute ends only with an explicit outcome (principle 5): upheld with a written answer emailed to the
 * partner; revised with new terms and rationale — a new notice version, which restarts the notice period when
 * the new terms are worse for the partner and keeps the date when they are better; or withdrawn, the partner
 * told. Every outcome is audited and lands in the trust ledger.
 */
export async function resolveDispute(
  deps: Dependencies,
  changeId: string,
  input: DisputeResolution & { by: string },
): Promise<
  ActOutcome<{ status: ChangeStatus; comparedToPrevious?: string }, DisputeRefusal> & {
    violations?: RuleViolation[];
  }
> {
  let violations: RuleViolation[] | undefined;
  const outcome = await act(
    deps,
    changeId,
    async (
      change,
      now,
    ): Promise<Decision<{ status: ChangeStatus; comparedToPrevious?: string }, DisputeRefusal>> => {
      const dispute = change.dispute;
      if (!dispute || !isDisputeOpen(change))
        return { refuse: 'no-open-dispute', detail: 'The change has no open dispute.' };
      if (input.outcome !== 'upheld' && change.status === 'applied') {
        return {
          refuse: 'already-applied',
          detail: 'The change is already applied: it can only be upheld with an answer.',
        };
      }
      const partner = await partnerOf(deps, change);
      const at = now.toISOString();
      const ledger = (rule: TrustRule) =>
        deps.trust.recordEvents([
          trustEvent(rule, {
            partnerId: change.partnerId,
            stage: change.partnerStage,
            at: now,
            cause: `change#${changeId}#${dispute.disputeId}`,
            source: { type: 'dispute-resolved', id: dispute.disputeId },
            changeId,
          }),
        ]);
      const audit = (extra: Record<string, unknown>) => ({
        type: 'dispute-resolved' as const,
        actor: input.by,
        details: { disputeId: dispute.disputeId, outcome: input.outcome, answer: input.answer, ...extra },
      });
      const answers = (outcome: 'upheld' | 'revised' | 'withdrawn') =>
        disputeAnswerEmails(change, partner, dispute, outcome, input.answer, notifiedRecipients(change));

      if (input.outcome === 'upheld') {
        const to = afterUpheld(change);
        return {
          event: 'uphold-dispute',
          to,
          patch: {
            dispute: {
              ...dispute,
              resolution: { outcome: 'upheld', answer: input.answer, by: input.by, at },
            },
          },
          audit: audit({ status: to }),
          items: ledger('dispute-answered'),
          messages: answers('upheld'),
          result: { status: to },
        };
      }
      if (input.outcome === 'withdrawn') {
        const plan = withdrawalPlan(deps, change, partner, { by: input.by, reason: input.answer, at: now });
        return {
          event: 'withdraw',
          to: 'withdrawn',
          patch: plan.patch,
          audit: audit({ status: 'withdrawn' }),
          items: [...plan.items, ...ledger('withdrawn-after-partner-input')],
          messages: [...answers('withdrawn'), ...plan.messages],
          result: { status: 'withdrawn' },
        };
      }
      const kind = kindOf(deps, change.kind);
      const parsed = parseInput(kind.revisionSchema, input.revision);
      if (!parsed.success) {
        violations = fieldErrors(parsed.error).map(({ field, reason }) => ({
          field: field === '(body)' ? 'revision' : `revision.${field}`,
          rule: 'no-change' as const,
          reason,
        }));
        return {
          refuse: 'invalid-revision',
          detail: violations.map((violation) => `${violation.field} ${violation.reason}`).join('; '),
        };
      }
      const revised = await kind.revise(deps, { change, partner, revision: parsed.data, now });
      const effectiveDate = input.effectiveDate ?? change.effectiveDate;
      const stagePolicy = deps.policy.stages[change.partnerStage];
      // The lifecycle's rules for the revised notice: a real date, not in the past, a rationale that explains.
      // The notice period is not checked here: a worse revision's apply date is counted from its own delivery.
      const problems = revised.ok
        ? evaluateTiming({
            adverse: revised.adverse,
            effectiveDate,
            rationale: input.rationale,
            now,
            stage: change.partnerStage,
            stagePolicy,
            policy: deps.policy,
          }).violations.filter((violation) => violation.rule !== 'notice-period')
        : revised.violations;
      if (!revised.ok || problems.length > 0) {
        violations = problems;
        return { refuse: 'invalid-revision', detail: problems.map((problem) => problem.reason).join(' ') };
      }
      // A revision no worse for the partner keeps the announced date; a worse one restarts the notice period
      // (the next notice's apply date is counted from its own delivery).
      const keep =
        revised.comparedToPrevious !== 'worse' && change.notice ? change.notice.applyAt : undefined;
      return {
        event: 'revise-after-dispute',
        to: 'notice-due',
        patch: {
          terms: revised.terms,
          adverse: revised.adverse,
          rationale: input.rationale,
          effectiveDate,
          noticePeriodDays: revised.adverse
            ? change.emergency
              ? change.noticePeriodDays
              : stagePolicy.adverseNoticeDays
            : 0,
          revisionPlan: {
            comparedToPrevious: revised.comparedToPrevious,
            ...(keep ? { keepApplyAt: keep } : {}),
          },
          dispute: {
            ...dispute,
            resolution: {
              outcome: 'revised',
              answer: input.answer,
              comparedToPrevious: revised.comparedToPrevious,
              by: input.by,
              at,
            },
          },
        },
        remove: ['heldSince'],
        audit: audit({
          comparedToPrevious: revised.comparedToPrevious,
          terms: kind.view(revised.terms),
          effectiveDate,
          rationale: input.rationale,
        }),
        items: ledger('dispute-resolved-by-revision'),
        messages: answers('revised'),
        result: { status: 'notice-due', comparedToPrevious: revised.comparedToPrevious },
      };
    },
  );
  return { ...outcome, ...(violations ? { violations } : {}) };
}
