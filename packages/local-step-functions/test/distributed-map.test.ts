import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type LocalS3, startLocalS3 } from '@pcn/local-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, type Harness, startHarness } from './harness.ts';

const HOUR_MS = 60 * 60 * 1000;
const BUCKET = 'partner-runs';

interface Partner {
  partnerId: string;
  fail?: boolean;
}
interface BatchInput {
  BatchInput: { source: string };
  Items: { partner: Partner; index: number }[];
}

let s3: LocalS3;
let s3Client: S3Client;

async function putManifest(key: string, partners: Partner[]) {
  const body = partners.map((partner) => JSON.stringify(partner)).join('\n');
  await s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `${body}\n` }));
}

async function readJson(key: string): Promise<unknown> {
  const object = await s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await object.Body!.transformToString()) as string);
}

function partners(count: number, failing: (index: number) => boolean = () => false): Partner[] {
  return Array.from({ length: count }, (_, i) => ({
    partnerId: `p-${String(i).padStart(4, '0')}`,
    ...(failing(i) ? { fail: true } : {}),
  }));
}

/** The batch handler: records every batch and the most batches it ever ran at once. */
function batchProcessor() {
  const batches: BatchInput[] = [];
  let active = 0;
  let maxActive = 0;
  const handler = async (input: unknown) => {
    const batch = input as BatchInput;
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      // Let the other children woken at the same virtual instant reach their handler too.
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      batches.push(batch);
      if (batch.Items.some((item) => item.partner.fail)) {
        throw Object.assign(new Error('partner rejected the batch'), { name: 'PartnerRejected' });
      }
      return { processed: batch.Items.length, first: batch.Items[0]!.partner.partnerId };
    } finally {
      active--;
    }
  };
  return { batches, handler, maxActive: () => maxActive };
}

