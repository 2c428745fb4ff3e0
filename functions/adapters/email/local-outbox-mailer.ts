import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../domain/clock.ts';
import { scanAll } from '../dynamodb/all-items.ts';
import type { NoticeMailer, OutgoingEmail } from './notice-mailer.ts';

export interface OutboxMessage extends OutgoingEmail {
  sentAt: string;
}

/**
 * Local mode's stand-in for SES: a message "sent" is a row in the outbox table, written with a condition on
 * its messageId, so delivering and de-duplicating are one atomic step.
 */
export class LocalOutboxMailer implements NoticeMailer {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly outboxTable: string,
    private readonly clock: Clock,
  ) {}

  async send(email: OutgoingEmail): Promise<'sent' | 'already-sent'> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.outboxTable,
          Item: { ...email, sentAt: this.clock.now().toISOString() },
          ConditionExpression: 'attribute_not_exists(messageId)',
        }),
      );
      return 'sent';
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'already-sent';
      throw error;
    }
  }

  /** Newest first. */
  async list(): Promise<OutboxMessage[]> {
    const messages = await scanAll<OutboxMessage>(this.documentClient, {
      TableName: this.outboxTable,
      ConsistentRead: true,
    });
    return messages.sort(
      (a, b) => b.sentAt.localeCompare(a.sentAt) || b.messageId.localeCompare(a.messageId),
    );
  }
}
