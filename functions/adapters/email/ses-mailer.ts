import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { NoticeMailer, OutgoingEmail } from './notice-mailer.ts';

/**
 * SES delivery, at most once per messageId: a marker is claimed with a conditional put before sending and
 * released if SES refuses, so a retried step re-sends only what was never handed to SES.
 */
export class SesMailer implements NoticeMailer {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly changesTable: string,
    private readonly sender: string,
    private readonly ses: SESv2Client = new SESv2Client({}),
  ) {}

  async send(email: OutgoingEmail): Promise<'sent' | 'already-sent'> {
    const marker = { pk: `message#${email.messageId}`, sk: 'message' };
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.changesTable,
          Item: { ...marker, changeId: email.changeId, kind: email.kind },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'already-sent';
      throw error;
    }
    try {
      await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.sender,
          Destination: { ToAddresses: email.to.map((recipient) => `${recipient.name} <${recipient.email}>`) },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: email.text, Charset: 'UTF-8' },
                Html: { Data: email.html, Charset: 'UTF-8' },
              },
            },
          },
        }),
      );
      return 'sent';
    } catch (error) {
      await this.documentClient.send(new DeleteCommand({ TableName: this.changesTable, Key: marker }));
      throw error;
    }
  }
}
