/**
 * vitest globalSetup for this package's tests: one in-memory DynamoDB Local for the run (the runtime keeps
 * its executions in DynamoDB). Test files get its endpoint with `inject('dynamodbEndpoint')`.
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
  return () => engine.stop();
}
