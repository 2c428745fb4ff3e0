/** What the benchmarks share: a child process that prints its figures as one JSON line, and bulk writes. */
import { spawn } from 'node:child_process';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
