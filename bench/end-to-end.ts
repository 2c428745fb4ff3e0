/**
 * `npm run bench [-- --small] [-- --json FILE]`: the local system's speed and cost, each figure beside a
 * floor measured in the same run on the same engines, printed as one table and written as JSON (default
 * `.tmp/bench.json`; the previous file's figures are shown beside the new ones, for comparison across
 * commits). Asserts only correctness (every change applied); figures are reported, not judged, except that
 * each target's verdict is printed.
 *
 * - End to end: N commission cuts over real HTTP (submit → approve → notice → acknowledge → applied on the
 *   virtual clock), beside the floor the same writes allow: the raw TransactWriteItems rate of the same
 *   DynamoDB Local, divided by the transactions a change made.
 * - DynamoDB requests per change on the product's tables (the local stand-ins for SES and Step Functions,
 *   the outbox and the executions table, are not counted: on AWS they are not DynamoDB).
 * - The acknowledgement endpoint's latency under load, beside a minimal API call (authorizer + router, 404).
 * - Billed state transitions per change for a plain, a disputed and an escalated change.
 * - The console's first download (gzip) beside an empty React root built by the same Vite (bench/console-bundle.ts).
 * - The event publisher: events published per second to a loopback webhook (read from the unpublished index,
 *   POSTed, marked), beside the raw write rate; the public events per change, and the DynamoDB requests per
 *   change the publisher adds (counted on the Events table, included in the requests per change above).
 * - Importing a synthetic directory of 10,000 partners (1,000 with --small) through the HTTP API as
 *   `pcn partners import` does it (cli/partners-import.ts: chunks of 500 rows, 2 in flight), and its re-run
 *   (every row unchanged), beside the raw TransactWriteItems rate of one row's items (partner, opening rate,
 *   audit head, audit entry, event). New partners are written 20 rows to a transaction
 *   (functions/directory/import.ts), so the import can beat that per-row floor.
 * - A policy change fanned out to every partner of a synthetic directory (bench/policy-fan-out.ts, each size in
 *   a child process of its own so its peak RSS is its own): 100 and 1,000 partners, or 1,000 and 10,000 with
 *   `--policy-10k`; submit to every notice in the outbox, beside the raw write rate of the same DynamoDB Local,
 *   DynamoDB writes per partner, the state transitions AWS would bill and their cost, and peak RSS.
 * - The audit trail (bench/audit-trail.ts, each size in a child process): verification throughput beside a raw
 *   Query of the same items and raw SHA-256 of the same bytes, and the export's throughput and peak RSS.
 * - The Lambda functions' cold start (bench/lambda-bundles.ts, first, while nothing else runs): each handler
 *   bundled as CDK bundles it, its size and the median cold import() time of fresh node processes, beside a
 *   minimal bundled-SDK DynamoDB handler built the same way; the largest contributors of each bundle.
 */

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import { importFile } from '../cli/partners-import.ts';
import { queryAll, scanAll } from '../functions/adapters/dynamodb/all-items.ts';
import { EventStore, logKeyOf } from '../functions/adapters/dynamodb/event-store.ts';
import { eventsTable } from '../functions/adapters/dynamodb/table-definitions.ts';
import { WebhookBus } from '../functions/adapters/events/webhook-bus.ts';
import { createStepFunctionsClient } from '../functions/adapters/step-functions/workflow-gateway.ts';
import { syntheticPartners } from '../functions/directory/synthetic.ts';
import { createPartner } from '../functions/directory/write.ts';
import { systemClock } from '../functions/domain/clock.ts';
import type { IntegrationEvent } from '../functions/domain/lifecycle-events.ts';
import { summarize, type TrustLedgerEvent, trustEvent } from '../functions/domain/trust-rules.ts';
import { publishPendingEvents } from '../functions/events/publish.ts';
import { createTables } from '../local/create-tables.ts';
import { type LocalSystem, startLocalSystem } from '../local/system.ts';
import { ApiClient, isoDateAfter, realRationale } from '../test/support/api-client.ts';
import { executionHistory, historyLogBytes, statesEntered } from '../test/support/executions.ts';
import { inParallel } from '../test/support/reliability.ts';
import { startWebhookReceiver } from '../test/support/webhook-receiver.ts';
import type { AuditFigures } from './audit-trail.ts';
import { type BundleFigures, measureConsoleBundle } from './console-bundle.ts';
import { type Cost, costOf, describeCost, listPrices, type Usage } from './cost.ts';
import {
  type LambdaBundleFigures,
  lambdaBundleRows,
  largestLines,
  measureLambdaBundles,
} from './lambda-bundles.ts';
import type { FanOutFigures } from './policy-fan-out.ts';
import { batchPut, figuresFromChild, meterDynamoDb, meterHandlers } from './support.ts';

const args = process.argv.slice(2);
const small = args.includes('--small');
const jsonIndex = args.indexOf('--json');
const JSON_FILE = jsonIndex >= 0 ? (args[jsonIndex + 1] ?? '.tmp/bench.json') : '.tmp/bench.json';
const CHANGES = Number(process.env.BENCH_CHANGES ?? (small ? 40 : 200));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const RAW_TRANSACTIONS = Number(process.env.BENCH_RAW_WRITES ?? (small ? 200 : 1000));
const FLOOR_CALLS = small ? 200 : 1000;
/** Fresh node processes per Lambda bundle (each with and without --enable-source-maps); the figure is their median. */
const COLD_IMPORT_RUNS = small ? 5 : 11;
const PARTNERS = 20;
const PUBLISHED_EVENTS = small ? 1000 : 5000;
/** A partner's ledger for the trust-score figure: the issue's 10,000 events at every size (they load in seconds). */
const TRUST_LEDGER_EVENTS = 10_000;
/** Timed calls per trust figure (medians). */
const TRUST_RUNS = 5;
const IMPORT_PARTNERS = Number(process.env.BENCH_IMPORT_PARTNERS ?? (small ? 1000 : 10_000));
/**
 * Items in the transaction of one imported partner with one opening rate: partner, rate, audit head, audit
 * entry and its partner.created event (the outbox).
 */
