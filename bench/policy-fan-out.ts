/**
 * The policy fan-out figure (issue 10): one favourable policy change to every partner of a synthetic
 * directory (functions/directory/synthetic.ts, two contacts each), from submit until every notice is in the
 * outbox and the change is `notified`, on the local system with the real ASL (its Distributed Map over the
 * manifest in the local S3). Beside it, measured in the same run on the same DynamoDB Local: the raw write
 * rate of transactions the size of a batch's, the floor of partners/s those writes allow at the measured
 * writes per partner. The state transitions AWS would bill are counted from the parent's history (its
 * StateEntered events) plus one per child execution (SendBatch, with its retries) — children run in process
 * locally and have no history of their own (packages/local-step-functions/README.md).
 *
 * Run alone (`node --import tsx bench/policy-fan-out.ts --partners 1000`) it prints its figures as one JSON
 * line; bench/end-to-end.ts runs it in a child process per size, so each size's peak RSS is its own.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import { createStepFunctionsClient } from '../functions/adapters/step-functions/workflow-gateway.ts';
import { syntheticPartners } from '../functions/directory/synthetic.ts';
import { createPartnersTogether } from '../functions/directory/write.ts';
import type { PartnerContact } from '../functions/domain/partner.ts';
import { startLocalSystem } from '../local/system.ts';
import { ApiClient, isoDateAfter, realRationale } from '../test/support/api-client.ts';
import { executionHistory, historyLogBytes } from '../test/support/executions.ts';
import { inParallel } from '../test/support/reliability.ts';
import { listPrices, type Usage } from './cost.ts';
import { countItems, meterDynamoDb, meterHandlers } from './support.ts';

/** Items in one raw floor transaction: a notice batch's (25 recipients, the counters, audit head and entry). */
const FLOOR_ITEMS = 28;
const FLOOR_TRANSACTIONS = 300;
/** The map's MaxConcurrency: the floor is written as many at a time. */
const FLOOR_CONCURRENCY = 10;
/** Partners created per call (createPartnersTogether packs them into transactions of up to 100 items). */
const CREATE_CHUNK = 100;

export interface FanOutFigures {
  partners: number;
  contactsPerPartner: number;
  seconds: number;
  partnersPerSecond: number;
  emails: number;
  writesPerPartner: number;
  rawItemsPerSecond: number;
  floorPartnersPerSecond: number;
  shareOfWriteFloor: number;
  stateTransitions: { parent: number; children: number; perPartner: number; costUsd: number };
  /** What the whole policy change used (bench/cost.ts prices it). */
  usage: Usage;
  peakRssMb: number;
}

/** Exactly two contacts per partner (the directory): a primary, and a fallback or a second primary. */
function twoContacts(partnerId: string, contacts: readonly PartnerContact[]): PartnerContact[] {
  const primary = contacts.find((contact) => contact.role === 'primary')!;
  const second = contacts.find((contact) => contact !== primary) ?? {
    contactId: `${partnerId}-fallback`,
    name: 'Operations desk',
    email: `ops@${partnerId}.example`,
    role: 'fallback' as const,
  };
  return [primary, second];
}

