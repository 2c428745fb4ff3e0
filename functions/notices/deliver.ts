import type { OutgoingEmail } from '../adapters/email/notice-mailer.ts';
import type { Dependencies } from '../dependencies.ts';

/**
 * Hands a change's committed-but-undelivered emails to the provider, each once (the mailer is idempotent by
 * message id), and marks them delivered. Emails are committed with the step that causes them (see
 * ChangeStore.queueMessage), so none leaves before its step exists and none is lost if a process dies in
 * between: a retried step, the next workflow step, or the pending sweep delivers what is left.
 * Returns the delivery time of each message delivered now or before, by message id.
 */
export async function deliverQueuedMessages(
  deps: Dependencies,
  changeId: string,
): Promise<Map<string, string>> {
  const delivered = new Map<string, string>();
  const queued: OutgoingEmail[] = [];
  for (const message of await deps.changes.messages(changeId)) {
    if (message.deliveryStatus === 'delivered')
      delivered.set(message.messageId, message.deliveredAt ?? message.queuedAt);
    else queued.push(message.email);
  }
  for (const [messageId, at] of await deliverMessages(deps, changeId, queued)) delivered.set(messageId, at);
  return delivered;
}

/**
 * Delivers emails a step has just committed (it knows them, so nothing is read back), then marks them
 * delivered in one request. Returns the delivery time of each, by message id.
 */
export async function deliverMessages(
  deps: Dependencies,
  changeId: string,
  emails: readonly OutgoingEmail[],
): Promise<Map<string, string>> {
  const delivered = await sendEmails(deps, emails);
  if (delivered.size > 0) await deps.changes.markMessagesDelivered(changeId, delivered);
  return delivered;
}

/**
 * Hands committed emails to the provider without marking them: for a step that records the marks in its own
 * next transaction (functions/notices/send-notice.ts). Returns the delivery time of each, by message id.
 */
export async function sendEmails(
  deps: Dependencies,
  emails: readonly OutgoingEmail[],
): Promise<Map<string, string>> {
  const delivered = new Map<string, string>();
  for (const email of emails) {
    await deps.mailer.send(email);
    delivered.set(email.messageId, deps.clock.now().toISOString());
  }
  return delivered;
}

/**
 * For a person's action: the action is committed, so a provider outage must not turn it into an error for
 * them. What could not be delivered now stays queued for the sweep (functions/notices/start-pending-workflows.ts).
 */
export async function deliverMessagesLater(
  deps: Dependencies,
  changeId: string,
  emails: readonly OutgoingEmail[],
): Promise<void> {
  try {
    await deliverMessages(deps, changeId, emails);
  } catch (error) {
    deps.logger.error('Emails stay queued for the sweep', { changeId, error: error as Error });
  }
}
