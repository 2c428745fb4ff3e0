/** What the benchmarks share: a child process that prints its figures as one JSON line, bulk writes, and the meters of DynamoDB usage and task invocations the cost figures are priced from. */
import { spawn } from 'node:child_process';
import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { allTables } from '../functions/adapters/dynamodb/table-definitions.ts';

/** Items per BatchWriteItem (DynamoDB's limit), and the bound on re-sending unprocessed ones. */
const BATCH_ITEMS = 25;
const MAX_BATCH_ATTEMPTS = 8;

/**
 * Runs `node --import tsx SCRIPT ...ARGS` (its progress on our stderr) and answers the JSON line it prints
 * last: a figure measured in a process of its own, so its peak RSS is its own.
 */
export function figuresFromChild<T>(script: string, args: readonly string[], what: string): Promise<T> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${what} exited ${code}`));
      else resolveRun(JSON.parse(line) as T);
    });
  });
}

/** Writes items with BatchWriteItem, re-sending what DynamoDB Local leaves unprocessed (a bounded number of times). */
export async function batchPut(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  items: readonly object[],
): Promise<void> {
  for (let start = 0; start < items.length; start += BATCH_ITEMS) {
    let pending: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [tableName]: items
        .slice(start, start + BATCH_ITEMS)
        .map((item) => ({ PutRequest: { Item: { ...item } } })),
    };
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt === MAX_BATCH_ATTEMPTS) throw new Error(`${tableName}: writes left unprocessed`);
      pending = (await documentClient.send(new BatchWriteCommand({ RequestItems: pending })))
        .UnprocessedItems as typeof pending;
    }
  }
}

/** Commands that read; every other command the product sends writes (and is billed in write units). */
const READ_COMMANDS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/** What a metered window cost DynamoDB: requests by command, items written, capacity units consumed. */
export interface DynamoDbUsage {
  requests: Map<string, number>;
  /** Items put, updated or deleted (condition checks not included). */
  itemsWritten: number;
  readUnits: number;
  writeUnits: number;
  /** Requests the `tag` callback marked, by tag (e.g. the event publisher's own). */
  tagged: Map<string, number>;
  /** Capacity units by table (its logical name's suffix as deployed), indexes included. */
  unitsByTable: Map<string, number>;
}

interface Capacity {
  TableName?: string;
  CapacityUnits?: number;
}

/**
 * Meters the product's DynamoDB requests between start() and stop(): each request (on a product table, not
 * the local stand-ins for SES and Step Functions) is counted by command and asked for its consumed capacity
 * (`ReturnConsumedCapacity: TOTAL`, which DynamoDB Local computes as DynamoDB bills it: 1 KB per write unit,
 * 4 KB per read unit, half for an eventually consistent read, double in a transaction). On-demand tables bill
 * exactly those units, so they are what the cost figures are priced from.
 */
export function meterDynamoDb(
  documentClient: DynamoDBDocumentClient,
  tag?: (command: string, input: Record<string, unknown>) => string | undefined,
) {
  const localOnly = allTables.filter((table) => table.localOnly).map((table) => table.logicalName);
  const isLocal = (table: string | undefined) => localOnly.some((name) => (table ?? '').endsWith(name));
  let enabled = false;
  const usage: DynamoDbUsage = {
    requests: new Map(),
    itemsWritten: 0,
    readUnits: 0,
    writeUnits: 0,
    tagged: new Map(),
    unitsByTable: new Map(),
  };
  documentClient.middlewareStack.add(
    (next, context) => async (request) => {
      if (!enabled) return next(request);
      const input = (request as { input: Record<string, unknown> }).input;
      if (tablesOf(input).every(isLocal)) return next(request);
      const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
      usage.requests.set(command, (usage.requests.get(command) ?? 0) + 1);
      const marked = tag?.(command, input);
      if (marked) usage.tagged.set(marked, (usage.tagged.get(marked) ?? 0) + 1);
      usage.itemsWritten += itemsWrittenBy(command, input, isLocal);
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(request);
      const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      const entries = [consumed ?? []].flat().filter((entry) => !isLocal(entry.TableName));
      for (const entry of entries) {
        const table = entry.TableName ?? 'unknown';
        usage.unitsByTable.set(table, (usage.unitsByTable.get(table) ?? 0) + (entry.CapacityUnits ?? 0));
      }
      const units = entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
      if (READ_COMMANDS.has(command)) usage.readUnits += units;
      else usage.writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchDynamoDbMeter' },
  );
  return {
    start: () => {
      enabled = true;
    },
    stop: (): DynamoDbUsage => {
      enabled = false;
      return {
        ...usage,
        requests: new Map(usage.requests),
        tagged: new Map(usage.tagged),
        unitsByTable: new Map(usage.unitsByTable),
      };
    },
  };
}

type TransactItem = Record<string, { TableName?: string } | undefined>;

function tablesOf(input: Record<string, unknown>): string[] {
  if (typeof input.TableName === 'string') return [input.TableName];
  if (Array.isArray(input.TransactItems))
    return (input.TransactItems as TransactItem[]).flatMap((item) =>
      Object.values(item).flatMap((operation) => (operation?.TableName ? [operation.TableName] : [])),
    );
  if (input.RequestItems && typeof input.RequestItems === 'object') return Object.keys(input.RequestItems);
  return [];
}

function itemsWrittenBy(
  command: string,
  input: Record<string, unknown>,
  isLocal: (table: string | undefined) => boolean,
): number {
  switch (command) {
    case 'TransactWriteItems':
      return (input.TransactItems as TransactItem[]).filter((item) => {
        const write = item.Put ?? item.Update ?? item.Delete;
        return write !== undefined && !isLocal(write.TableName);
      }).length;
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems as Record<string, unknown[]>)
        .filter(([table]) => !isLocal(table))
        .reduce((sum, [, requests]) => sum + requests.length, 0);
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return 1;
    default:
      return 0;
  }
}

interface HandlerTotals {
  invocations: number;
  milliseconds: number;
  /** JSON bytes of the inputs and outputs (what a state machine logs of a task). */
  inputBytes: number;
  outputBytes: number;
}

const jsonBytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));

/**
 * Invocations of, and time in, handlers (workflow tasks, the HTTP API): on AWS each call is one billed Lambda
 * invocation, billed for the time its handler runs.
 */
export function meterHandlers() {
  let totals: HandlerTotals = { invocations: 0, milliseconds: 0, inputBytes: 0, outputBytes: 0 };
  return {
    wrap:
      <Input, Output>(_name: string, handler: (input: Input) => Promise<Output>) =>
      async (input: Input): Promise<Output> => {
        const began = performance.now();
        let output: Output | undefined;
        try {
          output = await handler(input);
          return output;
        } finally {
          totals.invocations += 1;
          totals.milliseconds += performance.now() - began;
          totals.inputBytes += jsonBytes(input);
          totals.outputBytes += jsonBytes(output);
        }
      },
    totals: (): HandlerTotals => ({ ...totals }),
    reset: () => {
      totals = { invocations: 0, milliseconds: 0, inputBytes: 0, outputBytes: 0 };
    },
  };
}

/** Items in a table (a paginated COUNT scan). */
export async function countItems(documentClient: DynamoDBDocumentClient, tableName: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}
