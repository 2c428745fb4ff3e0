/**
 * SesMailer error paths with a mocked SES and DynamoDB: a claim marker makes each messageId go to SES at
 * most once, and a refusal by SES releases the claim so a retried step re-sends.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../../functions/adapters/email/notice-mailer.ts';
import { SesMailer } from '../../../functions/adapters/email/ses-mailer.ts';

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
    new SESv2Client({ region: 'us-east-1' }),
  );
}

beforeEach(() => {
  dynamo.reset();
  ses.reset();
});

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

  it('releases the claim and propagates the error when SES throttles, so a retry re-sends', async () => {
    const markers = markerTable();
    const throttled = new TooManyRequestsException({
      message: 'Maximum sending rate exceeded',
      $metadata: {},
    });
    ses.on(SendEmailCommand).rejectsOnce(throttled).resolves({ MessageId: 'ses-2' });
    const subject = mailer();

    await expect(subject.send(email)).rejects.toBe(throttled);
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, { TableName: TABLE, Key: marker });
    expect(markers.size).toBe(0);

    expect(await subject.send(email)).toBe('sent');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
    expect([...markers]).toEqual([marker.pk]);
  });

  it('does not call SES when the claim itself fails for another reason, and propagates that error', async () => {
    const outage = Object.assign(new Error('Service unavailable'), { name: 'InternalServerError' });
    dynamo.on(PutCommand).rejects(outage);
    await expect(mailer().send(email)).rejects.toThrow('Service unavailable');
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
  });
});
