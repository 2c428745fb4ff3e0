import { DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import { scanAll } from '../../functions/adapters/dynamodb/all-items.ts';

export type TablesSnapshot = Record<string, Record<string, unknown>[]>;

/**
 * Every item of every table of a DynamoDB Local (the product's tables, the outbox, the local Step Functions'
 * executions), each table sorted: two snapshots are equal exactly when nothing was written in between.
 */
export async function snapshotAllTables(endpoint: string): Promise<TablesSnapshot> {
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client);
  try {
    const names: string[] = [];
    for await (const page of paginateListTables({ client }, {})) names.push(...(page.TableNames ?? []));
    const snapshot: TablesSnapshot = {};
    for (const name of names.sort()) {
      const items = await scanAll<Record<string, unknown>>(documentClient, {
        TableName: name,
        ConsistentRead: true,
      });
      snapshot[name] = items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return snapshot;
  } finally {
    client.destroy();
  }
}

/**
 * The tables of a running local system once its event publisher is idle: the publisher marks events
 * published in the background, so without waiting a snapshot could differ from the next by those marks alone.
 */
export async function snapshotSettledTables(system: {
  dynamodbEndpoint: string;
  eventsPublished(): Promise<void>;
}): Promise<TablesSnapshot> {
  await system.eventsPublished();
  return snapshotAllTables(system.dynamodbEndpoint);
}
