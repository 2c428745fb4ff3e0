import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../functions/domain/trust-rules.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import {
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  northwind,
} from '../support/integration-deps.ts';

/**
 * The ledger entry, the partner's materialized summary and the step that caused them are one transaction
 * on DynamoDB Local: when the summary's write fails (here: a summary item whose total is not a number, so
 * DynamoDB refuses the ADD), the acknowledgement is not recorded either, and nothing of the step stays; once
 * the fault is gone the same click records all of it, and the summary equals the ledger summed again.
 */
let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

describe('a trust ledger entry and its step', () => {
  it('are written together or not at all', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, northwind);
    const acknowledge = () =>
      acknowledgeNotice(context.deps, {
        noticeId,
        token: Object.values(tokens)[0]!,
        sourceIp: '192.0.2.30',
        userAgent: 'test',
      });
    const { partnerId } = northwind;
    const summaries = context.deps.tables.trustScores;
    // The fault: a corrupt summary item (weightedPoints a string) makes the transaction's ADD fail.
    await context.deps.documentClient.send(
      new PutCommand({
        TableName: summaries,
        Item: { partnerId, weightedPoints: 'corrupt', rulesVersion: 'v1' },
      }),
    );
    const before = await context.snapshot();
    await expect(acknowledge()).rejects.toThrow();
    const after = await context.snapshot();
    expect(after).toEqual(before);
    expect((await context.deps.changes.get(changeId))?.status).toBe('notice-sent');
    expect(await context.deps.trust.ledger(partnerId)).toEqual([]);

    // The fault removed (the summary as it was: none), the same click records the step, its entry and summary.
    await context.deps.documentClient.send(new DeleteCommand({ TableName: summaries, Key: { partnerId } }));
    const recorded = await acknowledge();
    expect(recorded.outcome).toBe('recorded');
    const ledger = await context.deps.trust.ledger(partnerId);
    expect(ledger.map((event) => event.rule)).toEqual(['prompt-acknowledgement']);
    const { partnerId: _id, ...summary } = (await context.deps.trust.summary(partnerId))!;
    expect(summary.weightedPoints).toBeCloseTo(summarize(ledger).weightedPoints, 9);
    expect(summary.eventCount).toBe(1);
    // A repeated click adds nothing: the ledger's id names its cause.
    await acknowledge();
    expect((await context.deps.trust.summary(partnerId))?.eventCount).toBe(1);
  });
});