const ITEMS_PER_IMPORTED_ROW = 5;
/**
 * The issue's target, 10,000 partners "well under a minute", read as at most three quarters of one. Below
 * 10,000 rows (the CI size) the verdict is extrapolated from the rate, which flatters it: the rate falls as the
 * tables grow (measured 2026-12-03: 228 rows/s for 1,000, 182 for 10,000).
 */
const TARGET_IMPORT_SECONDS = 45;
/** The policy fan-out's sizes (partners): the smaller is the memory baseline the larger is compared with. */
const POLICY_SIZES = args.includes('--policy-10k') ? [1_000, 10_000] : [100, 1_000];
/** Issue 10's targets: 10,000 partners in under 60 s (extrapolated below that), ≤ 3 writes per partner, flat memory. */
const TARGET_FAN_OUT_SECONDS_10K = 60;
const TARGET_WRITES_PER_PARTNER = 3;
const TARGET_RSS_GROWTH = 2;
/**
 * The audit trail's sizes (entries): verification and export at each, the smaller the export's memory baseline.
 * The issue's 100,000 and 1,000,000 by flag: DynamoDB Local seeds about 500 indexed entries/s on 2 cores, so
 * the million alone takes over half an hour to load.
 */
const AUDIT_SIZES = args.includes('--audit-1m')
  ? [100_000, 1_000_000]
  : small
    ? [2_000, 10_000]
    : [10_000, 100_000];
/** An export in constant memory: its peak RSS may grow at most this much from the smaller size to the larger. */
const TARGET_EXPORT_RSS_GROWTH = 1.5;
/** Targets from the reliability issue: a share of the raw-write floor, and a request budget per change. */
const TARGET_FLOOR_SHARE = 0.5;
const TARGET_REQUESTS_PER_CHANGE = 8;

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const began = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - began) / 1000 };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Progress on one line of the terminal, so a long run shows it is alive. */
function progress(label: string, done: number, total: number): void {
  if (!process.stdout.isTTY) return;
  process.stdout.write(`\r  ${label} ${done}/${total}   `);
  if (done === total) process.stdout.write('\r\x1b[2K');
}

async function rawTransactionRate(endpoint: string, items = 4): Promise<number> {
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client);
  const table = `bench_raw_${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  // 400-byte items, four by default: about the size of a lifecycle step (change, audit entry, head, one more).
  const transact = () =>
    documentClient.send(
      new TransactWriteCommand({
        TransactItems: Array.from({ length: items }, () => ({
          Put: { TableName: table, Item: { pk: randomUUID(), payload: 'x'.repeat(400) } },
        })),
      }),
    );
  const run = await timed(() => inParallel(RAW_TRANSACTIONS, CONCURRENCY, transact));
  client.destroy();
  return RAW_TRANSACTIONS / run.seconds;
}

/**
 * The publisher alone: PUBLISHED_EVENTS committed-but-unpublished events in an Events table of their own,
 * published to a webhook on the loopback (the local delivery), until none is left.
 */
async function publicationRate(endpoint: string): Promise<{ perSecond: number; delivered: number }> {
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client);
  const names = await createTables(client, [eventsTable], `bench_events_${randomUUID().slice(0, 8)}_`);
  const table = names[eventsTable.logicalName]!;
  const at = new Date('2026-11-23T09:00:00.000Z').getTime();
  const events: IntegrationEvent[] = Array.from({ length: PUBLISHED_EVENTS }, (_, index) => ({
    eventId: `change#bench-${index % 200}:${Math.floor(index / 200) + 1}`,
    type: 'notice.acknowledged',
    version: 1,
    time: new Date(at + index).toISOString(),
    source: 'partner-change-notice',
    subject: `bench-${index % 200}`,
    detail: { changeId: `bench-${index % 200}`, partnerId: 'bench-partner-0', kind: 'commission-change' },
    auditRef: { stream: `change#bench-${index % 200}`, seq: Math.floor(index / 200) + 1, hash: 'sha256:x' },
  }));
  // The shape EventStore.record commits with the audit entry.
  await batchPut(
    documentClient,
    table,
    events.map((event) => ({ ...event, logKey: logKeyOf(event), unpublished: 'pending' })),
  );
  const receiver = await startWebhookReceiver();
  const deps = {
    events: new EventStore(documentClient, table),
    bus: new WebhookBus(new URL(receiver.url)),
    clock: systemClock,
  };
  const run = await timed(async () => {
    // Each run is bounded (MAX_PUBLISH_ROUNDS batches): run until nothing is left.
    while ((await publishPendingEvents(deps)).published > 0);
  });
  await receiver.close();
  client.destroy();
  return { perSecond: receiver.received.length / run.seconds, delivered: receiver.received.length };
}

