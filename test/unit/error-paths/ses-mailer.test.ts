/**
 * SesMailer error paths with a mocked SES and DynamoDB: a claim marker makes each messageId go to SES at
 * most once, throttling is backed off within a named bound (SES_THROTTLE_ATTEMPTS), and a refusal by SES
 * (past the bound, or any other) releases the claim so a retried step or the sweep re-sends.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  LimitExceededException,
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allTables } from '../../../functions/adapters/dynamodb/table-definitions.ts';
import type { CountingMailer } from '../../../functions/adapters/email/counting-mailer.ts';
import { emailTagNames, messageIdFromTags } from '../../../functions/adapters/email/email-tags.ts';
import type { OutgoingEmail } from '../../../functions/adapters/email/notice-mailer.ts';
import {
  SES_THROTTLE_ATTEMPTS,
  SES_THROTTLE_BASE_DELAY_MS,
  SesMailer,
} from '../../../functions/adapters/email/ses-mailer.ts';
import { dependenciesFromEnvironment } from '../../../functions/composition/all.ts';
import { environmentVariables as env } from '../../../functions/config/environment.ts';

const TABLE = 'Changes';
const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const email: OutgoingEmail = {
  messageId: 'chg_1-v1#notice#nw-ops',
  kind: 'notice',
  changeId: 'chg_1',
  to: [{ name: 'Priya Raman', email: 'priya.raman@northwind.example' }],
  subject: 'Commission change',
  text: 'text',
  html: '<p>html</p>',
  links: ['http://local.test/notices/chg_1-v1?token=t'],
};
const marker = { pk: `message#${email.messageId}`, sk: 'message' };
/** The back-off waits the mailer asked for (recorded, never slept: random() is 1, the longest wait). */
let waits: number[] = [];

/** Markers as DynamoDB would keep them: a conditional put fails when the marker exists. */
function markerTable() {
  const markers = new Set<string>();
  dynamo.on(PutCommand).callsFake((input: { Item: { pk: string } }) => {
    if (markers.has(input.Item.pk)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    markers.add(input.Item.pk);
    return {};
  });
  dynamo.on(DeleteCommand).callsFake((input: { Key: { pk: string } }) => {
    markers.delete(input.Key.pk);
    return {};
  });
  return markers;
}

function mailer() {
  return new SesMailer(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    TABLE,
    'partner-notices@example.com',
    {
      configurationSetName: 'pcn-notices',
      ses: new SESv2Client({ region: 'us-east-1' }),
      wait: async (ms) => {
        waits.push(ms);
      },
      random: () => 1,
    },
  );
}

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  waits = [];
});

const throttled = () =>
  new TooManyRequestsException({ message: 'Maximum sending rate exceeded', $metadata: {} });

afterEach(() => {
  dynamo.reset();
  ses.reset();
});

