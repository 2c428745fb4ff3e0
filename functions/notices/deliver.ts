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
  for (const message of await deps.changes.messages(changeId)) {
    if (message.deliveryStatus === 'delivered') {
      delivered.set(message.messageId, message.deliveredAt ?? message.queuedAt);
      continue;
    }
    await deps.mailer.send(message.email);
    const at = deps.clock.now().toISOString();
    await deps.changes.markMessageDelivered(changeId, message.messageId, at);
    delivered.set(message.messageId, at);
  }
  return delivered;
}

/**
 * For a person's action: the action is committed, so a provider outage must not turn it into an error for
 * them. What could not be delivered now stays queued for the sweep (functions/notices/start-pending-workflows.ts).
 */
export async function deliverQueuedMessagesLater(deps: Dependencies, changeId: string): Promise<void> {
  try {
    await deliverQueuedMessages(deps, changeId);
  } catch (error) {
    deps.logger.error('Emails stay queued for the sweep', { changeId, error: error as Error });
  }
}
