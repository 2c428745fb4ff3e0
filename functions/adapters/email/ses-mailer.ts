import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { emailTagsOf } from './email-tags.ts';
import type { NoticeMailer, OutgoingEmail } from './notice-mailer.ts';

/**
 * Attempts of one SendEmail while SES says the account's per-second quota is exceeded (or fails on its side),
 * before the send is refused to the caller. The waits between them (full jitter under 250 ms, 500 ms, 1 s: at most 1.75 s in
 * all) leave a 30 s function ample room; past the bound the step fails (a workflow Retry) or its emails stay
 * queued for the sweep (functions/notices/deliver.ts), so a long throttle is never a lost email.
 */
export const SES_THROTTLE_ATTEMPTS = 4;
export const SES_THROTTLE_BASE_DELAY_MS = 250;

/** SES v2's refusals that mean "too fast for the account's quota", not "this email is wrong". */
const throttlingErrors = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
]);

export function isThrottling(error: unknown): boolean {
  return error instanceof Error && throttlingErrors.has(error.name);
}

/**
 * What the SDK's default client would have retried and this one leaves to the mailer (maxAttempts 1, below):
 * SES failing on its side (5xx) or the request timing out. Retried within the same bound as throttling.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (status !== undefined && status >= 500) || error.name === 'TimeoutError';
}

export interface SesMailerOptions {
  /** The SES configuration set that reports the message's bounces and complaints (infra/email.ts). */
  configurationSetName?: string;
  /**
   * Attempts while throttled (or SES fails on its side); SES_THROTTLE_ATTEMPTS unless the caller paces and retries itself (the policy
   * rounds: functions/policy-changes/sending.ts, MAX_SEND_ATTEMPTS within their batch's time budget), where
   * a second layer of retries would multiply the first.
   */
  throttleAttempts?: number;
  ses?: SESv2Client;
  /** How a back-off waits: real time in Lambda, recorded in tests (no test sleeps for real time). */
  wait?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * The back-off is the mailer's, not the SDK's: the SDK's own retry middleware would retry throttling too, but
 * then the bound would live in client configuration no test exercises (aws-sdk-client-mock stubs `send`,
 * below the middleware) and the two retries would multiply. So the default client makes one attempt per
 * call and the named bound above is the whole of it.
 */
const defaultClient = () => new SESv2Client({ maxAttempts: 1 });
const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * SES delivery, at most once per messageId: a marker is claimed with a conditional put before sending and
 * released if SES refuses, so a retried step re-sends only what was never handed to SES. Each message carries
 * the configuration set and tags that map SES's bounce and complaint events back to the notice and contact
 * (functions/adapters/email/email-tags.ts).
 */
export class SesMailer implements NoticeMailer {
  private readonly ses: SESv2Client;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly changesTable: string,
    private readonly sender: string,
    readonly options: SesMailerOptions = {},
  ) {
    this.ses = options.ses ?? defaultClient();
    this.wait = options.wait ?? realWait;
    this.random = options.random ?? Math.random;
  }

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
      await this.sendWithBackOff(email);
      return 'sent';
    } catch (error) {
      await this.documentClient.send(new DeleteCommand({ TableName: this.changesTable, Key: marker }));
      throw error;
    }
  }

  private async sendWithBackOff(email: OutgoingEmail): Promise<void> {
    const command = new SendEmailCommand({
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
      ...(this.options.configurationSetName
        ? { ConfigurationSetName: this.options.configurationSetName }
        : {}),
      EmailTags: emailTagsOf(email),
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.ses.send(command);
        return;
      } catch (error) {
        const retryable = isThrottling(error) || isTransient(error);
        if (!retryable || attempt >= (this.options.throttleAttempts ?? SES_THROTTLE_ATTEMPTS)) throw error;
        await this.wait(Math.floor(this.random() * SES_THROTTLE_BASE_DELAY_MS * 2 ** (attempt - 1)));
      }
    }
  }
}