async function rawItemsPerSecond(endpoint: string): Promise<number> {
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client);
  const table = `bench_fanout_${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  const began = performance.now();
  await inParallel(FLOOR_TRANSACTIONS, FLOOR_CONCURRENCY, () =>
    documentClient.send(
      new TransactWriteCommand({
        // About a recipient's size: its manifest line (name, stage, two contacts, manager) and its state.
        TransactItems: Array.from({ length: FLOOR_ITEMS }, () => ({
          Put: { TableName: table, Item: { pk: randomUUID(), payload: 'x'.repeat(600) } },
        })),
      }),
    ),
  );
  const seconds = (performance.now() - began) / 1000;
  client.destroy();
  return (FLOOR_TRANSACTIONS * FLOOR_ITEMS) / seconds;
}

export async function measureFanOut(
  partners: number,
  onProgress?: (text: string) => void,
): Promise<FanOutFigures> {
  // Each batch, round and API request timed in its handler: on AWS each is a billed Lambda invocation.
  const tasks = meterHandlers();
  const httpApi = meterHandlers();
  const system = await startLocalSystem({
    frozenAt: new Date('2026-11-23T09:00:00.000Z'),
    longLived: true,
    faults: { task: tasks.wrap, httpApi: (handler) => httpApi.wrap('http-api', handler) },
  });
  try {
    const directory = syntheticPartners(partners, 7).map((partner) => ({
      ...partner,
      region: 'BENCH',
      contacts: twoContacts(partner.partnerId, partner.contacts),
    }));
    for (let start = 0; start < directory.length; start += CREATE_CHUNK) {
      const outcomes = await createPartnersTogether(
        system.deps,
        directory.slice(start, start + CREATE_CHUNK),
        'seed',
      );
      if (outcomes.some((outcome) => outcome.outcome !== 'created'))
        throw new Error('synthetic partner not created');
      onProgress?.(`directory ${Math.min(start + CREATE_CHUNK, partners)}/${partners}`);
    }
    const api = new ApiClient(system.baseUrl);
    const token = await api.token('partner-manager', 'dana');
    const writes = meterDynamoDb(system.deps.documentClient);
    const eventsBefore = await countItems(system.deps.documentClient, system.deps.tables.events);
    tasks.reset();
    httpApi.reset();
    writes.start();
    const began = performance.now();
    const submitted = await api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
      token,
      json: {
        title: 'Deal registration window',
        summary: 'Deals must now be registered within 14 days of first customer contact to be protected.',
        policyText:
          'Section 1. A deal is protected only when registered within 14 days of first customer contact.',
        rationale: realRationale,
        adverse: false,
        effectiveDate: isoDateAfter(await api.now(), 30),
        segment: { by: 'region', regions: ['BENCH'] },
      },
    });
    if (submitted.status !== 201) throw new Error(`submit: ${submitted.status} ${submitted.text}`);
    const id = submitted.body.policyChangeId;
    await system.settle();
    const seconds = (performance.now() - began) / 1000;
    const dynamoDb = writes.stop();
    const written = dynamoDb.itemsWritten;
    const taskTotals = tasks.totals();
    const httpTotals = httpApi.totals();
    const change = await system.deps.policyChanges.get(id);
    const coverage = await system.deps.policyRecipients.coverage(id, 1);
    if (change?.status !== 'notified' || coverage.delivered !== partners)
      throw new Error(`fan-out: ${change?.status}, ${coverage.delivered} of ${partners} delivered`);
    const emails = (await system.outbox.list()).filter((message) => message.changeId === id).length;
    const sfn = createStepFunctionsClient(system.stepFunctionsEndpoint);
    const history = await executionHistory(sfn, system.policyStateMachineArn, id);
    sfn.destroy();
    const parent = history.filter((event) => event.type?.endsWith('StateEntered')).length;
    const events = (await countItems(system.deps.documentClient, system.deps.tables.events)) - eventsBefore;
    const batches = Math.ceil(partners / 25);
    const rawItems = await rawItemsPerSecond(system.dynamodbEndpoint);
    const writesPerPartner = written / partners;
    const floor = rawItems / writesPerPartner;
    const transitions = parent + batches;
    // The children (one per batch) run in process locally and keep no history: their log is estimated from
    // the batch task's own input and output, logged with the execution's start, the task's entry, its
    // scheduling (input), and its success and the execution's end (output).
    const childLogBytes = 3 * taskTotals.inputBytes + 2 * taskTotals.outputBytes;
    const usage: Usage = {
      stateTransitions: transitions,
      lambdaInvocations: taskTotals.invocations + httpTotals.invocations,
      lambdaMilliseconds: taskTotals.milliseconds + httpTotals.milliseconds,
      httpApiRequests: httpTotals.invocations,
      dynamoDbReadUnits: dynamoDb.readUnits,
      dynamoDbWriteUnits: dynamoDb.writeUnits,
      emails,
      events,
      logBytes: historyLogBytes(history) + childLogBytes,
    };
    return {
      partners,
      contactsPerPartner: 2,
      seconds,
      partnersPerSecond: partners / seconds,
      emails,
      writesPerPartner,
      rawItemsPerSecond: rawItems,
      floorPartnersPerSecond: floor,
      shareOfWriteFloor: partners / seconds / floor,
      stateTransitions: {
        parent,
        children: batches,
        perPartner: transitions / partners,
        costUsd: transitions * listPrices.stateTransition,
      },
      usage,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await system.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const index = process.argv.indexOf('--partners');
  const partners = Number(index >= 0 ? process.argv[index + 1] : 1000);
  const figures = await measureFanOut(partners, (text) =>
    process.stderr.write(`\r  policy fan-out: ${text}   `),
  );
  process.stderr.write('\n');
  console.log(JSON.stringify(figures));
}
