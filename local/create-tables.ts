/**
 * Creates the project's tables in DynamoDB Local from the same definitions the CDK stack uses.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { KeyAttribute, TableDefinition } from '../functions/adapters/dynamodb/table-definitions.ts';

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  const keys = [table.partitionKey, table.sortKey];
  for (const index of table.globalSecondaryIndexes ?? []) keys.push(index.partitionKey, index.sortKey);
  const byName = new Map<string, KeyAttribute>();
  for (const key of keys) {
    if (!key) continue;
    const known = byName.get(key.name);
    if (known && known.type !== key.type) {
      throw new Error(
        `Table ${table.logicalName}: attribute ${key.name} is both ${known.type} and ${key.type}`,
      );
    }
    byName.set(key.name, key);
  }
  return [...byName.values()].map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
}

async function tableIsActive(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.TableStatus === 'ACTIVE';
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

async function createTable(client: DynamoDBClient, table: TableDefinition, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(table),
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        GlobalSecondaryIndexes: table.globalSecondaryIndexes?.length
          ? table.globalSecondaryIndexes.map((index) => ({
              IndexName: index.indexName,
              KeySchema: keySchema(index.partitionKey, index.sortKey),
              Projection: { ProjectionType: 'ALL' },
            }))
          : undefined,
      }),
    );
  } catch (error) {
    // Already there (a previous run, or a concurrent caller): creating is idempotent.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // DynamoDB Local creates tables ACTIVE at once; the waiter only matters against a slower endpoint.
  if (!(await tableIsActive(client, tableName))) {
    await waitUntilTableExists(
      { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { TableName: tableName },
    );
  }
  // `timeToLiveAttribute` is deliberately not applied: DynamoDB Local accepts UpdateTimeToLive but never
  // deletes expired items, so code must filter on expiry anyway and enabling it here would prove nothing.
}

/**
 * Creates every table (named `prefix + logicalName`) that does not exist yet, and returns
 * logicalName → tableName.
 */
export async function createTables(
  client: DynamoDBClient,
  tables: readonly TableDefinition[],
  prefix = '',
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const table of tables) names[table.logicalName] = `${prefix}${table.logicalName}`;
  await Promise.all(tables.map((table) => createTable(client, table, names[table.logicalName]!)));
  return names;
}

/** environmentVariable → tableName, for the tables present in `names` (as returned by `createTables`). */
export function tableEnvironment(
  names: Record<string, string>,
  tables: readonly TableDefinition[],
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const table of tables) {
    const tableName = names[table.logicalName];
    if (tableName !== undefined) environment[table.environmentVariable] = tableName;
  }
  return environment;
}
