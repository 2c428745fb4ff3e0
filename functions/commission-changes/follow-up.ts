import { ChangeStore, changeKeys, type StoredChange } from '../adapters/dynamodb/change-store.ts';
import { PartnerStore } from '../adapters/dynamodb/partner-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { decideFollowUp } from '../domain/acknowledgement-follow-up.ts';
import { escapeHtml, noticeContentOf, renderNoticeEmail } from '../domain/notice.ts';
import type { Partner } from '../domain/partner.ts';
import { trustEvent } from '../domain/trust-rules.ts';
import { acknowledgementLink } from './acknowledgement-links.ts';
import { commitChangeStep, ledgerEventWrite } from './change-step.ts';
import { ChangeNotFound } from './send-notice.ts';
import { progressOf, type WorkflowProgress } from './workflow-progress.ts';

/**
 * Workflow step after an acknowledgement wait timed out: remind the partner's contacts on the stage's
 * reminder days, escalate to the alliance manager on its escalation day, and each time record the trust
 * cost and an audit entry. Emails are keyed by step, and the step's counter is advanced under a condition,
 * so a retry neither re-sends nor double-counts.
 */
export async function followUpAcknowledgement(
  deps: Dependencies,
  changeId: string,
): Promise<WorkflowProgress> {
  const changes = new ChangeStore(deps.documentClient, deps.tables);
  const change = await changes.get(changeId);
  if (!change?.notice) throw new ChangeNotFound(`No delivered change ${changeId}`);
  const policy = deps.stagePolicies[change.partnerStage];
  const now = deps.clock.now();
  if (change.status !== 'notice-sent') return progressOf(change, policy, now);

  const decision = decideFollowUp(
    policy,
    {
      deliveredAt: new Date(change.notice.deliveredAt),
      remindersSent: change.followUp.remindersSent,
      escalated: change.followUp.escalated,
    },
    now,
  );
  if (decision.action === 'none') return progressOf(change, policy, now);

  const partner = await new PartnerStore(deps.documentClient, deps.tables).get(change.partnerId);
  if (!partner) throw new Error(`Partner ${change.partnerId} of change ${changeId} is missing`);
  const cause = `change#${changeId}#${decision.action === 'remind' ? `reminder-${decision.reminderNumber}` : 'escalation'}`;
  if (decision.action === 'remind') await sendReminders(deps, change, partner, decision.reminderNumber ?? 1);
  else await sendEscalation(deps, change, partner);

  const followUp =
    decision.action === 'remind'
      ? { remindersSent: decision.reminderNumber ?? 1, escalated: false }
      : { remindersSent: change.followUp.remindersSent, escalated: true };
  const ledgerEvent = trustEvent(decision.action === 'remind' ? 'reminder-needed' : 'escalation-needed', {
    partnerId: change.partnerId,
    stagePolicy: policy,
    at: now,
    cause,
    changeId,
  });
  try {
    await commitChangeStep(
      deps,
      changeId,
      {
        type: decision.action === 'remind' ? 'reminder-sent' : 'escalated-to-alliance-manager',
        at: now.toISOString(),
        actor: 'workflow',
        details:
          decision.action === 'remind'
            ? { reminderNumber: decision.reminderNumber, recipients: change.notice.recipients }
            : { allianceManager: partner.allianceManager },
      },
      [
        {
          Update: {
            TableName: deps.tables.changes,
            Key: changeKeys.change(changeId),
            UpdateExpression: 'SET followUp = :next',
            ConditionExpression: '#status = :waiting AND followUp = :previous',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':next': followUp,
              ':previous': change.followUp,
              ':waiting': 'notice-sent',
            },
          },
        },
        ledgerEventWrite(deps, ledgerEvent),
      ],
    );
  } catch (error) {
    if (!(error instanceof ConditionNotMet)) throw error;
  }
  const latest = (await changes.get(changeId)) ?? change;
  return progressOf(latest, policy, deps.clock.now());
}

async function sendReminders(
  deps: Dependencies,
  change: StoredChange,
  partner: Partner,
  reminderNumber: number,
) {
  const notice = change.notice!;
  const content = noticeContentOf(change, partner.name, notice.version);
  for (const contact of partner.contacts.filter((c) =>
    notice.recipients.some((r) => r.contactId === c.contactId),
  )) {
    const link = await acknowledgementLink(deps, {
      changeId: change.changeId,
      noticeId: notice.noticeId,
      contactId: contact.contactId,
      applyAt: new Date(notice.applyAt),
    });
    const email = renderNoticeEmail(content, contact.name, link);
    await deps.mailer.send({
      messageId: `${notice.noticeId}#reminder-${reminderNumber}#${contact.contactId}`,
      kind: 'reminder',
      changeId: change.changeId,
      to: [{ name: contact.name, email: contact.email }],
      subject: `Reminder ${reminderNumber}: please acknowledge — ${email.subject}`,
      text: `This is reminder ${reminderNumber}: we have not yet received your acknowledgement.\n\n${email.text}`,
      html: email.html.replace(
        '<body>',
        `<body><p><strong>Reminder ${reminderNumber}: we have not yet received your acknowledgement.</strong></p>`,
      ),
      links: [link],
    });
  }
}

async function sendEscalation(deps: Dependencies, change: StoredChange, partner: Partner) {
  const notice = change.notice!;
  const manager = partner.allianceManager;
  const subject = `Escalation: ${partner.name} has not acknowledged the commission change ${change.changeId}`;
  const text = [
    `Dear ${manager.name},`,
    '',
    `${partner.name} has not acknowledged the notice of a commission change from ${change.currentRatePct}% to ${change.newRatePct}% (effective ${change.effectiveDate}), delivered ${notice.deliveredAt}.`,
    'The change will not be applied until the partner acknowledges it. Please contact the partner.',
    '',
    `Rationale shown to the partner: ${change.rationale}`,
  ].join('\n');
  await deps.mailer.send({
    messageId: `${notice.noticeId}#escalation`,
    kind: 'escalation',
    changeId: change.changeId,
    to: [manager],
    subject,
    text,
    html: `<!doctype html><html><body>${text
      .split('\n')
      .map((line) => `<p>${escapeHtml(line)}</p>`)
      .join('')}</body></html>`,
    links: [],
  });
}
