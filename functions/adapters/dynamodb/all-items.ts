import {
  type DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** Every item a Query returns, across pages (the SDK's paginator follows LastEvaluatedKey). */
export async function queryAll<T>(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateQuery({ client }, input)) items.push(...((page.Items ?? []) as T[]));
  return items;
}

/** Every item a Scan returns, across pages. */
export async function scanAll<T>(client: DynamoDBDocumentClient, input: ScanCommandInput): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateScan({ client }, input)) items.push(...((page.Items ?? []) as T[]));
  return items;
}