async function createBenchPartners(system: LocalSystem): Promise<void> {
  for (let index = 0; index < PARTNERS; index += 1) {
    const partnerId = `bench-partner-${index}`;
    await createPartner(
      system.deps,
      {
        partnerId,
        name: `Bench Partner ${index}`,
        stage: 'transactional',
        allianceManager: { userId: 'dana', name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
        contacts: [
          {
            contactId: `bench-contact-${index}`,
            name: `Contact ${index}`,
            email: `contact${index}@partner.example`,
            role: 'primary',
          },
        ],
        openingRates: [{ ratePct: 12, effectiveFrom: '2025-01-01' }],
      },
      'seed',
    );
  }
}

/** The event publisher's own requests: reads of the unpublished index and its marks (single or in a transaction). */
function publisherRequest(_command: string, input: Record<string, unknown>): string | undefined {
  const table = typeof input.TableName === 'string' ? input.TableName : '';
  const items = input.TransactItems as { Update?: { TableName?: string } }[] | undefined;
  const marks =
    items?.length && items.every((item) => item.Update?.TableName?.endsWith(eventsTable.logicalName));
  return table.endsWith(eventsTable.logicalName) || marks ? 'publisher' : undefined;
}

/** The audit figures at one size (bench/audit-trail.ts, with its own DynamoDB Local). */
const auditTrailFigures = (entries: number) =>
  figuresFromChild<AuditFigures>(
    'bench/audit-trail.ts',
    ['--entries', String(entries)],
    `audit trail of ${entries}`,
  );

/** One fan-out size (bench/policy-fan-out.ts, with its own local system). */
const policyFanOut = (partners: number) =>
  figuresFromChild<FanOutFigures>(
    'bench/policy-fan-out.ts',
    ['--partners', String(partners)],
    `policy fan-out of ${partners}`,
  );

async function main() {
  console.log(
    `Partner Change Notice — local benchmark (${small ? 'small' : 'full'} size: ${CHANGES} changes, ${CONCURRENCY} concurrent clients)`,
  );
  // First, while nothing else runs: cold imports are timed in fresh processes, then each fan-out starts its
  // own local system.
  const lambdaBundles = await measureLambdaBundles({ runs: COLD_IMPORT_RUNS, onProgress: progress });
  const fanOuts: FanOutFigures[] = [];
  for (const partners of POLICY_SIZES) fanOuts.push(await policyFanOut(partners));
  const audits: AuditFigures[] = [];
  for (const entries of AUDIT_SIZES) audits.push(await auditTrailFigures(entries));
  // Each task invocation and each API request, timed in its handler: on AWS each is a billed Lambda invocation.
  const tasks = meterHandlers();
  const httpApi = meterHandlers();
  const boot = await timed(() =>
    startLocalSystem({
      frozenAt: new Date('2026-11-23T09:00:00.000Z'),
      longLived: true,
      faults: { task: tasks.wrap, httpApi: (handler) => httpApi.wrap('http-api', handler) },
    }),
  );
  const system = boot.result;
  try {
    await createBenchPartners(system);
    const counter = meterDynamoDb(system.deps.documentClient, publisherRequest);
    const api = new ApiClient(system.baseUrl);
    const token = await api.token('finance', 'bench');
    const approver = await api.token('approver', 'amara');

    // Floor of one API call: the same server, authorizer and router, answering a 404 with no I/O.
    const floorLatencies: number[] = [];
    const floor = await timed(() =>
      inParallel(FLOOR_CALLS, CONCURRENCY, async () => {
        const began = performance.now();
        const response = await api.request('GET', '/api/no-such-route', { token });
        floorLatencies.push(performance.now() - began);
        if (response.status !== 404) throw new Error(`floor: ${response.status}`);
      }),
    );

    const effectiveDate = isoDateAfter(await api.now(), 31);
    const ackLatencies: number[] = [];
    counter.start();
    tasks.reset();
    httpApi.reset();
    let done = 0;
    const total = await timed(async () => {
      const submit = await timed(() =>
        inParallel(CHANGES, CONCURRENCY, async (index) => {
          const response = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
            token,
            json: {
              partnerId: `bench-partner-${index % PARTNERS}`,
              currentRatePct: 12,
              newRatePct: 11,
              effectiveDate,
              rationale: realRationale,
              // One product each: a partner may have one pending change per scope.
              scope: { products: [`bench-product-${index}`] },
            },
          });
          if (response.status !== 201)
            throw new Error(`submit ${index}: ${response.status} ${response.text}`);
          progress('submitted', ++done, CHANGES);
          return response.body.changeId;
        }),
      );
      await system.settle();
      done = 0;
      const approve = await timed(() =>
        inParallel(submit.result.length, CONCURRENCY, async (index) => {
          const response = await api.request('POST', `/api/changes/${submit.result[index]}/approval`, {
            token: approver,
            json: { decision: 'approve', comment: 'Benchmark approval.' },
          });
          if (response.status !== 200)
            throw new Error(`approve ${index}: ${response.status} ${response.text}`);
          progress('approved', ++done, CHANGES);
        }),
      );
      const notify = await timed(() => system.settle());
      const links = (await system.outbox.list())
        .filter((message) => message.kind === 'notice')
        .map((message) => new URL(message.links[0]!));
      if (links.length !== CHANGES) throw new Error(`expected ${CHANGES} notices, found ${links.length}`);
      done = 0;
      const acknowledge = await timed(() =>
        inParallel(links.length, CONCURRENCY, async (index) => {
          const link = links[index]!;
          const began = performance.now();
          const response = await api.request('POST', `${link.pathname}/acknowledgement`, {
            form: { token: link.searchParams.get('token')! },
          });
          ackLatencies.push(performance.now() - began);
          if (response.status !== 200) throw new Error(`acknowledge ${index}: ${response.status}`);
          progress('acknowledged', ++done, CHANGES);
        }),
      );
      const apply = await timed(async () => {
        await system.settle();
        await system.advanceAndSettle(31 * 86_400_000);
      });
      return {
        changeIds: submit.result,
        phases: {
          submit: submit.seconds,
          approve: approve.seconds,
          notify: notify.seconds,
          acknowledge: acknowledge.seconds,
          apply: apply.seconds,
        },
      };
    });
    const dynamoDb = counter.stop();
    const taskTotals = tasks.totals();
    const httpTotals = httpApi.totals();
    const { requests } = dynamoDb;
    const publisherRequests = dynamoDb.tagged.get('publisher') ?? 0;

    const eventsWritten = (
      await scanAll<{ type: string }>(system.deps.documentClient, { TableName: system.deps.tables.events })
    ).length;

    const { changeIds, phases } = total.result;
    const measuredChanges = new Set(changeIds);
    const emailsSent = (await system.outbox.list()).filter((message) =>
      measuredChanges.has(message.changeId),
    ).length;
    const statuses = await inParallel(changeIds.length, CONCURRENCY, async (index) => {
      const response = await api.request<{ status: string }>(
        'GET',
        `/api/commission-changes/${changeIds[index]}`,
        { token },
      );
      return response.body.status;
    });
    const notApplied = statuses.filter((status) => status !== 'applied').length;
    if (notApplied > 0) throw new Error(`${notApplied} of ${CHANGES} changes were not applied`);

    const transitions = await stateTransitions(system, api, token, changeIds[0]!);
    const directoryImport = await importDirectory(system, api);
    const trustLedger = await trustScoreOfLongLedger(system, api);
    const portfolio = await trustPortfolio(system, api);
    const rawTransactions = await rawTransactionRate(system.dynamodbEndpoint);
    // The import's own floor: raw transactions the size of one imported row.
    const rawImportRows = await rawTransactionRate(system.dynamodbEndpoint, ITEMS_PER_IMPORTED_ROW);
    const publication = await publicationRate(system.dynamodbEndpoint);
    if (publication.delivered !== PUBLISHED_EVENTS)
      throw new Error(`published ${publication.delivered} of ${PUBLISHED_EVENTS} events`);

    // What one change used, priced as AWS would bill it (bench/cost.ts). The publisher is a stream-triggered
    // function on AWS: counted as one invocation per event (an upper bound, a stream batch carries several),
    // each taking the time one event took to publish here.
    const eventsPerChange = eventsWritten / CHANGES;
    const usagePerChange: Usage = {
      stateTransitions: transitions.happy,
      lambdaInvocations: (taskTotals.invocations + httpTotals.invocations) / CHANGES + eventsPerChange,
      lambdaMilliseconds:
        (taskTotals.milliseconds + httpTotals.milliseconds) / CHANGES +
        (eventsPerChange * 1000) / publication.perSecond,
      httpApiRequests: httpTotals.invocations / CHANGES,
      dynamoDbReadUnits: dynamoDb.readUnits / CHANGES,
      dynamoDbWriteUnits: dynamoDb.writeUnits / CHANGES,
      emails: emailsSent / CHANGES,
      events: eventsPerChange,
      logBytes: transitions.happyLogBytes,
    };
    const perChange = (name: string) => (requests.get(name) ?? 0) / CHANGES;
    const totalRequests = [...requests.values()].reduce((sum, count) => sum + count, 0) / CHANGES;
    const reads = ['GetItem', 'Query', 'Scan', 'BatchGetItem'].reduce(
      (sum, name) => sum + perChange(name),
      0,
    );
    const transactions = perChange('TransactWriteItems');
    const changesPerSecond = CHANGES / total.seconds;
    const writeFloor = rawTransactions / transactions;
    const figures = {
      size: small ? 'small' : 'full',
      changes: CHANGES,
      concurrency: CONCURRENCY,
      bootSeconds: boot.seconds,
      endToEndChangesPerSecond: changesPerSecond,
      rawTransactWritesPerSecond: rawTransactions,
      transactionsPerChange: transactions,
      writeFloorChangesPerSecond: writeFloor,
      shareOfWriteFloor: changesPerSecond / writeFloor,
      dynamoDbRequestsPerChange: totalRequests,
      dynamoDbReadsPerChange: reads,
      requestsByCommand: Object.fromEntries([...requests].map(([name, count]) => [name, count / CHANGES])),
      phasesSeconds: phases,
      acknowledgementLatencyMs: { p50: percentile(ackLatencies, 50), p99: percentile(ackLatencies, 99) },
      minimalCallLatencyMs: { p50: percentile(floorLatencies, 50), p99: percentile(floorLatencies, 99) },
      minimalCallsPerSecond: FLOOR_CALLS / floor.seconds,
      acknowledgementsPerSecond: CHANGES / phases.acknowledge,
      stateTransitions: transitions,
      usagePerChange,
      costPer1000Changes: costOf(usagePerChange, 1000),
      pricesChecked: `${listPrices.region}, ${listPrices.checked}`,
      eventsPublishedPerSecond: publication.perSecond,
      // Counted before the state-transition cuts: the events of the CHANGES changes alone.
      eventsPerChange,
      publisherRequestsPerChange: publisherRequests / CHANGES,
      import: {
        partners: IMPORT_PARTNERS,
        seconds: directoryImport.seconds,
        rowsPerSecond: IMPORT_PARTNERS / directoryImport.seconds,
        eventsPublishedAfterSeconds: directoryImport.publishedSeconds,
        rerunSeconds: directoryImport.rerunSeconds,
        rerunRowsPerSecond: IMPORT_PARTNERS / directoryImport.rerunSeconds,
        itemsPerRow: ITEMS_PER_IMPORTED_ROW,
        floorRowsPerSecond: rawImportRows,
        shareOfWriteFloor: IMPORT_PARTNERS / directoryImport.seconds / rawImportRows,
      },
      trust: {
        ledgerEvents: trustLedger.events,
        scoreMs: trustLedger.routeMs,
        rawQueryMs: trustLedger.rawMs,
        scoreShareOfRawQuery: trustLedger.routeMs / trustLedger.rawMs,
        portfolioPartners: portfolio.partners,
        portfolioMs: portfolio.routeMs,
        rawScansMs: portfolio.rawMs,
        portfolioShareOfRawScans: portfolio.routeMs / portfolio.rawMs,
      },
      console: await measureConsoleBundle(),
      lambdaBundles,
      policyFanOut: {
        baseline: fanOuts[0]!,
        measured: fanOuts[1]!,
        rssGrowth: fanOuts[1]!.peakRssMb / fanOuts[0]!.peakRssMb,
        costPer10kPartnersUsd: costOf(fanOuts[1]!.usage, 10_000 / fanOuts[1]!.partners).totalUsd,
      },
      auditTrail: {
        baseline: audits[0]!,
        measured: audits[1]!,
        exportRssGrowth: audits[1]!.export.peakRssMb / audits[0]!.export.peakRssMb,
      },
    };

    const previous = existsSync(JSON_FILE)
      ? (JSON.parse(await readFile(JSON_FILE, 'utf8')) as Partial<typeof figures>)
      : undefined;
    printTable(figures, previous);
    console.log('\nLambda bundles, largest contributors (kB in the bundle):');
    for (const line of largestLines(lambdaBundles)) console.log(line);
    await mkdir(dirname(JSON_FILE), { recursive: true });
    await writeFile(JSON_FILE, `${JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2)}\n`);
    console.log(
      `\nWritten to ${JSON_FILE}${previous ? ' (the "before" column is the file it replaced)' : ''}.`,
    );
  } finally {
    await system.stop();
  }
}

