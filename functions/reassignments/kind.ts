import type * as z from 'zod';
import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { REASSIGNMENT_KIND } from '../domain/lifecycle-events.ts';
import type { ChangeKind, KindAssessment, KindRevision } from '../notices/change-kind.ts';
import { PartnerMissing } from '../notices/send-notice.ts';
import type { ChangeEnvelope } from '../notices/submit.ts';
import { handoverTasks, handoverView } from './handover-view.ts';
import {
  evaluateReassignment,
  lastReassignmentWithin,
  type ReassignmentTerms,
  reassignmentLines,
  reassignmentTrustRules,
} from './rules.ts';
import { reassignmentFieldsSchema, reassignmentRevisionSchema } from './schemas.ts';

type ReassignmentRequest = z.infer<typeof reassignmentFieldsSchema> & Pick<ChangeEnvelope, 'effectiveDate'>;
type ReassignmentRevision = z.infer<typeof reassignmentRevisionSchema>;

// One name, defined where the public events map it (the event mapping needs it without importing this kind).
export { REASSIGNMENT_KIND };

/**
 * The partner's alliance manager is no longer the one the reassignment was decided on (the directory was
 * edited meanwhile, or another reassignment got there first). Thrown by the notice and apply steps so the
 * workflow's failure path marks the change workflow-failed, for a person to withdraw it and decide again: the
 * partner is never told that someone hands over who is not their manager, nor is the manager overwritten.
 */
export class ManagerChangedMeanwhile extends Error {
  override readonly name = 'ManagerChangedMeanwhile';
}

/**
 * Whether the partner's manager is still the outgoing one; if not, ManagerChangedMeanwhile — unless the change
 * itself has moved on since it was read (a concurrent re-driven step applied it): then the caller's commit
 * fails on the change's own guard and `act` decides again, which is not an error.
 */
async function ensureOutgoingStillManager(
  deps: Dependencies,
  change: StoredChange<ReassignmentTerms>,
): Promise<void> {
  const partner = await deps.partners.get(change.partnerId);
  if (!partner) {
    throw new PartnerMissing(`Partner ${change.partnerId} of change ${change.changeId} is missing`);
  }
  if (partner.allianceManager.userId === change.terms.outgoing.userId) return;
  const latest = await deps.changes.get(change.changeId);
  if (latest && latest.revision !== change.revision) return;
  throw new ManagerChangedMeanwhile(
    `Partner ${change.partnerId}'s alliance manager is ${partner.allianceManager.userId}, not ${change.terms.outgoing.userId} as when reassignment ${change.changeId} was decided: withdraw it and submit a new one.`,
  );
}

async function lastReassignment(deps: Dependencies, partnerId: string, handoverDate: string) {
  const changes = await deps.changes.ofPartnerAndKind(partnerId, REASSIGNMENT_KIND);
  return lastReassignmentWithin(
    changes.filter((change) => change.status === 'applied'),
    handoverDate,
  );
}

/**
 * A new alliance manager for a partner. The partner loses the person its working relationship rests on, so
 * this kind is ADVERSE in the lifecycle's sense, on purpose: a partner expects to be told ahead (the notice
 * period of its stage, consultation where its stage has one — the outgoing manager's call), to know who the
 * new manager is and from when, and to acknowledge before the handover happens. Adverse also means one
 * approver (maker-checker): a partner manager does not move a partner's relationship alone. It changes no
 * money, so there is no example; its trust cost is its own rule, higher when it happens again within 12 months.
 */
export const reassignmentKind: ChangeKind<ReassignmentRequest, ReassignmentTerms, ReassignmentRevision> = {
  name: REASSIGNMENT_KIND,
  label: 'alliance manager change',
  requestSchema: reassignmentFieldsSchema,
  revisionSchema: reassignmentRevisionSchema,

  async assess(deps, { partner, request }): Promise<KindAssessment<ReassignmentTerms>> {
    const member = await deps.staff.get(request.incomingManager);
    const verdict = evaluateReassignment(
      'incomingManager',
      request.incomingManager,
      member,
      partner.allianceManager,
    );
    if (!verdict.accepted) return { ok: false, problem: 'unprocessable', violations: verdict.violations };
    const last = await lastReassignment(deps, partner.partnerId, request.effectiveDate);
    return {
      ok: true,
      terms: {
        outgoing: { ...partner.allianceManager },
        incoming: verdict.incoming,
        handoverDate: request.effectiveDate,
        ...(last ? { lastReassignment: last } : {}),
      },
      adverse: true,
      needsApproval: true,
      // One pending reassignment per partner: a second would hand over from a manager the first replaces.
      conflictKey: 'alliance-manager',
    };
  },

  async revise(deps, { change, partner, revision }): Promise<KindRevision<ReassignmentTerms>> {
    const member = await deps.staff.get(revision.incomingManager);
    const verdict = evaluateReassignment(
      'revision.incomingManager',
      revision.incomingManager,
      member,
      partner.allianceManager,
    );
    if (!verdict.accepted) return { ok: false, violations: verdict.violations };
    // Another person is neither better nor worse in itself: the partner is told again and acknowledges again.
    return {
      ok: true,
      terms: { ...change.terms, incoming: verdict.incoming },
      adverse: true,
      comparedToPrevious: 'same',
    };
  },

  async termsAtNotice(deps, change: StoredChange<ReassignmentTerms>) {
    // The notice names the outgoing manager: refuse to announce a handover by someone who no longer has it.
    await ensureOutgoingStillManager(deps, change);
    // The incoming manager's name and email as the staff directory has them the day the partner is told, and
    // a reassignment applied since the submission counted.
    const [member, last] = await Promise.all([
      deps.staff.get(change.terms.incoming.userId),
      lastReassignment(deps, change.partnerId, change.terms.handoverDate),
    ]);
    const { lastReassignment: _previous, ...terms } = change.terms;
    return {
      ...terms,
      ...(member ? { incoming: { userId: member.userId, name: member.name, email: member.email } } : {}),
      ...(last ? { lastReassignment: last } : {}),
    };
  },

  notice(terms) {
    return {
      title: `alliance manager change: ${terms.outgoing.name} → ${terms.incoming.name}`,
      lines: reassignmentLines(terms),
    };
  },

  describe(terms) {
    return `alliance manager ${terms.outgoing.name} → ${terms.incoming.name} on ${terms.handoverDate}`;
  },

  view(terms) {
    // The terms are also published (change.submitted): staff email addresses never are, so names and ids only.
    return {
      outgoing: { userId: terms.outgoing.userId, name: terms.outgoing.name },
      incoming: { userId: terms.incoming.userId, name: terms.incoming.name },
      handoverDate: terms.handoverDate,
      ...(terms.lastReassignment ? { lastReassignment: terms.lastReassignment } : {}),
    };
  },

  async extras(deps, change: StoredChange<ReassignmentTerms>) {
    const records = await deps.changes.handovers(change.changeId);
    return {
      view: { handover: handoverView(change, records) },
      tasks: handoverTasks(change, records),
    };
  },

  trustRules(terms) {
    return reassignmentTrustRules(terms);
  },

  async apply(deps, change: StoredChange<ReassignmentTerms>, { now }) {
    const { outgoing, incoming } = change.terms;
    await ensureOutgoingStillManager(deps, change);
    return {
      items: [
        deps.partners.reassignAllianceManager(change.partnerId, outgoing.userId, incoming, now.toISOString()),
      ],
      details: {
        kind: REASSIGNMENT_KIND,
        partnerId: change.partnerId,
        outgoingManager: outgoing.userId,
        incomingManager: incoming.userId,
      },
    };
  },
};
