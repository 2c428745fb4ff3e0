/**
 * The audit figures (issue 11): verification throughput (entries/s, every hash recomputed, against a signed
 * digest) beside the raw SHA-256 of the same bytes and a raw Query of the same items in the same run; and the
 * export's throughput and peak RSS, the export run in a process of its own so its RSS is its own.
 *
 * `node --import tsx bench/audit-trail.ts --entries 100000` prints the figures as one JSON line (progress on
 * stderr); bench/end-to-end.ts runs it per size. With `--export ENDPOINT TABLE` it is that export process.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig, startDynamoDbLocal } from '@pcn/dynamodb-local';
import { AuditStore, auditHeadItem } from '../functions/adapters/dynamodb/audit-store.ts';
import { auditTrailTable } from '../functions/adapters/dynamodb/table-definitions.ts';
import { FileDigestArchive } from '../functions/adapters/s3/digest-archive.ts';
import { KeyFileDigestSigner } from '../functions/adapters/signing/digest-signer.ts';
import { sealAuditDigest, verifyAudit } from '../functions/audit/anchoring.ts';
import { auditJsonLine, entriesInStreamOrder } from '../functions/audit/export.ts';
import { type AuditEntry, chainEntries } from '../functions/domain/audit-chain.ts';
import { canonicalJson } from '../functions/domain/canonical-json.ts';
import { createTables } from '../local/create-tables.ts';
import { inParallel } from '../test/support/reliability.ts';
import { batchPut, figuresFromChild } from './support.ts';

/** Entries per synthetic stream: a change's lifetime is 6 to 20 entries, a partner's stream hundreds. */
const STREAM_LENGTH = 100;
/** Streams seeded side by side. */
const SEED_CONCURRENCY = 8;
/** How often the export process samples its RSS. */
const RSS_SAMPLE_MS = 20;

export interface AuditFigures {
  entries: number;
  streams: number;
  seedSeconds: number;
  verify: {
    seconds: number;
    entriesPerSecond: number;
    /** SHA-256 over each entry's RFC 8785 bytes alone, the same bytes, in this process. */
    rawSha256EntriesPerSecond: number;
    /** Query of the same items (eventually consistent, no hashing), the same concurrency. */
    rawQueryEntriesPerSecond: number;
    intact: boolean;
  };
  export: {
    seconds: number;
    entriesPerSecond: number;
    megabytes: number;
    peakRssMb: number;
    baselineRssMb: number;
  };
}

/** The i-th stream's entries: shaped like an acknowledgement's (the largest common entry), chained. */
function streamEntries(stream: string): AuditEntry[] {
  const drafts = Array.from({ length: STREAM_LENGTH }, (_, index) => ({
    type: 'acknowledgement-recorded' as const,
    at: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
    actor: `partner:${stream}-contact`,
    details: {
      noticeId: `${stream}-v${index}`,
      noticeVersion: index + 1,
      contentHash: `sha256:${createHash('sha256').update(`${stream}${index}`).digest('hex')}`,
      acknowledgedAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
      contactId: `${stream}-contact`,
      sourceIp: '192.0.2.44',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5',
    },
  }));
  return chainEntries(stream, undefined, drafts).entries;
}

const streamName = (index: number) => `partner#bench-${String(index).padStart(7, '0')}`;

/** The export of one table, in a process of its own (this file with --export). */
const exportProcess = (endpoint: string, table: string) =>
  figuresFromChild<AuditFigures['export']>(
    'bench/audit-trail.ts',
    ['--export', endpoint, table],
    'audit export',
  );

/** The export process: every entry in stream order to a JSON Lines file, its RSS sampled throughout. */
async function measureExport(endpoint: string, table: string): Promise<AuditFigures['export']> {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(localDynamoDbClientConfig(endpoint)));
  const audit = new AuditStore(documentClient, { auditTrail: table });
  const dir = await mkdtemp(join(tmpdir(), 'pcn-audit-export-'));
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, RSS_SAMPLE_MS);
  try {
    const file = createWriteStream(join(dir, 'audit-entries.jsonl'), 'utf8');
    const began = performance.now();
    let entries = 0;
    for await (const entry of entriesInStreamOrder(
      { audit, changes: { idsOfPartner: async () => [] } },
      {},
    )) {
      if (!file.write(auditJsonLine(entry))) await once(file, 'drain');
      entries += 1;
    }
    file.end();
    await once(file, 'finish');
    const seconds = (performance.now() - began) / 1000;
    const { size } = await stat(join(dir, 'audit-entries.jsonl'));
    return {
      seconds,
      entriesPerSecond: entries / seconds,
      megabytes: size / 2 ** 20,
      peakRssMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20,
      baselineRssMb,
    };
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
    documentClient.destroy();
  }
}