async function median(runs: number, call: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

/**
 * A partner with TRUST_LEDGER_EVENTS ledger events (one a day back from now, rules cycling): GET
 * /api/partners/{id}/trust, which reads them all, re-prices, decays and charts them, timed beside a raw
 * DynamoDB Local Query of the same items (the read it cannot avoid), medians of TRUST_RUNS.
 */
async function trustScoreOfLongLedger(system: LocalSystem, api: ApiClient) {
  const { documentClient, tables } = system.deps;
  const partnerId = 'northwind-resellers';
  const now = (await api.now()).getTime();
  const rules = ['prompt-acknowledgement', 'reminder-needed', 'commission-raise', 'dispute-raised'] as const;
  const events: TrustLedgerEvent[] = Array.from({ length: TRUST_LEDGER_EVENTS }, (_, index) =>
    trustEvent(rules[index % rules.length]!, {
      partnerId,
      stage: 'transactional',
      at: new Date(now - (index + 1) * 3_600_000),
      cause: `bench-${index}`,
      source: { type: 'bench', id: `bench-${index}` },
    }),
  );
  await batchPut(documentClient, tables.trustLedger, events);
  const token = await api.token('approver', 'amara');
  const routeMs = await median(TRUST_RUNS, async () => {
    const answer = await api.request('GET', `/api/partners/${partnerId}/trust`, { token });
    if (answer.status !== 200) throw new Error(`trust: ${answer.status} ${answer.text}`);
  });
  const rawMs = await median(TRUST_RUNS, () =>
    queryAll(documentClient, {
      TableName: tables.trustLedger,
      KeyConditionExpression: 'partnerId = :partnerId',
      ExpressionAttributeValues: { ':partnerId': partnerId },
      ConsistentRead: true,
    }),
  );
  return { events: TRUST_LEDGER_EVENTS, routeMs, rawMs };
}

/**
 * The trust portfolio over the imported directory: every partner without a summary gets the one an applied
 * cut with full notice would leave (summarize of those entries), then GET /api/trust/portfolio is timed beside
 * the raw reads it rests on, the same two Scans (partners projected, TrustScores), medians of TRUST_RUNS.
 */
async function trustPortfolio(system: LocalSystem, api: ApiClient) {
  const { documentClient, tables } = system.deps;
  const partners = await scanAll<{ partnerId: string; stage: 'transactional' }>(documentClient, {
    TableName: tables.partners,
    ProjectionExpression: 'partnerId, stage',
  });
  const scored = new Set(
    (
      await scanAll<{ partnerId: string }>(documentClient, {
        TableName: tables.trustScores,
        ProjectionExpression: 'partnerId',
      })
    ).map((item) => item.partnerId),
  );
  const at = await api.now();
  const summaries = partners
    .filter((partner) => !scored.has(partner.partnerId))
    .map((partner, index) => {
      const common = {
        partnerId: partner.partnerId,
        stage: partner.stage,
        at: new Date(at.getTime() - (index % 400) * 86_400_000),
        cause: `bench-${partner.partnerId}`,
        source: { type: 'change-applied', id: `bench-${partner.partnerId}` },
        adverse: true,
      };
      return {
        partnerId: partner.partnerId,
        ...summarize([trustEvent('commission-cut', common), trustEvent('notice-full-period', common)]),
      };
    });
  await batchPut(documentClient, tables.trustScores, summaries);
  const token = await api.token('approver', 'amara');
  const routeMs = await median(TRUST_RUNS, async () => {
    const answer = await api.request('GET', '/api/trust/portfolio?limit=100', { token });
    if (answer.status !== 200) throw new Error(`portfolio: ${answer.status} ${answer.text}`);
  });
  const rawMs = await median(TRUST_RUNS, () =>
    Promise.all([
      scanAll(documentClient, {
        TableName: tables.partners,
        ProjectionExpression: 'partnerId, #name, stage',
        ExpressionAttributeNames: { '#name': 'name' },
      }),
      scanAll(documentClient, { TableName: tables.trustScores }),
    ]),
  );
  return { partners: partners.length, routeMs, rawMs };
}

/** The synthetic directory imported over HTTP as the CLI does it, then imported again (all unchanged). */
async function importDirectory(system: LocalSystem, api: ApiClient) {
  const path = '.tmp/bench-import.jsonl';
  await mkdir(dirname(path), { recursive: true });
  await writeFile(
    path,
    syntheticPartners(IMPORT_PARTNERS, 2026)
      .map(
        (partner) => `${JSON.stringify({ ...partner, openingRates: partner.openingRates?.slice(0, 1) })}\n`,
      )
      .join(''),
  );
  const options = {
    baseUrl: system.baseUrl,
    token: await api.token('partner-manager', 'dana'),
    path,
    format: 'jsonl' as const,
    dryRun: false,
    onProgress: (done: number) => progress('imported', done, IMPORT_PARTNERS),
  };
  const first = await timed(() => importFile(options));
  if (first.result.created !== IMPORT_PARTNERS)
    throw new Error(`import: ${JSON.stringify({ ...first.result, rows: first.result.rows.slice(0, 3) })}`);
  // The local publisher holds off while commits keep coming (local/event-publisher.ts): its marks are made
  // after the import, and timed here, so that neither the re-run nor the floors measured next share the engine.
  const published = await timed(() => system.eventsPublished());
  const again = await timed(() => importFile(options));
  if (again.result.unchanged !== IMPORT_PARTNERS) throw new Error(`re-run: ${JSON.stringify(again.result)}`);
  return { seconds: first.seconds, publishedSeconds: published.seconds, rerunSeconds: again.seconds };
}

/** A plain, a disputed and an escalated cut on the virtual clock; their StateEntered events. */
async function stateTransitions(system: LocalSystem, api: ApiClient, token: string, happyChangeId: string) {
  const sfn = createStepFunctionsClient(system.stepFunctionsEndpoint);
  const entered = async (changeId: string) =>
    (await statesEntered(sfn, system.stateMachineArn, changeId)).length;
  const cut = async (product: string) => {
    const response = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token,
      json: {
        partnerId: 'bench-partner-0',
        currentRatePct: 12,
        newRatePct: 11,
        effectiveDate: isoDateAfter(await api.now(), 31),
        rationale: realRationale,
        scope: { products: [product] },
      },
    });
    await api.approve(response.body.changeId);
    const notice = (await api.messagesOf(response.body.changeId, ['notice'])).at(-1)!;
    return { changeId: response.body.changeId, link: new URL(notice.links[0]!) };
  };
  const form = (link: URL, extra: Record<string, string> = {}) => ({
    form: { token: link.searchParams.get('token')!, ...extra },
  });
  const disputed = await cut('bench-disputed');
  const escalated = await cut('bench-escalated');
  const expectOk = (what: string, response: { status: number; text: string }) => {
    if (response.status !== 200) throw new Error(`${what}: ${response.status} ${response.text}`);
  };
  expectOk(
    'concern',
    await api.request(
      'POST',
      `${disputed.link.pathname}/concern`,
      form(disputed.link, { comment: 'The timing hurts our quarter badly.' }),
    ),
  );
  await api.settle();
  expectOk(
    'dispute answer',
    await api.request('POST', `/api/changes/${disputed.changeId}/dispute-resolution`, {
      token: await api.token('partner-manager', 'dana'),
      json: { outcome: 'upheld', answer: 'Deals registered this quarter keep the current rate.' },
    }),
  );
  expectOk(
    'acknowledge (disputed)',
    await api.request('POST', `${disputed.link.pathname}/acknowledgement`, form(disputed.link)),
  );
  await api.advance(12);
  expectOk(
    'acknowledge (escalated)',
    await api.request('POST', `${escalated.link.pathname}/acknowledgement`, form(escalated.link)),
  );
  await api.advance(20);
  const result = {
    happy: await entered(happyChangeId),
    disputed: await entered(disputed.changeId),
    escalated: await entered(escalated.changeId),
    happyLogBytes: historyLogBytes(await executionHistory(sfn, system.stateMachineArn, happyChangeId)),
  };
  sfn.destroy();
  return result;
}

