/**
 * Executions persisted in DynamoDB (the `localExecutionsTable`, keyed by executionArn), so a restart can
 * find and re-drive the RUNNING ones. Only the execution itself is stored — input, status, output/error,
 * dates (virtual clock, ISO strings) — never its progress: a re-drive starts from the beginning.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The input exactly as given to StartExecution (a JSON text). */
  input: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  /** JSON text of the output, when SUCCEEDED. */
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionOutcome {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  stopDate: string;
  output?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
}

function isConditionalCheckFailure(error: unknown): boolean {
  return (error as Error).name === 'ConditionalCheckFailedException';
}

export class ExecutionStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores a new execution; returns the existing one instead if its ARN is taken. */
  async create(
    record: ExecutionRecord,
  ): Promise<{ created: true } | { created: false; existing: ExecutionRecord }> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(executionArn)',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const existing = await this.get(record.executionArn);
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  async get(executionArn: string): Promise<ExecutionRecord | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: { executionArn }, ConsistentRead: true }),
    );
    return Item as ExecutionRecord | undefined;
  }

  /** Closes a RUNNING execution; false (and no change) if it was not RUNNING any more. */
  async finish(executionArn: string, outcome: ExecutionOutcome): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status', '#stopDate': 'stopDate' };
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':stopDate': outcome.stopDate,
      ':running': 'RUNNING',
    };
    const sets = ['#status = :status', '#stopDate = :stopDate'];
    for (const key of ['output', 'error', 'cause'] as const) {
      const value = outcome[key];
      if (value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { executionArn },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  /** Every execution matching the filters (a Scan: the table only holds local executions). */
  async list(
    filter: { stateMachineArn?: string; status?: ExecutionStatus } = {},
  ): Promise<ExecutionRecord[]> {
    const conditions: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (filter.stateMachineArn !== undefined) {
      conditions.push('#stateMachineArn = :stateMachineArn');
      names['#stateMachineArn'] = 'stateMachineArn';
      values[':stateMachineArn'] = filter.stateMachineArn;
    }
    if (filter.status !== undefined) {
      conditions.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = filter.status;
    }
    const records: ExecutionRecord[] = [];
    const pages = paginateScan(
      { client: this.documentClient },
      {
        TableName: this.tableName,
        ConsistentRead: true,
        ...(conditions.length > 0
          ? {
              FilterExpression: conditions.join(' AND '),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }
          : {}),
      },
    );
    for await (const page of pages) records.push(...((page.Items ?? []) as ExecutionRecord[]));
    return records;
  }
}