export async function measureAuditTrail(
  entries: number,
  onProgress?: (text: string) => void,
): Promise<AuditFigures> {
  const dynamodb = await startDynamoDbLocal({ optimizingCompiler: true });
  const client = new DynamoDBClient(localDynamoDbClientConfig(dynamodb.endpoint));
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const dir = await mkdtemp(join(tmpdir(), 'pcn-audit-bench-'));
  try {
    const table = (await createTables(client, [auditTrailTable]))[auditTrailTable.logicalName]!;
    const audit = new AuditStore(documentClient, { auditTrail: table });
    const streams = Math.ceil(entries / STREAM_LENGTH);
    const seedBegan = performance.now();
    let seeded = 0;
    let hashSeconds = 0;
    await inParallel(streams, SEED_CONCURRENCY, async (index) => {
      const stream = streamName(index);
      const chained = streamEntries(stream);
      // The floor: SHA-256 of exactly the bytes verification hashes (each entry's RFC 8785 encoding).
      const bytes = chained.map(({ hash: _hash, ...unhashed }) =>
        Buffer.from(canonicalJson(unhashed), 'utf8'),
      );
      const hashBegan = performance.now();
      for (const buffer of bytes) createHash('sha256').update(buffer).digest();
      hashSeconds += (performance.now() - hashBegan) / 1000;
      const last = chained.at(-1)!;
      await batchPut(documentClient, table, [
        ...chained,
        auditHeadItem(stream, { seq: last.seq, hash: last.hash }, last.at),
      ]);
      seeded += chained.length;
      if (index % 50 === 0) onProgress?.(`seeded ${seeded}/${streams * STREAM_LENGTH} entries`);
    });
    const seedSeconds = (performance.now() - seedBegan) / 1000;
    const total = streams * STREAM_LENGTH;

    const rawBegan = performance.now();
    let read = 0;
    await inParallel(streams, 16, async (index) => {
      for await (const page of paginateQuery(
        { client: documentClient, pageSize: 1000 },
        {
          TableName: table,
          KeyConditionExpression: '#stream = :stream AND seq > :head',
          ExpressionAttributeNames: { '#stream': 'stream' },
          ExpressionAttributeValues: { ':stream': streamName(index), ':head': 0 },
        },
      ))
        read += page.Items?.length ?? 0;
    });
    const rawQuerySeconds = (performance.now() - rawBegan) / 1000;
    if (read !== total) throw new Error(`raw query read ${read} of ${total}`);

    const deps = {
      audit,
      digests: new FileDigestArchive(join(dir, 'digests.jsonl')),
      digestSigner: new KeyFileDigestSigner(join(dir, 'key.pem')),
      clock: { now: () => new Date() },
      changes: { idsOfPartner: async () => [] },
    };
    if ((await sealAuditDigest(deps)).outcome !== 'sealed') throw new Error('no digest sealed');
    onProgress?.(`verifying ${total} entries`);
    const verifyBegan = performance.now();
    const verification = await verifyAudit(deps);
    const verifySeconds = (performance.now() - verifyBegan) / 1000;
    if (verification.entries !== total) throw new Error(`verified ${verification.entries} of ${total}`);
    onProgress?.(`exporting ${total} entries`);
    const exported = await exportProcess(dynamodb.endpoint, table);
    return {
      entries: total,
      streams,
      seedSeconds,
      verify: {
        seconds: verifySeconds,
        entriesPerSecond: total / verifySeconds,
        rawSha256EntriesPerSecond: total / hashSeconds,
        rawQueryEntriesPerSecond: total / rawQuerySeconds,
        intact: verification.intact,
      },
      export: exported,
    };
  } finally {
    client.destroy();
    await dynamodb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const exportIndex = process.argv.indexOf('--export');
  if (exportIndex >= 0) {
    console.log(
      JSON.stringify(await measureExport(process.argv[exportIndex + 1]!, process.argv[exportIndex + 2]!)),
    );
  } else {
    const index = process.argv.indexOf('--entries');
    const entries = Number(index >= 0 ? process.argv[index + 1] : 100_000);
    const figures = await measureAuditTrail(entries, (text) =>
      process.stderr.write(`\r  audit trail: ${text}   `),
    );
    process.stderr.write('\n');
    console.log(JSON.stringify(figures));
  }
}
