/**
 * Principle 8 against the real DynamoDB Local: the audit entries a change's steps write verify as a chain
 * (with the stream head at seq 0), tampering done directly in the table is detected at the right seq, and
 * concurrent appends to one stream leave a gap-free, intact chain.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitWithAudit, readAuditHead } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf, type ChangeStore } from '../../functions/adapters/dynamodb/change-store.ts';
import { auditEntryHash, verifyChain } from '../../functions/domain/audit-chain.ts';
import {
  appliedCut as appliedCutFor,
  createIntegrationContext,
  type IntegrationContext,
  northwind,
} from '../support/integration-deps.ts';

let context: IntegrationContext;
let changes: ChangeStore;

beforeAll(async () => {
  context = await createIntegrationContext();
  changes = context.deps.changes;
});

afterAll(() => context?.close());

const appliedCut = (submittedBy: string) => appliedCutFor(context, northwind, submittedBy);

async function verdictFor(changeId: string) {
  const entries = await changes.auditEntries(changeId);
  const head = await readAuditHead(
    context.deps.documentClient,
    context.deps.tables.auditTrail,
    auditStreamOf(changeId),
  );
  return verifyChain(entries, head);
}

const auditTable = () => context.deps.tables.auditTrail;
const keyOf = (changeId: string, seq: number) => ({
  stream: { S: auditStreamOf(changeId) },
  seq: { N: String(seq) },
});

describe('audit chain in DynamoDB', () => {
  it("verifies a change's entries against the stream head", async () => {
    const changeId = await appliedCut('finance-audit-ok');
    const entries = await changes.auditEntries(changeId);
    expect(entries.map((entry) => [entry.seq, entry.type])).toEqual([
      [1, 'change-submitted'],
      [2, 'approval-recorded'],
      [3, 'notice-sent'],
      [4, 'notice-delivered'],
      [5, 'acknowledgement-recorded'],
      [6, 'change-applied'],
    ]);
    const head = await readAuditHead(context.deps.documentClient, auditTable(), auditStreamOf(changeId));
    expect(head).toEqual({ seq: 6, hash: entries[5]!.hash });
    expect(await verdictFor(changeId)).toEqual({ intact: true, entries: 6 });
  });

  it("detects an entry's details altered in the table", async () => {
    const changeId = await appliedCut('finance-audit-altered');
    await context.tables.client.send(
      new UpdateItemCommand({
        TableName: auditTable(),
        Key: keyOf(changeId, 1),
        UpdateExpression: 'SET details.terms.newRatePct = :quietlyBetter',
        ExpressionAttributeValues: { ':quietlyBetter': { N: '11' } },
      }),
    );
    expect(await verdictFor(changeId)).toEqual({ intact: false, seq: 1, problem: 'entry altered' });
  });

  it('detects an altered entry whose hash was recomputed (the next link breaks)', async () => {
    const changeId = await appliedCut('finance-audit-rehashed');
    const entry = (await changes.auditEntries(changeId)).find((e) => e.seq === 2)!;
    const { hash: _hash, ...unhashed } = entry;
    const forged = { ...unhashed, at: '2026-01-01T00:00:00.000Z' };
    await context.deps.documentClient.send(
      new PutCommand({ TableName: auditTable(), Item: { ...forged, hash: auditEntryHash(forged) } }),
    );
    expect(await verdictFor(changeId)).toEqual({
      intact: false,
      seq: 3,
      problem: 'link to previous entry broken',
    });
  });

  it('detects the last entry deleted (the head still names it)', async () => {
    const changeId = await appliedCut('finance-audit-tail');
    await context.tables.client.send(
      new DeleteItemCommand({ TableName: auditTable(), Key: keyOf(changeId, 6) }),
    );
    expect(await verdictFor(changeId)).toEqual({
      intact: false,
      seq: 6,
      problem: 'entries after the last one were removed',
    });
  });

  it('detects a middle entry deleted', async () => {
    const changeId = await appliedCut('finance-audit-middle');
    await context.tables.client.send(
      new DeleteItemCommand({ TableName: auditTable(), Key: keyOf(changeId, 2) }),
    );
    expect(await verdictFor(changeId)).toEqual({ intact: false, seq: 2, problem: 'entry missing' });
  });

  it('detects the last entry deleted together with a head rolled back to an older value', async () => {
    const changeId = await appliedCut('finance-audit-head');
    const entries = await changes.auditEntries(changeId);
    const { Item: head } = await context.tables.client.send(
      new GetItemCommand({ TableName: auditTable(), Key: keyOf(changeId, 0), ConsistentRead: true }),
    );
    await context.tables.client.send(
      new DeleteItemCommand({ TableName: auditTable(), Key: keyOf(changeId, 6) }),
    );
    // Rolling the head back needs the previous hash: consistent, so the chain looks intact (5 entries) —
    // the head alone cannot prove more; this documents what it does prove (the tail matches the head).
    await context.tables.client.send(
      new PutItemCommand({
        TableName: auditTable(),
        Item: { ...head!, lastSeq: { N: '5' }, lastHash: { S: entries[4]!.hash } },
      }),
    );
    expect(await verdictFor(changeId)).toEqual({ intact: true, entries: 5 });
  });

  it('keeps a gap-free, intact chain under 20 concurrent appends to one stream', async () => {
    const stream = 'change#concurrent-appends';
    const at = context.clock.now().toISOString();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        commitWithAudit(
          context.deps.documentClient,
          context.deps.tables,
          stream,
          [{ type: 'reminder-sent', at, actor: 'workflow', details: { writer: index } }],
          [
            {
              Put: {
                TableName: context.deps.tables.changes,
                Item: { pk: `concurrent#${index}`, sk: 'item', writer: index },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        ),
      ),
    );
    const failures = results.flatMap((result) =>
      result.status === 'rejected'
        ? [
            `${(result.reason as Error).name} ${JSON.stringify((result.reason as { CancellationReasons?: unknown }).CancellationReasons)}`,
          ]
        : [],
    );
    expect(failures).toEqual([]);
    const entries = (await context.scan('AuditTrail'))
      .filter((item) => item.stream === stream && item.seq !== 0)
      .sort((a, b) => (a.seq as number) - (b.seq as number));
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(entries.map((entry) => (entry.details as { writer: number }).writer)).size).toBe(20);
    const head = await readAuditHead(context.deps.documentClient, auditTable(), stream);
    expect(head?.seq).toBe(20);
    expect(verifyChain(entries as unknown as Parameters<typeof verifyChain>[0], head)).toEqual({
      intact: true,
      entries: 20,
    });
    // Each caller's domain write landed with its entry.
    expect(
      (await context.scan('Changes')).filter((item) => String(item.pk).startsWith('concurrent#')),
    ).toHaveLength(20);
  });
});
