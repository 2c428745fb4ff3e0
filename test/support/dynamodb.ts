/**
 * Per-test-file tables in the run's shared DynamoDB Local (started by ./global-setup.ts). Each call uses a
 * fresh random prefix, so test files running in parallel workers never share a table.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import { inject } from 'vitest';
import { allTables } from '../../functions/adapters/dynamodb/table-definitions.ts';
import { createTables, tableEnvironment } from '../../local/create-tables.ts';

export interface TestTables {
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  /** logicalName → prefixed table name. */
  tableNames: Record<string, string>;
  /** environmentVariable (e.g. CHANGES_TABLE) → prefixed table name. */
  environment: Record<string, string>;
  endpoint: string;
}

export async function createTestTables(): Promise<TestTables> {
  const endpoint = inject('dynamodbEndpoint');
  if (!endpoint)
    throw new Error('No DynamoDB Local endpoint: is test/support/global-setup.ts the globalSetup?');
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client);
  const prefix = `t${randomBytes(6).toString('hex')}_`;
  const tableNames = await createTables(client, allTables, prefix);
  return {
    client,
    documentClient,
    tableNames,
    environment: tableEnvironment(tableNames, allTables),
    endpoint,
  };
}
