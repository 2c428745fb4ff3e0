/**
 * `npm run bench`: local end-to-end throughput of N commission changes (submit → approve → notice →
 * acknowledge → applied) over real HTTP, beside two floors measured in the same run: the raw DynamoDB Local
 * write throughput on the same emulator, and a minimal HTTP round trip through the same server, authorizer
 * and router (a 404). Also the DynamoDB requests and state transitions per change. Prints figures; asserts
 * only correctness.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ALL_SCOPE } from '../functions/domain/rate-schedule.ts';
import { startLocalSystem } from '../local/system.ts';
import { ApiClient, isoDateAfter, realRationale } from '../test/support/api-client.ts';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const RAW_WRITES = Number(process.env.BENCH_RAW_WRITES ?? 2000);
const PARTNERS = 20;

async function inParallel<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await work(index);
      }
    }),
  );
  return results;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const began = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - began) / 1000 };
}

function rate(count: number, seconds: number): string {
  return `${(count / seconds).toFixed(0).padStart(6)} /s`;
}

async function rawDynamoDbThroughput(endpoint: string) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
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
  const item = (index: number) => ({
    pk: `item-${index}-${randomUUID()}`,
    payload: 'x'.repeat(400),
    n: index,
  });
  const put = (index: number) => documentClient.send(new PutCommand({ TableName: table, Item: item(index) }));
  const transact = (index: number) =>
    documentClient.send(
      new TransactWriteCommand({
        TransactItems: [0, 1, 2, 3].map((offset) => ({
          Put: { TableName: table, Item: item(index * 4 + offset) },
        })),
      }),
    );
  const sequentialPut = await timed(() => inParallel(RAW_WRITES / 2, 1, put));
  const concurrentPut = await timed(() => inParallel(RAW_WRITES, 16, put));
  const sequentialTransact = await timed(() => inParallel(RAW_WRITES / 4, 1, transact));
  const concurrentTransact = await timed(() => inParallel(RAW_WRITES / 2, 16, transact));
  return {
    putSequential: RAW_WRITES / 2 / sequentialPut.seconds,
    put16: RAW_WRITES / concurrentPut.seconds,
    transactSequential: RAW_WRITES / 4 / sequentialTransact.seconds,
    transact16: RAW_WRITES / 2 / concurrentTransact.seconds,
  };
}

async function main() {
  console.log(
    `Partner Change Notice — local end-to-end benchmark (${CHANGES} changes, ${CONCURRENCY} concurrent clients)`,
  );
  const boot = await timed(() => startLocalSystem({ frozenAt: new Date('2026-11-23T09:00:00.000Z') }));
  const system = boot.result;
  try {
    for (let index = 0; index < PARTNERS; index += 1) {
      const partnerId = `bench-partner-${index}`;
      await system.deps.partners.create(
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
        },
        [
          {
            partnerId,
            scopeKey: ALL_SCOPE,
            effectiveFrom: '2025-01-01',
            ratePct: 12,
            recordedAt: '2025-01-01T00:00:00.000Z',
          },
        ],
      );
    }
    // Count every DynamoDB request the system makes (handlers, outbox and workflow executions share this client).
    const requests = new Map<string, number>();
    system.deps.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        requests.set(name, (requests.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCounter' },
    );
    const api = new ApiClient(system.baseUrl);
    const token = await api.token('finance', 'bench');
    const approver = await api.token('approver', 'amara');
    // The floor of one API call: the same server, authorizer and router, answering a 404 with no I/O.
    const FLOOR_CALLS = 1000;
    const floor = await timed(() =>
      inParallel(FLOOR_CALLS, CONCURRENCY, async () => {
        const response = await api.request('GET', '/api/no-such-route', { token });
        if (response.status !== 404) throw new Error(`floor: ${response.status}`);
      }),
    );
    const now = await api.now();
    const effectiveDate = isoDateAfter(now, 31);

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
          return response.body.changeId;
        }),
      );
      await system.settle();
      const approve = await timed(() =>
        inParallel(submit.result.length, CONCURRENCY, async (index) => {
          const response = await api.request('POST', `/api/changes/${submit.result[index]}/approval`, {
            token: approver,
            json: { decision: 'approve', comment: 'Benchmark approval.' },
          });
          if (response.status !== 200)
            throw new Error(`approve ${index}: ${response.status} ${response.text}`);
        }),
      );
      const notify = await timed(() => system.settle());
      const links = (await system.outbox.list())
        .filter((message) => message.kind === 'notice')
        .map((message) => new URL(message.links[0]!));
      if (links.length !== CHANGES) throw new Error(`expected ${CHANGES} notices, found ${links.length}`);
      const acknowledge = await timed(() =>
        inParallel(links.length, CONCURRENCY, async (index) => {
          const link = links[index]!;
          const response = await api.request('POST', `${link.pathname}/acknowledgement`, {
            form: { token: link.searchParams.get('token')! },
          });
          if (response.status !== 200) throw new Error(`acknowledge ${index}: ${response.status}`);
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

    const { changeIds, phases } = total.result;
    const requestsDuringRun = new Map(requests);
    const totalRequests = [...requestsDuringRun.values()].reduce((sum, count) => sum + count, 0);
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

    const sfn = new SFNClient({
      endpoint: system.stepFunctionsEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const sample = changeIds.slice(0, 20);
    const transitions = await Promise.all(
      sample.map(async (changeId) => {
        const history = await sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: `${system.stateMachineArn.replace(':stateMachine:', ':execution:')}:${changeId}`,
            maxResults: 1000,
          }),
        );
        return (history.events ?? []).filter((event) => (event.type ?? '').endsWith('StateEntered')).length;
      }),
    );
    const raw = await rawDynamoDbThroughput(system.dynamodbEndpoint);

    console.log(`
Local system boot (DynamoDB Local + tables + workflow runtime + HTTP): ${boot.seconds.toFixed(2)} s

End to end, ${CHANGES} changes (submit → approve → notice email → acknowledge → notice period on the virtual clock → applied):
  total                      ${total.seconds.toFixed(2).padStart(7)} s   ${rate(CHANGES, total.seconds)} changes
  submit  (HTTP, ${String(CONCURRENCY).padStart(2)} clients)   ${phases.submit.toFixed(2).padStart(7)} s   ${rate(CHANGES, phases.submit)}
  approve (HTTP POST)        ${phases.approve.toFixed(2).padStart(7)} s   ${rate(CHANGES, phases.approve)}
  notify  (workflow)         ${phases.notify.toFixed(2).padStart(7)} s
  acknowledge (HTTP POST)    ${phases.acknowledge.toFixed(2).padStart(7)} s   ${rate(CHANGES, phases.acknowledge)}
  apply   (clock +31 days)   ${phases.apply.toFixed(2).padStart(7)} s   ${rate(CHANGES, phases.apply)}
  all ${CHANGES} applied: yes

DynamoDB requests per change: ${(totalRequests / CHANGES).toFixed(1)} (${[...requestsDuringRun.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]) => `${name.replace(/Command$/, '')} ${(count / CHANGES).toFixed(1)}`)
      .join(', ')})
  i.e. ${(totalRequests / total.seconds).toFixed(0)} DynamoDB requests/s sustained end to end

State transitions per change (StateEntered events, sample of ${sample.length}): min ${Math.min(...transitions)}, max ${Math.max(...transitions)}, mean ${(transitions.reduce((a, b) => a + b, 0) / transitions.length).toFixed(1)}

Floor: a minimal API call (authorizer + router, 404), ${CONCURRENCY} clients: ${rate(FLOOR_CALLS, floor.seconds)}

Raw DynamoDB Local writes, same emulator, same run (400-byte items):
  PutItem sequential         ${rate(1, 1 / raw.putSequential)}
  PutItem 16 concurrent      ${rate(1, 1 / raw.put16)}
  TransactWrite(4) seq       ${rate(1, 1 / raw.transactSequential)}
  TransactWrite(4) 16 conc   ${rate(1, 1 / raw.transact16)}
`);
  } finally {
    await system.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
