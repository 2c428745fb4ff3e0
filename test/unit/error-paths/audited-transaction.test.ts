/**
 * commitWithAudit error paths with a mocked DynamoDB: a failed condition on one of the caller's items is a
 * ConditionNotMet naming its index (never retried), while losing the race for the stream head is re-chained
 * and retried.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient, InternalServerError, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  commitWithAudit,
  type TransactItem,
} from '../../../functions/adapters/dynamodb/audited-transaction.ts';
import { ConditionNotMet } from '../../../functions/adapters/dynamodb/transaction-errors.ts';
import { chainEntries, verifyChain } from '../../../functions/domain/audit-chain.ts';

const AUDIT = 'AuditTrail';
const STREAM = 'change#chg_1';
const dynamo = mockClient(DynamoDBDocumentClient);

const draft = {
  type: 'notice-sent' as const,
  at: '2026-03-02T09:00:00.000Z',
  actor: 'workflow',
  details: { noticeId: 'chg_1-v1' },
};
const items: TransactItem[] = [
  {
    Update: {
      TableName: 'Changes',
      Key: { pk: 'change#chg_1', sk: 'change' },
      UpdateExpression: 'SET #status = :sent',
      ConditionExpression: '#status = :submitted',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'notice-sent', ':submitted': 'submitted' },
    },
  },
  {
    Put: {
      TableName: 'Changes',
      Item: { pk: 'change#chg_1', sk: 'notice#1' },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
];
const HEAD_INDEX = items.length;

/** A head as earlier entries left it (a real chain of `seq` entries). */
function headAfter(seq: number) {
  const drafts = Array.from({ length: seq }, (_, i) => ({ ...draft, details: { n: i } }));
  return chainEntries(STREAM, undefined, drafts).head;
}

function headItem(seq: number) {
  const head = headAfter(seq);
  return { Item: { stream: STREAM, seq: 0, lastSeq: head.seq, lastHash: head.hash } };
}

function cancelled(codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: {},
    CancellationReasons: codes.map((Code) =>
      Code === 'ConditionalCheckFailed' ? { Code, Message: 'The conditional request failed' } : { Code },
    ),
  });
}

function commit() {
  return commitWithAudit(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    { auditTrail: AUDIT, events: 'Events' },
    STREAM,
    [draft],
    items,
  );
}

beforeEach(() => {
  dynamo.reset();
  // The retry back-off is random: make it zero so no test waits for real time.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('commitWithAudit', () => {
  it("surfaces a failed condition on one of the caller's items as ConditionNotMet with its index, without retrying", async () => {
    dynamo.on(GetCommand).resolves(headItem(3));
    dynamo.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None', 'None']));
    const error = await commit().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConditionNotMet);
    expect((error as ConditionNotMet).itemIndexes).toEqual([1]);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it("reports the caller's failed items even when the head moved in the same cancellation", async () => {
    dynamo.on(GetCommand).resolves(headItem(3));
    dynamo
      .on(TransactWriteCommand)
      .rejects(
        cancelled(['ConditionalCheckFailed', 'None', 'ConditionalCheckFailed', 'ConditionalCheckFailed']),
      );
    const error = await commit().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConditionNotMet);
    expect((error as ConditionNotMet).itemIndexes).toEqual([0]);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('re-reads the head, re-chains and retries when it lost the race for the stream head', async () => {
    // Another writer appended seq 4 between our read and our write.
    dynamo.on(GetCommand).resolvesOnce(headItem(3)).resolves(headItem(4));
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'None', 'ConditionalCheckFailed', 'ConditionalCheckFailed']))
      .resolves({});
    const entries = await commit();

    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 2);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(entries.map((entry) => entry.seq)).toEqual([5]);
    expect(entries[0]!.prevHash).toBe(headAfter(4).hash);
    const retried = dynamo.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems!;
    expect(retried.slice(0, HEAD_INDEX)).toEqual(items);
    expect(retried[HEAD_INDEX]!.Put).toMatchObject({
      TableName: AUDIT,
      Item: { stream: STREAM, seq: 0, lastSeq: 5, lastHash: entries[0]!.hash },
      ConditionExpression: 'lastSeq = :previous',
      ExpressionAttributeValues: { ':previous': 4 },
    });
    expect(retried[HEAD_INDEX + 1]!.Put).toMatchObject({ TableName: AUDIT, Item: entries[0] });
    // What was written continues the chain of the four entries before it.
    const earlier = chainEntries(
      STREAM,
      undefined,
      Array.from({ length: 4 }, (_, i) => ({ ...draft, details: { n: i } })),
    ).entries;
    expect(verifyChain([...earlier, ...entries], { seq: 5, hash: entries[0]!.hash })).toEqual({
      intact: true,
      entries: 5,
    });
  });

  it('writes the first entry of a new stream under attribute_not_exists on the head', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    const [entry] = await commit();
    expect(entry).toMatchObject({ seq: 1, prevHash: 'sha256:genesis' });
    const written = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(written[HEAD_INDEX]!.Put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#stream)',
      ExpressionAttributeNames: { '#stream': 'stream' },
    });
  });

  it('retries a transaction conflict (no failed condition) instead of reporting ConditionNotMet', async () => {
    dynamo.on(GetCommand).resolves(headItem(3));
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['TransactionConflict', 'None', 'None', 'None']))
      .resolves({});
    const entries = await commit();
    expect(entries.map((entry) => entry.seq)).toEqual([4]);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('propagates an error that is not a cancellation, without retrying', async () => {
    const outage = new InternalServerError({ message: 'Internal server error', $metadata: {} });
    dynamo.on(GetCommand).resolves(headItem(3));
    dynamo.on(TransactWriteCommand).rejects(outage);
    await expect(commit()).rejects.toBe(outage);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('gives up after a bounded number of lost head races and propagates the cancellation', async () => {
    const race = cancelled(['None', 'None', 'ConditionalCheckFailed', 'ConditionalCheckFailed']);
    dynamo.on(GetCommand).resolves(headItem(3));
    dynamo.on(TransactWriteCommand).rejects(race);
    await expect(commit()).rejects.toBe(race);
    const attempts = dynamo.commandCalls(TransactWriteCommand).length;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThanOrEqual(100);
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, attempts);
  });
});
