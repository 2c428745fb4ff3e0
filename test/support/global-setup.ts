/**
 * vitest globalSetup: one in-memory DynamoDB Local for the whole run. Test files get its endpoint with
 * `inject('dynamodbEndpoint')` (see `createTestTables` in ./dynamodb.ts) and isolate themselves by table prefix.
 */

import { startDynamoDbLocal } from '@pcn/dynamodb-local';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engine = await startDynamoDbLocal({});
  project.provide('dynamodbEndpoint', engine.endpoint);
  return async () => {
    await engine.stop();
  };
}
