import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoDbClientConfig, startDynamoDbLocal } from '../src/index.ts';

describe('startDynamoDbLocal with a data folder', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dynamodb-local-data-'));
  });

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('persists tables and items across a stop and a start', async () => {
    const first = await startDynamoDbLocal({ dataDir });
    try {
      const client = new DynamoDBClient(localDynamoDbClientConfig(first.endpoint));
      await client.send(
        new CreateTableCommand({
          TableName: 'persist_Partners',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'partnerId', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'partnerId', KeyType: 'HASH' }],
        }),
      );
      await client.send(
        new PutItemCommand({
          TableName: 'persist_Partners',
          Item: { partnerId: { S: 'p-durable' }, name: { S: 'Durable Ltd' } },
        }),
      );
      client.destroy();
    } finally {
      await first.stop();
    }

    const second = await startDynamoDbLocal({ dataDir });
    try {
      // A different access key and region: with -sharedDb they must see the same data.
      const client = new DynamoDBClient({
        ...localDynamoDbClientConfig(second.endpoint),
        region: 'eu-west-1',
        credentials: { accessKeyId: 'other', secretAccessKey: 'other' },
      });
      const { Item } = await client.send(
        new GetItemCommand({ TableName: 'persist_Partners', Key: { partnerId: { S: 'p-durable' } } }),
      );
      client.destroy();
      expect(Item).toEqual({ partnerId: { S: 'p-durable' }, name: { S: 'Durable Ltd' } });
    } finally {
      await second.stop();
    }
  });
});