describe('Distributed Map', () => {
  let harness: Harness;
  let processor: ReturnType<typeof batchProcessor>;

  beforeAll(async () => {
    s3 = await startLocalS3({ buckets: [BUCKET] });
    s3Client = new S3Client(s3.clientConfig());
    processor = batchProcessor();
    harness = await startHarness({
      s3: s3.clientConfig(),
      instantRetries: true,
      stateMachines: [
        {
          name: 'PartnerRun',
          definitionFile: fixture('distributed-map.asl.json'),
          substitutions: { ProcessBatchFunctionArn: 'ProcessBatch' },
          handlers: { ProcessBatch: (input) => processor.handler(input) },
        },
      ],
    });
  });

  afterAll(async () => {
    await harness?.close();
    s3Client?.destroy();
    await s3?.stop();
  });

  async function start(key: string) {
    const { executionArn } = await harness.client.send(
      new StartExecutionCommand({
        stateMachineArn: harness.sfn.stateMachineArn('PartnerRun'),
        name: `run-${randomBytes(4).toString('hex')}`,
        input: JSON.stringify({ bucket: BUCKET, key }),
      }),
    );
    return executionArn!;
  }

  it('reads 250 items from a JSONL manifest, runs 13 batches of 20 three at a time after each waits an hour, tolerates one failed batch and writes the results to S3', async () => {
    await putManifest(
      'tolerated.jsonl',
      partners(250, (i) => i === 100),
    );
    const executionArn = await start('tolerated.jsonl');
    const describeRun = () => harness.describe(executionArn);

    await harness.sfn.idle();
    // Every child is parked on its one-hour Wait, on the virtual clock: no batch processed yet.
    expect(processor.batches).toHaveLength(0);
    await harness.sfn.advanceAndSettle(HOUR_MS);
    expect(processor.batches).toHaveLength(3);
    expect((await describeRun()).status).toBe('RUNNING');

    await harness.sfn.advanceAndSettle(4 * HOUR_MS);
    const execution = await describeRun();
    expect(execution.status).toBe('SUCCEEDED');
    expect(processor.batches).toHaveLength(13);
    expect(processor.maxActive()).toBe(3);
    expect(processor.batches.map((batch) => batch.Items.length).sort((a, b) => b - a)).toEqual([
      ...Array(12).fill(20),
      10,
    ]);
    expect(processor.batches[0]!.BatchInput).toEqual({ source: 'partners' });
    expect(processor.batches[0]!.Items[0]).toEqual({ partner: { partnerId: 'p-0000' }, index: 0 });

    const output = JSON.parse(execution.output!) as {
      mapRun: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    };
    expect(output.mapRun.MapRunArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:mapRun:PartnerRun\/ProcessPartners:/,
    );
    const runId = output.mapRun.MapRunArn.split(':').at(-1)!;
    expect(output.mapRun.ResultWriterDetails).toEqual({
      Bucket: BUCKET,
      Key: `results/${runId}/manifest.json`,
    });

    const manifest = (await readJson(output.mapRun.ResultWriterDetails.Key)) as {
      DestinationBucket: string;
      MapRunArn: string;
      ResultFiles: Record<string, { Key: string; Size: number }[]>;
    };
    expect(manifest.DestinationBucket).toBe(BUCKET);
    expect(manifest.MapRunArn).toBe(output.mapRun.MapRunArn);
    expect(manifest.ResultFiles.SUCCEEDED!.map((file) => file.Key)).toEqual([
      `results/${runId}/SUCCEEDED_0.json`,
    ]);
    expect(manifest.ResultFiles.FAILED!.map((file) => file.Key)).toEqual([`results/${runId}/FAILED_0.json`]);

    const succeeded = (await readJson(`results/${runId}/SUCCEEDED_0.json`)) as {
      Status: string;
      Output: string;
    }[];
    expect(succeeded).toHaveLength(12);
    expect(succeeded.every((entry) => entry.Status === 'SUCCEEDED')).toBe(true);
    expect(JSON.parse(succeeded[0]!.Output)).toEqual({ processed: 20, first: 'p-0000' });
    const failed = (await readJson(`results/${runId}/FAILED_0.json`)) as {
      Status: string;
      Error: string;
      Input: string;
    }[];
    expect(failed).toHaveLength(1);
    expect(failed[0]!.Status).toBe('FAILED');
    expect(failed[0]!.Error).toBe('PartnerRejected');
    expect((JSON.parse(failed[0]!.Input) as BatchInput).Items[0]!.partner.partnerId).toBe('p-0100');
  });

  it('fails the Map with States.ExceedToleratedFailureThreshold, which a Catch takes, when more than 10 % of the items fail', async () => {
    const before = processor.batches.length;
    // Items 0–59: the first three batches fail (60 of 250 items = 24 %).
    await putManifest(
      'intolerable.jsonl',
      partners(250, (i) => i < 60),
    );
    const executionArn = await start('intolerable.jsonl');
    await harness.sfn.advanceAndSettle(6 * HOUR_MS);
    const execution = await harness.describe(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!) as {
      failure: { Error: string; Cause: string };
      mapRun?: unknown;
    };
    expect(output.failure.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(output.mapRun).toBeUndefined();
    // The first three (failing) batches ran; the map run stopped before starting the rest.
    expect(processor.batches.length - before).toBe(3);
  });
});

describe('Distributed Map without S3', () => {
  it('maps the items at ItemsPath into child executions, with Retry and Catch inside each child, and returns their outputs in order', async () => {
    let flakyCalls = 0;
    const harness = await startHarness({
      instantRetries: true,
      stateMachines: [
        {
          name: 'Doubler',
          definitionFile: fixture('distributed-map-items.asl.json'),
          substitutions: { DoubleFunctionArn: 'Double' },
          handlers: {
            Double: async (input) => {
              const { n, i } = input as { n: number; i: number };
              if (n < 0) throw Object.assign(new Error('negative'), { name: 'Unprocessable' });
              if (n === 2 && flakyCalls++ === 0)
                throw Object.assign(new Error('try again'), { name: 'Flaky' });
              return { doubled: n * 2, i };
            },
          },
        },
      ],
    });
    try {
      const { executionArn } = await harness.client.send(
        new StartExecutionCommand({
          stateMachineArn: harness.sfn.stateMachineArn('Doubler'),
          input: JSON.stringify({ numbers: [1, 2, 3, -1] }),
        }),
      );
      await harness.sfn.idle();
      const execution = await harness.describe(executionArn!);
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output!)).toEqual([
        { doubled: 2, i: 0 },
        { doubled: 4, i: 1 },
        { doubled: 6, i: 2 },
        { skipped: true },
      ]);
      expect(flakyCalls).toBe(2);
    } finally {
      await harness.close();
    }
  });

  it('refuses at load time a Distributed Map that reads from S3 when the runtime has no S3', async () => {
    await expect(
      startHarness({
        stateMachines: [
          {
            name: 'NoS3',
            definitionFile: fixture('distributed-map.asl.json'),
            substitutions: { ProcessBatchFunctionArn: 'ProcessBatch' },
            handlers: { ProcessBatch: async () => ({}) },
          },
        ],
      }),
    ).rejects.toThrow(
      /Distributed Map ProcessPartners has an ItemReader or ResultWriter, but the local runtime has no S3/,
    );
  });
});