describe('SesMailer', () => {
  it('claims the marker, sends once, and answers already-sent without calling SES again', async () => {
    const markers = markerTable();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const subject = mailer();
    expect(await subject.send(email)).toBe('sent');
    expect(await subject.send(email)).toBe('already-sent');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: 'partner-notices@example.com',
      Destination: { ToAddresses: ['Priya Raman <priya.raman@northwind.example>'] },
    });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: { ...marker, changeId: email.changeId, kind: 'notice' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
    expect([...markers]).toEqual([marker.pk]);
  });

  it('sends with the configuration set and tags that map a bounce back to our message id', async () => {
    markerTable();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    await mailer().send(email);
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.ConfigurationSetName).toBe('pcn-notices');
    const tags = Object.fromEntries((input.EmailTags ?? []).map((tag) => [tag.Name!, [tag.Value!]]));
    expect(tags[emailTagNames.kind]).toEqual(['notice']);
    expect(tags[emailTagNames.changeId]).toEqual(['chg_1']);
    // SES allows only letters, digits, '_', '-' and '.' in a tag value: our '#'-separated id is encoded.
    for (const [value] of Object.values(tags)) expect(value).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(messageIdFromTags(tags)).toBe(email.messageId);
  });

  it('backs off when SES throttles and sends once it is allowed, keeping the claim', async () => {
    const markers = markerTable();
    ses
      .on(SendEmailCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ MessageId: 'ses-2' });
    expect(await mailer().send(email)).toBe('sent');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 3);
    expect(waits).toEqual([SES_THROTTLE_BASE_DELAY_MS, SES_THROTTLE_BASE_DELAY_MS * 2]);
    expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
    expect([...markers]).toEqual([marker.pk]);
  });

  it('gives up after SES_THROTTLE_ATTEMPTS, releases the claim and propagates, so a later send goes out once', async () => {
    const markers = markerTable();
    const limit = new LimitExceededException({ message: 'Daily quota exceeded', $metadata: {} });
    ses.on(SendEmailCommand).rejects(limit);
    const subject = mailer();

    await expect(subject.send(email)).rejects.toBe(limit);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, SES_THROTTLE_ATTEMPTS);
    expect(waits).toHaveLength(SES_THROTTLE_ATTEMPTS - 1);
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, { TableName: TABLE, Key: marker });
    expect(markers.size).toBe(0);

    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-3' });
    expect(await subject.send(email)).toBe('sent');
    expect(await subject.send(email)).toBe('already-sent');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect([...markers]).toEqual([marker.pk]);
  });

  it('leaves the retrying to a caller that paces itself (throttleAttempts 1: the policy rounds)', async () => {
    const markers = markerTable();
    ses.on(SendEmailCommand).rejectsOnce(throttled()).resolves({ MessageId: 'ses-4' });
    const paced = new SesMailer(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      TABLE,
      'partner-notices@example.com',
      {
        ses: new SESv2Client({ region: 'us-east-1' }),
        throttleAttempts: 1,
        wait: async (ms) => void waits.push(ms),
      },
    );
    await expect(paced.send(email)).rejects.toThrow('Maximum sending rate exceeded');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(waits).toEqual([]);
    expect(markers.size).toBe(0);
  });

  it('retries SES failing on its side (5xx) within the same bound, as the SDK default client would have', async () => {
    markerTable();
    const outage = Object.assign(new Error('Internal failure'), {
      name: 'InternalFailure',
      $metadata: { httpStatusCode: 500 },
    });
    ses.on(SendEmailCommand).rejectsOnce(outage).resolves({ MessageId: 'ses-5' });
    expect(await mailer().send(email)).toBe('sent');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
    expect(waits).toEqual([SES_THROTTLE_BASE_DELAY_MS]);
  });

  it('does not retry a refusal that is not throttling: one call, the claim released', async () => {
    const markers = markerTable();
    const rejected = new MessageRejected({ message: 'Email address is not verified', $metadata: {} });
    ses.on(SendEmailCommand).rejects(rejected);
    await expect(mailer().send(email)).rejects.toBe(rejected);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(waits).toEqual([]);
    expect(markers.size).toBe(0);
  });

  it('does not call SES when the claim itself fails for another reason, and propagates that error', async () => {
    const outage = Object.assign(new Error('Service unavailable'), { name: 'InternalServerError' });
    dynamo.on(PutCommand).rejects(outage);
    await expect(mailer().send(email)).rejects.toThrow('Service unavailable');
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('is composed in Lambda with the configuration set, and without its own retries where the policy rounds pace', () => {
    const tables = Object.fromEntries(
      allTables.map((table) => [table.environmentVariable, table.logicalName]),
    );
    const mailerOf = (environment: Record<string, string>) =>
      (
        dependenciesFromEnvironment({ ...tables, AWS_REGION: 'us-east-1', ...environment })
          .mailer as CountingMailer
      ).counted as SesMailer;
    // Beside them the (traced) SES client the composition gives it.
    const { ses: _notice, ...notice } = mailerOf({ [env.sesConfigurationSet]: 'pcn-notices' }).options;
    expect(notice).toEqual({ configurationSetName: 'pcn-notices' });
    const { ses: _policy, ...policy } = mailerOf({
      [env.sesConfigurationSet]: 'pcn-notices',
      [env.policyEmailRate]: '14',
    }).options;
    expect(policy).toEqual({ configurationSetName: 'pcn-notices', throttleAttempts: 1 });
  });
});
