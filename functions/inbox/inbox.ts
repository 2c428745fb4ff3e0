import type { ChangeListQuery, StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Role } from '../config/roles.ts';
import type { Dependencies } from '../dependencies.ts';
import type { ChangeStatus } from '../domain/lifecycle.ts';
import { REASSIGNMENT_KIND } from '../domain/lifecycle-events.ts';
import type { Partner } from '../domain/partner.ts';
import { kindOf } from '../notices/change-kind.ts';
import { type OpenTask, openTasksOf } from '../notices/view.ts';

/**
 * The most changes read per status queue. An inbox is a to-do list, not an archive: it must answer in one
 * request well inside API Gateway's 30 seconds and 10 MB whatever the backlog, and a person works the oldest
 * or most urgent items first. A queue with more than this is named in `truncated`, and its whole content is
 * one filtered, paged GET /api/changes?status=… away.
 */
export const INBOX_QUEUE_LIMIT = 100;

/** One thing waiting on the caller: a task on a change. */
export interface InboxItem {
  changeId: string;
  partnerId: string;
  partnerName: string;
  kind: string;
  summary: string;
  status: ChangeStatus;
  task: OpenTask['task'];
  who: string;
  dueAt?: string;
  /**
   * The caller's own task rather than their team's: an approval they may give (any approver but the
   * submitter), a consultation or escalation of a partner they are the alliance manager of, a dispute they
   * own, a failure or a dispute on their own submission.
   */
  mine: boolean;
  submittedBy: string;
  submittedAt: string;
}

export interface Inbox {
  items: InboxItem[];
  /** Statuses with more waiting than INBOX_QUEUE_LIMIT: the rest is listed by GET /api/changes?status=…. */
  truncated: ChangeStatus[];
}

/** One query of the byStatus index, and which of a change's open tasks it is looking for. */
interface Queue {
  status: ChangeStatus;
  filter?: Pick<ChangeListQuery, 'submittedBy' | 'notSubmittedBy' | 'openDispute' | 'kind'>;
  tasks: readonly OpenTask['task'][];
}

/** A dispute pauses an adverse change (disputed); a favourable one keeps its status while its dispute is open. */
const disputedWhileInNotice: readonly ChangeStatus[] = ['notice-sent', 'scheduled'];

/**
 * Where a reassignment's managers still owe their handover record: from the notice until it has applied (and
 * after, until recorded). The change kind's extras decide which side is still open.
 */
const handoverStatuses: readonly ChangeStatus[] = [
  'notice-sent',
  'scheduled',
  'disputed',
  'escalated',
  'held',
  'applied',
];

/** What waits on each role, as queues over the status index: one query each. */
function queuesOf(role: Role, userId: string): Queue[] {
  switch (role) {
    case 'approver':
      // Maker-checker: never the approver's own submission.
      return [{ status: 'awaiting-approval', filter: { notSubmittedBy: userId }, tasks: ['approve'] }];
    case 'partner-manager':
      return [
        // Their own submissions (stage moves) whose workflow failed, like finance's.
        { status: 'workflow-failed', filter: { submittedBy: userId }, tasks: ['retry-workflow'] },
        { status: 'awaiting-consultation', tasks: ['record-consultation'] },
        { status: 'escalated', tasks: ['resolve-escalation', 'resolve-dispute'] },
        { status: 'held', tasks: ['resolve-escalation', 'resolve-dispute'] },
        { status: 'disputed', tasks: ['resolve-dispute'] },
        ...disputedWhileInNotice.map((status) => ({
          status,
          filter: { openDispute: true },
          tasks: ['resolve-dispute' as const],
        })),
        ...handoverStatuses.map((status) => ({
          status,
          filter: { kind: REASSIGNMENT_KIND },
          tasks: ['record-handover' as const],
        })),
      ];
    case 'finance':
      // Their own submissions that need them: a failed workflow to retry, a dispute they may answer.
      return [
        { status: 'workflow-failed', filter: { submittedBy: userId }, tasks: ['retry-workflow'] },
        ...(['disputed', ...disputedWhileInNotice] as const).map((status) => ({
          status,
          filter: { submittedBy: userId, openDispute: true },
          tasks: ['resolve-dispute' as const],
        })),
      ];
    case 'compliance':
      // Compliance reviews the audit trail on its own schedule: nothing in the lifecycle waits on it.
      return [];
  }
}

