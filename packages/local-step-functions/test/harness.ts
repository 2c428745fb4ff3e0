/** Shared set-up for the runtime's tests: an executions table, a frozen virtual clock, the runtime and an SFNClient. */
import { fileURLToPath } from 'node:url';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
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
} from '../src/index.ts';
import { createExecutionsTable, type ExecutionsTable } from './executions-table.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const T0 = new Date('2026-03-02T09:00:00.000Z');

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/**
 * The runtime's own park-and-wait workflow (a task, a callback that times out into a follow-up, a long Wait,
 * a last task: the shape of a notice waiting for its acknowledgement), kept as a fixture so these tests never
 * depend on a product's workflow.
 */
export const parkAndWaitFile = fixture('park-and-wait.asl.json');

export interface Harness {
  tables: ExecutionsTable;
  clock: VirtualClock;
  sfn: LocalStepFunctions;
  client: SFNClient;
  describe(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  /** Stops the runtime (executions are abandoned, not failed) and the client; the tables stay. */
  close(): Promise<void>;
}

export async function startHarness(options: {
  stateMachines: StateMachineConfig[];
  tables?: ExecutionsTable;
  clock?: VirtualClock;
  instantRetries?: boolean;
  /** S3 for Distributed Map states (e.g. `startLocalS3().clientConfig()`). */
  s3?: S3ClientConfig;
}): Promise<Harness> {
  const tables = options.tables ?? (await createExecutionsTable());
  const clock = options.clock ?? (await VirtualClock.open({ frozenAt: T0 }));
  const sfn = await createLocalStepFunctions({
    clock,
    documentClient: tables.documentClient,
    executionsTableName: tables.tableName,
    stateMachines: options.stateMachines,
    instantRetries: options.instantRetries ?? false,
    ...(options.s3 ? { s3: options.s3 } : {}),
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

/** A handler that records each input and answers with `respond(input, callNumber)`. */
export function recorder<T = Record<string, unknown>>(
  respond: (input: T, call: number) => unknown = () => ({ ok: true }),
) {
  const calls: T[] = [];
  const handler = async (input: unknown) => {
    calls.push(input as T);
    return respond(input as T, calls.length);
  };
  return { calls, handler };
}

export async function expectRejectsWithName(promise: Promise<unknown>, name: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if ((error as Error).name !== name) {
      throw new Error(`expected error ${name}, got ${(error as Error).name}: ${(error as Error).message}`);
    }
    return error as Error;
  }
  throw new Error(`expected error ${name}, but it resolved`);
}
