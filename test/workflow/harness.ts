/** Shared set-up for the product's workflow tests: tables, a frozen virtual clock, the runtime and an SFNClient. */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
} from '@aws-sdk/client-sfn';
import {
  createLocalStepFunctions,
  type LocalStepFunctions,
  type StateMachineConfig,
  VirtualClock,
} from '@pcn/local-step-functions';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const T0 = new Date('2026-03-02T09:00:00.000Z');

export interface Harness {
  tables: TestTables;
  clock: VirtualClock;
  sfn: LocalStepFunctions;
  client: SFNClient;
  describe(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  /** Stops the runtime (executions are abandoned, not failed) and the client; the tables stay. */
  close(): Promise<void>;
}

export async function startHarness(options: {
  stateMachines: StateMachineConfig[];
  clock?: VirtualClock;
  instantRetries?: boolean;
}): Promise<Harness> {
  const tables = await createTestTables();
  const clock = options.clock ?? (await VirtualClock.open({ frozenAt: T0 }));
  const sfn = await createLocalStepFunctions({
    clock,
    documentClient: tables.documentClient,
    executionsTableName: tables.tableNames.LocalExecutions!,
    stateMachines: options.stateMachines,
    instantRetries: options.instantRetries ?? false,
  });
  const client = new SFNClient({
    endpoint: sfn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    tables,
    clock,
    sfn,
    client,
    describe: (executionArn) => client.send(new DescribeExecutionCommand({ executionArn })),
    async close() {
      client.destroy();
      await sfn.stop();
    },
  };
}
