import type { ChangeListQuery, StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { nextDeadlineOf } from '../domain/agenda.ts';
import { isDisputeOpen } from '../domain/change.ts';
import { kindOf } from './change-kind.ts';

export const openTaskNames = [
  'approve',
  'record-consultation',
  'resolve-escalation',
  'resolve-dispute',
  'retry-workflow',
  'record-handover',
] as const;

/** A person's open task on a change: what to do, who should, by when. */
export interface OpenTask {
  task: (typeof openTaskNames)[number];
  who: string;
  dueAt?: string;
}

export function openTasksOf(change: StoredChange, allianceManager?: string): OpenTask[] {
  const tasks: OpenTask[] = [];
  if (change.status === 'awaiting-approval') {
    tasks.push({
      task: 'approve',
      who: 'an approver other than the submitter',
      ...(change.approval.expiresAt ? { dueAt: change.approval.expiresAt } : {}),
    });
  }
  if (change.status === 'awaiting-consultation') {
    tasks.push({ task: 'record-consultation', who: allianceManager ?? 'the alliance manager' });
  }
  if (change.status === 'escalated' || change.status === 'held') {
    tasks.push({ task: 'resolve-escalation', who: allianceManager ?? 'the alliance manager' });
  }
  if (change.dispute && isDisputeOpen(change)) {
    tasks.push({ task: 'resolve-dispute', who: change.dispute.owner.userId, dueAt: change.dispute.dueAt });
  }
  if (change.status === 'workflow-failed') tasks.push({ task: 'retry-workflow', who: 'an operator' });
  return tasks;
}

/**
 * One change in a list: status, partner, terms in a line, dates and the next deadline. `partnerName` is the
 * partner's current name, read with the page (never stored on the change, so a renamed partner is shown by
 * its new name); a partner with no record is shown by its id.
 */
export function changeSummary(deps: Dependencies, change: StoredChange, partnerName: string | undefined) {
  const kind = kindOf(deps, change.kind);
  const nextDeadline = nextDeadlineOf(change, deps.policy, deps.clock.now());
  return {
    changeId: change.changeId,
    kind: change.kind,
    partnerId: change.partnerId,
    partnerName: partnerName ?? change.partnerId,
    stage: change.partnerStage,
    status: change.status,
    adverse: change.adverse,
    summary: kind.describe(change.terms),
    terms: kind.view(change.terms),
    effectiveDate: change.effectiveDate,
    ...(change.notice ? { applyAt: change.notice.applyAt } : {}),
    ...(nextDeadline ? { nextDeadline } : {}),
    submittedBy: change.submittedBy,
    submittedAt: change.submittedAt,
  };
}

/** A change with everything staff may see (internal note included) and its timeline from the audit trail. */
export async function changeView(deps: Dependencies, change: StoredChange) {
  const kind = kindOf(deps, change.kind);
  const [entries, partner, extras] = await Promise.all([
    deps.changes.auditEntries(change.changeId),
    deps.partners.get(change.partnerId),
    kind.extras?.(deps, change),
  ]);
  // Workflow plumbing (the task token, the audit head) is not part of what staff see.
  const {
    taskToken: _token,
    taskTokenRevision: _tokenRevision,
    auditHead: _auditHead,
    terms: _terms,
    ...rest
  } = change;
  return {
    ...changeSummary(deps, change, partner?.name),
    ...rest,
    ...(partner ? { partnerName: partner.name, allianceManager: partner.allianceManager } : {}),
    ...(change.notice
      ? { applyAtReason: change.notice.applyAtReason, noticeId: change.notice.noticeId }
      : {}),
    ...extras?.view,
    openTasks: [...openTasksOf(change, partner?.allianceManager.userId), ...(extras?.tasks ?? [])],
    timeline: entries
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => ({ seq: entry.seq, at: entry.at, type: entry.type, actor: entry.actor })),
  };
}

/**
 * A page of changes with their partners' names: one BatchGetItem for the page's partners (a page holds at most
 * 100 changes, DynamoDB's limit of keys per batch), rather than a name copied onto every change, which would
 * go stale when a partner is renamed and is missing on the changes recorded before it.
 */
export async function listChanges(deps: Dependencies, query: ChangeListQuery) {
  // A list of every kind merges the registered kinds' lists.
  const page = await deps.changes.list({ ...query, kinds: [...deps.kinds.keys()] });
  if (page === 'invalid-cursor') return page;
  const partners = await deps.partners.getMany(page.items.map((change) => change.partnerId));
  return {
    items: page.items.map((change) => changeSummary(deps, change, partners.get(change.partnerId)?.name)),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}
