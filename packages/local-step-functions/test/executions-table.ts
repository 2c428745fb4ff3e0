/** A fresh executions table for one test file, in the run's DynamoDB Local (./global-setup.ts). */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import { inject } from 'vitest';
import { executionsTableKey } from '../src/index.ts';

export interface ExecutionsTable {
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  tableName: string;
}

export async function createExecutionsTable(): Promise<ExecutionsTable> {
  const endpoint = inject('dynamodbEndpoint');
  if (!endpoint) throw new Error('No DynamoDB Local endpoint: is test/global-setup.ts the globalSetup?');
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const tableName = `executions_${randomBytes(6).toString('hex')}`;
  const { name, type } = executionsTableKey.partitionKey;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: name, AttributeType: type }],
      KeySchema: [{ AttributeName: name, KeyType: 'HASH' }],
    }),
  );
  return { client, documentClient: DynamoDBDocumentClient.from(client), tableName };
}