function isMine(
  role: Role,
  task: OpenTask['task'],
  change: StoredChange,
  partner: Partner | undefined,
  userId: string,
) {
  // A failed workflow is listed only on its submitter's own inbox.
  if (role === 'approver' || role === 'finance' || task === 'retry-workflow') return true;
  if (task === 'resolve-dispute') return change.dispute?.owner.userId === userId;
  if (task === 'record-handover') return true;
  return partner?.allianceManager.userId === userId;
}

/**
 * What waits on the caller, for each of its roles: approvals for approvers, consultations, escalations, holds
 * and disputes for partner managers (all of them, the caller's own partners marked `mine` and first), failures
 * and disputes of their own submissions for finance. Mine first, then by due date, then oldest first.
 */
export async function inboxOf(
  deps: Dependencies,
  caller: { userId: string; roles: readonly Role[] },
): Promise<Inbox> {
  const queues = caller.roles.flatMap((role) =>
    queuesOf(role, caller.userId).map((queue) => ({ role, queue })),
  );
  const pages = await Promise.all(
    queues.map(async ({ role, queue }) => {
      const page = await deps.changes.list({
        status: queue.status,
        ...queue.filter,
        limit: INBOX_QUEUE_LIMIT,
      });
      // No cursor is given, so the page cannot be refused; the check only narrows the type.
      return { role, queue, page: page === 'invalid-cursor' ? { items: [] } : page };
    }),
  );
  const partners = await deps.partners.getMany(
    pages.flatMap(({ page }) => page.items.map((change) => change.partnerId)),
  );
  const items = new Map<string, InboxItem>();
  for (const { role, queue, page } of pages) {
    for (const change of page.items) {
      // An emergency needs two approvers: one who has approved already is not waited on.
      if (
        queue.tasks.includes('approve') &&
        change.approval.approvals.some((given) => given.by === caller.userId)
      )
        continue;
      const partner = partners.get(change.partnerId);
      // A kind's own tasks (a handover) are the named person's alone: listed only on their inbox.
      const kindTasks = queue.tasks.includes('record-handover')
        ? ((await kindOf(deps, change.kind).extras?.(deps, change))?.tasks ?? []).filter(
            (task) => task.who === caller.userId,
          )
        : [];
      for (const task of [...openTasksOf(change, partner?.allianceManager.userId), ...kindTasks]) {
        if (!queue.tasks.includes(task.task)) continue;
        const key = `${change.changeId}#${task.task}`;
        const mine =
          isMine(role, task.task, change, partner, caller.userId) || (items.get(key)?.mine ?? false);
        items.set(key, {
          changeId: change.changeId,
          partnerId: change.partnerId,
          partnerName: partner?.name ?? change.partnerId,
          kind: change.kind,
          summary: kindOf(deps, change.kind).describe(change.terms),
          status: change.status,
          task: task.task,
          who: task.who,
          ...(task.dueAt ? { dueAt: task.dueAt } : {}),
          mine,
          submittedBy: change.submittedBy,
          submittedAt: change.submittedAt,
        });
      }
    }
  }
  return {
    items: [...items.values()].sort(
      (a, b) =>
        Number(b.mine) - Number(a.mine) ||
        (a.dueAt ?? '\uffff').localeCompare(b.dueAt ?? '\uffff') ||
        a.submittedAt.localeCompare(b.submittedAt),
    ),
    truncated: [...new Set(pages.filter(({ page }) => page.cursor).map(({ queue }) => queue.status))],
  };
}