type Figures = Record<string, unknown>;

function printTable(
  figures: {
    endToEndChangesPerSecond: number;
    writeFloorChangesPerSecond: number;
    shareOfWriteFloor: number;
    rawTransactWritesPerSecond: number;
    transactionsPerChange: number;
    dynamoDbRequestsPerChange: number;
    dynamoDbReadsPerChange: number;
    requestsByCommand: Record<string, number>;
    acknowledgementLatencyMs: { p50: number; p99: number };
    minimalCallLatencyMs: { p50: number; p99: number };
    acknowledgementsPerSecond: number;
    minimalCallsPerSecond: number;
    stateTransitions: { happy: number; disputed: number; escalated: number };
    usagePerChange: Usage;
    costPer1000Changes: Cost;
    pricesChecked: string;
    eventsPublishedPerSecond: number;
    eventsPerChange: number;
    publisherRequestsPerChange: number;
    import: {
      partners: number;
      seconds: number;
      rowsPerSecond: number;
      eventsPublishedAfterSeconds: number;
      rerunSeconds: number;
      rerunRowsPerSecond: number;
      itemsPerRow: number;
      floorRowsPerSecond: number;
      shareOfWriteFloor: number;
    };
    trust: {
      ledgerEvents: number;
      scoreMs: number;
      rawQueryMs: number;
      scoreShareOfRawQuery: number;
      portfolioPartners: number;
      portfolioMs: number;
      rawScansMs: number;
      portfolioShareOfRawScans: number;
    };
    console: BundleFigures;
    lambdaBundles: LambdaBundleFigures;
    policyFanOut: {
      baseline: FanOutFigures;
      measured: FanOutFigures;
      rssGrowth: number;
      costPer10kPartnersUsd: number;
    };
    auditTrail: { baseline: AuditFigures; measured: AuditFigures; exportRssGrowth: number };
    bootSeconds: number;
    phasesSeconds: Record<string, number>;
  },
  previous: Figures | undefined,
): void {
  const before = (path: string): string => {
    let value: unknown = previous;
    for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    return typeof value === 'number' ? fixed(value) : '';
  };
  const fixed = (value: number) =>
    Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  const rows: [string, string, string, string, string][] = [
    ['figure', 'value', 'floor / target', 'verdict', 'before'],
    [
      'end to end, changes/s',
      fixed(figures.endToEndChangesPerSecond),
      `${fixed(figures.writeFloorChangesPerSecond)} (raw writes allow)`,
      `${(figures.shareOfWriteFloor * 100).toFixed(0)} % of floor, target ≥ ${TARGET_FLOOR_SHARE * 100} %: ${figures.shareOfWriteFloor >= TARGET_FLOOR_SHARE ? 'met' : 'NOT met'}`,
      before('endToEndChangesPerSecond'),
    ],
    [
      '  raw TransactWrite(4)/s, same run',
      fixed(figures.rawTransactWritesPerSecond),
      '',
      `÷ ${fixed(figures.transactionsPerChange)} transactions per change`,
      before('rawTransactWritesPerSecond'),
    ],
    [
      'DynamoDB requests per change',
      fixed(figures.dynamoDbRequestsPerChange),
      `target ≤ ${TARGET_REQUESTS_PER_CHANGE}`,
      figures.dynamoDbRequestsPerChange <= TARGET_REQUESTS_PER_CHANGE ? 'met' : 'NOT met',
      before('dynamoDbRequestsPerChange'),
    ],
    ['  of which reads', fixed(figures.dynamoDbReadsPerChange), '', '', before('dynamoDbReadsPerChange')],
    ...Object.entries(figures.requestsByCommand)
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]): [string, string, string, string, string] => [
        `    ${name}`,
        fixed(count),
        '',
        '',
        before(`requestsByCommand.${name}`),
      ]),
    [
      'acknowledgement p50 / p99, ms',
      `${fixed(figures.acknowledgementLatencyMs.p50)} / ${fixed(figures.acknowledgementLatencyMs.p99)}`,
      `${fixed(figures.minimalCallLatencyMs.p50)} / ${fixed(figures.minimalCallLatencyMs.p99)} (minimal call)`,
      '',
      previous ? `${before('acknowledgementLatencyMs.p50')} / ${before('acknowledgementLatencyMs.p99')}` : '',
    ],
    [
      'acknowledgements/s',
      fixed(figures.acknowledgementsPerSecond),
      `${fixed(figures.minimalCallsPerSecond)} (minimal call)`,
      '',
      before('acknowledgementsPerSecond'),
    ],
    [
      'state transitions: happy',
      String(figures.stateTransitions.happy),
      '',
      '',
      before('stateTransitions.happy'),
    ],
    ['  disputed', String(figures.stateTransitions.disputed), '', '', before('stateTransitions.disputed')],
    ['  escalated', String(figures.stateTransitions.escalated), '', '', before('stateTransitions.escalated')],
    ...usageRows(
      `cost per 1,000 commission changes, USD (list prices ${figures.pricesChecked})`,
      figures.costPer1000Changes,
      figures.usagePerChange,
      'per change',
      'costPer1000Changes.totalUsd',
      fixed,
      before,
    ),
    [
      'events published/s (loopback webhook)',
      fixed(figures.eventsPublishedPerSecond),
      `${fixed(figures.rawTransactWritesPerSecond)} raw TransactWrite(4)/s, same run`,
      '',
      before('eventsPublishedPerSecond'),
    ],
    ['  public events per change', fixed(figures.eventsPerChange), '', '', before('eventsPerChange')],
    [
      '  publisher DynamoDB requests per change',
      fixed(figures.publisherRequestsPerChange),
      '(in the requests per change above)',
      '',
      before('publisherRequestsPerChange'),
    ],
    [
      `import ${figures.import.partners} partners, rows/s`,
      fixed(figures.import.rowsPerSecond),
      `${fixed(figures.import.floorRowsPerSecond)} raw TransactWrite(${figures.import.itemsPerRow})/s: one per row`,
      `${(figures.import.shareOfWriteFloor * 100).toFixed(0)} % of floor; ${fixed(figures.import.seconds)} s, target 10,000 ≤ ${TARGET_IMPORT_SECONDS} s${figures.import.partners < 10_000 ? ' (extrapolated)' : ''}: ${(figures.import.seconds * 10_000) / figures.import.partners <= TARGET_IMPORT_SECONDS ? 'met' : 'NOT met'}`,
      before('import.rowsPerSecond'),
    ],
    ['  import seconds', fixed(figures.import.seconds), '', '', before('import.seconds')],
    [
      '  its events all published, s after it',
      fixed(figures.import.eventsPublishedAfterSeconds),
      '',
      'the outbox drained once the commits pause',
      before('import.eventsPublishedAfterSeconds'),
    ],
    [
      '  re-run (all unchanged), rows/s',
      fixed(figures.import.rerunRowsPerSecond),
      '',
      `${fixed(figures.import.rerunSeconds)} s, nothing written`,
      before('import.rerunRowsPerSecond'),
    ],
    [
      'console initial JS, kB gzip',
      fixed(figures.console.initialJsGzipKb),
      `${fixed(figures.console.reactFloorJsGzipKb)} (an empty React root)`,
      '',
      before('console.initialJsGzipKb'),
    ],
    [
      '  initial CSS, kB gzip',
      fixed(figures.console.initialCssGzipKb),
      '',
      '',
      before('console.initialCssGzipKb'),
    ],
    ...Object.entries(figures.console.pageChunksGzipKb).map(
      ([page, size]): [string, string, string, string, string] => [
        `  page ${page}, kB gzip (on first visit)`,
        fixed(size),
        '',
        '',
        before(`console.pageChunksGzipKb.${page}`),
      ],
    ),
    [
      `trust score, ${figures.trust.ledgerEvents} ledger events, ms`,
      fixed(figures.trust.scoreMs),
      `${fixed(figures.trust.rawQueryMs)} (raw Query of the same items)`,
      `× ${fixed(figures.trust.scoreShareOfRawQuery)} the raw read`,
      before('trust.scoreMs'),
    ],
    [
      `trust portfolio, ${figures.trust.portfolioPartners} partners, ms`,
      fixed(figures.trust.portfolioMs),
      `${fixed(figures.trust.rawScansMs)} (raw Scans of the same items)`,
      `× ${fixed(figures.trust.portfolioShareOfRawScans)} the raw reads`,
      before('trust.portfolioMs'),
    ],
    ...lambdaBundleRows(figures.lambdaBundles, fixed, before),
    ...fanOutRows(figures.policyFanOut, fixed, before),
    ...auditRows(figures.auditTrail, fixed, before),
    ['local system boot, s', fixed(figures.bootSeconds), '', '', before('bootSeconds')],
    ...Object.entries(figures.phasesSeconds).map(
      ([phase, seconds]): [string, string, string, string, string] => [
        `phase ${phase}, s`,
        fixed(seconds),
        '',
        '',
        before(`phasesSeconds.${phase}`),
      ],
    ),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log('');
  for (const [index, row] of rows.entries()) {
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((width) => '─'.repeat(width)).join('  '));
  }
}

