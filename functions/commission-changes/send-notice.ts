import { ChangeStore, changeKeys, type StoredChange } from '../adapters/dynamodb/change-store.ts';
import { PartnerStore } from '../adapters/dynamodb/partner-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import type { DeliveredNotice } from '../domain/commission-change.ts';
import { noticeContentHash, noticeContentOf, renderNoticeEmail } from '../domain/notice.ts';
import { applyNotBefore } from '../domain/submission-rules.ts';
import { acknowledgementLink } from './acknowledgement-links.ts';
import { commitChangeStep } from './change-step.ts';
import { progressOf, type WorkflowProgress } from './workflow-progress.ts';

export const FIRST_NOTICE_VERSION = 1;

export class ChangeNotFound extends Error {
  override readonly name = 'ChangeNotFound';
}

/**
 * Workflow step: email the notice (change, old and new rate, effective date, rationale verbatim) to every
 * partner contact with its own acknowledgement link, then record delivery. Sending is idempotent per
 * recipient, and delivery is recorded only once, so a retried or re-driven step never double-sends.
 */
export async function sendNotice(deps: Dependencies, changeId: string): Promise<WorkflowProgress> {
  const changes = new ChangeStore(deps.documentClient, deps.tables);
  const change = await changes.get(changeId);
  if (!change) throw new ChangeNotFound(`No change ${changeId}`);
  const policy = deps.stagePolicies[change.partnerStage];
  if (change.notice) return progressOf(change, policy, deps.clock.now());

  const partner = await new PartnerStore(deps.documentClient, deps.tables).get(change.partnerId);
  if (!partner) throw new Error(`Partner ${change.partnerId} of change ${changeId} is missing`);
  const content = noticeContentOf(change, partner.name, FIRST_NOTICE_VERSION);
  const contentHash = noticeContentHash(content);
  const noticeId = `${changeId}-v${FIRST_NOTICE_VERSION}`;
  // Links are signed against the earliest possible apply time; delivery below can only push it later.
  const provisionalApplyAt = applyNotBefore(change.effectiveDate, deps.clock.now(), change.noticePeriodDays);

  for (const contact of partner.contacts) {
    const link = await acknowledgementLink(deps, {
      changeId,
      noticeId,
      contactId: contact.contactId,
      applyAt: provisionalApplyAt,
    });
    const email = renderNoticeEmail(content, contact.name, link);
    await deps.mailer.send({
      messageId: `${noticeId}#notice#${contact.contactId}`,
      kind: 'notice',
      changeId,
      to: [{ name: contact.name, email: contact.email }],
      ...email,
      links: [link],
    });
  }

  const deliveredAt = deps.clock.now();
  const notice: DeliveredNotice = {
    noticeId,
    version: FIRST_NOTICE_VERSION,
    contentHash,
    deliveredAt: deliveredAt.toISOString(),
    applyAt: applyNotBefore(change.effectiveDate, deliveredAt, change.noticePeriodDays).toISOString(),
    recipients: partner.contacts.map((contact) => ({ contactId: contact.contactId, email: contact.email })),
  };
  try {
    await commitChangeStep(
      deps,
      changeId,
      {
        type: 'notice-sent',
        at: notice.deliveredAt,
        actor: 'workflow',
        details: {
          noticeId,
          noticeVersion: notice.version,
          contentHash,
          recipients: notice.recipients,
          applyAt: notice.applyAt,
        },
      },
      [
        {
          Update: {
            TableName: deps.tables.changes,
            Key: changeKeys.change(changeId),
            UpdateExpression: 'SET #status = :sent, notice = :notice REMOVE workflowPending',
            ConditionExpression: '#status = :submitted AND attribute_not_exists(notice)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':sent': 'notice-sent',
              ':submitted': 'submitted',
              ':notice': notice,
            },
          },
        },
        {
          Put: {
            TableName: deps.tables.changes,
            Item: {
              ...changeKeys.notice(changeId, notice.version),
              noticeId,
              changeId,
              version: notice.version,
              contentHash,
              content,
              deliveredAt: notice.deliveredAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    );
  } catch (error) {
    if (!(error instanceof ConditionNotMet)) throw error;
    // Another attempt recorded delivery first: report what it recorded.
    const recorded = await changes.get(changeId);
    if (!recorded?.notice) throw error;
    return progressOf(recorded, policy, deps.clock.now());
  }
  const sent: StoredChange = { ...change, status: 'notice-sent', notice };
  return progressOf(sent, policy, deps.clock.now());
}
