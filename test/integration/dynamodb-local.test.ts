import {
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { executionsTableKey } from '@pcn/local-step-functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTables, localExecutionsTable } from '../../functions/adapters/dynamodb/table-definitions.ts';
import { createTables } from '../../local/create-tables.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';

function expectedKeySchema(partitionKey: { name: string }, sortKey?: { name: string }) {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
  ];
}

describe('DynamoDB Local with the project tables', () => {
  let tables: TestTables;

  beforeAll(async () => {
    tables = await createTestTables();
  });

  afterAll(() => {
    tables?.client.destroy();
  });

  it('creates every table with its key schema, attribute types and GSIs', async () => {
    expect(Object.keys(tables.tableNames).sort()).toEqual(allTables.map((t) => t.logicalName).sort());
    for (const definition of allTables) {
      const tableName = tables.tableNames[definition.logicalName]!;
      expect(tables.environment[definition.environmentVariable]).toBe(tableName);
      const { Table } = await tables.client.send(new DescribeTableCommand({ TableName: tableName }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.KeySchema).toEqual(expectedKeySchema(definition.partitionKey, definition.sortKey));
      for (const key of [definition.partitionKey, definition.sortKey]) {
        if (!key) continue;
        expect(Table?.AttributeDefinitions).toContainEqual({
          AttributeName: key.name,
          AttributeType: key.type,
        });
      }
      const indexes = definition.globalSecondaryIndexes ?? [];
      expect(Table?.GlobalSecondaryIndexes ?? []).toHaveLength(indexes.length);
      for (const index of indexes) {
        const actual = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.indexName);
        expect(actual?.KeySchema).toEqual(expectedKeySchema(index.partitionKey, index.sortKey));
        expect(actual?.Projection?.ProjectionType).toBe('ALL');
        for (const key of [index.partitionKey, index.sortKey]) {
          if (!key) continue;
          expect(Table?.AttributeDefinitions).toContainEqual({
            AttributeName: key.name,
            AttributeType: key.type,
          });
        }
      }
    }
  });

  it('applies a TransactWriteItems all-or-nothing and reports the cancellation reasons', async () => {
    const partners = tables.tableNames.Partners!;
    const changes = tables.tableNames.Changes!;
    await tables.client.send(
      new PutItemCommand({ TableName: partners, Item: { partnerId: { S: 'p-1' }, version: { N: '2' } } }),
    );

    const transaction = tables.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: changes,
              Item: { pk: { S: 'CHANGE#c-1' }, sk: { S: 'META' }, partnerId: { S: 'p-1' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: partners,
              Key: { partnerId: { S: 'p-1' } },
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':expected': { N: '1' }, ':next': { N: '2' } },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        ],
      }),
    );

    const error = await transaction.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons;
    expect(reasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(reasons?.[1]?.Item).toEqual({ partnerId: { S: 'p-1' }, version: { N: '2' } });

    const written = await tables.client.send(
      new GetItemCommand({ TableName: changes, Key: { pk: { S: 'CHANGE#c-1' }, sk: { S: 'META' } } }),
    );
    expect(written.Item).toBeUndefined();
  });

  it('creates tables idempotently, keeping existing tables and their items', async () => {
    const partners = tables.tableNames.Partners!;
    await tables.client.send(
      new PutItemCommand({ TableName: partners, Item: { partnerId: { S: 'p-keep' }, name: { S: 'Kept' } } }),
    );
    const prefix = partners.slice(0, -'Partners'.length);
    const again = await createTables(tables.client, allTables, prefix);
    expect(again).toEqual(tables.tableNames);
    const kept = await tables.client.send(
      new GetItemCommand({ TableName: partners, Key: { partnerId: { S: 'p-keep' } } }),
    );
    expect(kept.Item?.name).toEqual({ S: 'Kept' });
  });
});

describe('the local Step Functions executions table', () => {
  it('is defined with the key the runtime package expects', () => {
    expect(localExecutionsTable.partitionKey).toEqual(executionsTableKey.partitionKey);
    expect(localExecutionsTable.sortKey).toBeUndefined();
  });
});