type Row = [string, string, string, string, string];

/** A cost and the measured usage it is priced from (bench/cost.ts). */
function usageRows(
  label: string,
  cost: Cost,
  usage: Usage,
  per: string,
  costPath: string,
  fixed: (value: number) => string,
  before: (path: string) => string,
): Row[] {
  return [
    [label, `$${cost.totalUsd.toFixed(4)}`, describeCost(cost), '', before(costPath)],
    [
      `  ${per}: DynamoDB read / write units`,
      `${fixed(usage.dynamoDbReadUnits)} / ${fixed(usage.dynamoDbWriteUnits)}`,
      '',
      '',
      '',
    ],
    [
      `  ${per}: Lambda invocations, handler ms`,
      `${fixed(usage.lambdaInvocations)}, ${fixed(usage.lambdaMilliseconds)}`,
      `${fixed(usage.httpApiRequests)} HTTP API requests`,
      '',
      '',
    ],
    [
      `  ${per}: state transitions, emails, events, log KB`,
      `${fixed(usage.stateTransitions)}, ${fixed(usage.emails)}, ${fixed(usage.events)}, ${fixed(usage.logBytes / 1024)}`,
      '',
      '',
      '',
    ],
  ];
}

function fanOutRows(
  fanOut: { baseline: FanOutFigures; measured: FanOutFigures; rssGrowth: number },
  fixed: (value: number) => string,
  before: (path: string) => string,
): Row[] {
  const { baseline, measured } = fanOut;
  const at10k = (measured.seconds * 10_000) / measured.partners;
  return [
    [
      `policy fan-out to ${measured.partners} partners (2 contacts), s`,
      fixed(measured.seconds),
      `target 10,000 < ${TARGET_FAN_OUT_SECONDS_10K} s`,
      `${fixed(at10k)} s for 10,000${measured.partners < 10_000 ? ' (extrapolated)' : ''}: ${at10k < TARGET_FAN_OUT_SECONDS_10K ? 'met' : 'NOT met'}`,
      before('policyFanOut.measured.seconds'),
    ],
    [
      '  partners/s',
      fixed(measured.partnersPerSecond),
      `${fixed(measured.floorPartnersPerSecond)} the raw writes allow (${fixed(measured.rawItemsPerSecond)} items/s ÷ writes per partner)`,
      `${(measured.shareOfWriteFloor * 100).toFixed(0)} % of floor`,
      before('policyFanOut.measured.partnersPerSecond'),
    ],
    [
      '  DynamoDB writes per partner',
      fixed(measured.writesPerPartner),
      `target ≤ ${TARGET_WRITES_PER_PARTNER}`,
      measured.writesPerPartner <= TARGET_WRITES_PER_PARTNER ? 'met' : 'NOT met',
      before('policyFanOut.measured.writesPerPartner'),
    ],
    ['  emails (primary contacts)', String(measured.emails), '', '', before('policyFanOut.measured.emails')],
    [
      '  state transitions billed, per partner',
      fixed(measured.stateTransitions.perPartner),
      `parent ${measured.stateTransitions.parent} + ${measured.stateTransitions.children} children`,
      `$${measured.stateTransitions.costUsd.toFixed(5)} per change; × ${fixed(10_000 / measured.partners)} for 10,000: $${((measured.stateTransitions.costUsd * 10_000) / measured.partners).toFixed(4)}`,
      before('policyFanOut.measured.stateTransitions.perPartner'),
    ],
    ...usageRows(
      `  cost per 10,000-partner policy change, USD${measured.partners < 10_000 ? ` (× ${fixed(10_000 / measured.partners)} of ${measured.partners})` : ''}`,
      costOf(measured.usage, 10_000 / measured.partners),
      measured.usage,
      `per ${measured.partners}-partner change`,
      'policyFanOut.costPer10kPartnersUsd',
      fixed,
      before,
    ),
    [
      '  peak RSS, MB',
      fixed(measured.peakRssMb),
      `${fixed(baseline.peakRssMb)} at ${baseline.partners} partners`,
      `× ${fixed(fanOut.rssGrowth)}, target ≤ ${TARGET_RSS_GROWTH}: ${fanOut.rssGrowth <= TARGET_RSS_GROWTH ? 'met' : 'NOT met'}`,
      before('policyFanOut.measured.peakRssMb'),
    ],
  ];
}

function auditRows(
  audit: { baseline: AuditFigures; measured: AuditFigures; exportRssGrowth: number },
  fixed: (value: number) => string,
  before: (path: string) => string,
): Row[] {
  const { baseline, measured } = audit;
  const { verify } = measured;
  return [
    [
      `audit verify of ${measured.entries} entries (${measured.streams} streams), entries/s`,
      fixed(verify.entriesPerSecond),
      `raw Query ${fixed(verify.rawQueryEntriesPerSecond)}/s; raw SHA-256 ${fixed(verify.rawSha256EntriesPerSecond)}/s`,
      `${((verify.entriesPerSecond / verify.rawQueryEntriesPerSecond) * 100).toFixed(0)} % of the read floor; ${verify.intact ? 'intact' : 'NOT intact'}`,
      before('auditTrail.measured.verify.entriesPerSecond'),
    ],
    [
      `audit export of ${measured.entries} entries, entries/s`,
      fixed(measured.export.entriesPerSecond),
      `${fixed(measured.export.megabytes)} MB of JSON Lines in ${fixed(measured.export.seconds)} s`,
      '',
      before('auditTrail.measured.export.entriesPerSecond'),
    ],
    [
      '  export peak RSS, MB',
      fixed(measured.export.peakRssMb),
      `${fixed(baseline.export.peakRssMb)} at ${baseline.entries} entries`,
      `× ${fixed(audit.exportRssGrowth)}, target ≤ ${TARGET_EXPORT_RSS_GROWTH}: ${audit.exportRssGrowth <= TARGET_EXPORT_RSS_GROWTH ? 'met' : 'NOT met'}`,
      before('auditTrail.measured.export.peakRssMb'),
    ],
  ];
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
