/**
 * What the reliability tests use to probe the local system from outside: raw HTTP requests (any method, any
 * path as sent, any header, a body on any method), the reason a refusal gives, and a snapshot of every
 * DynamoDB table of the system for "nothing was written" comparisons.
 */
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import { scanAll } from '../../functions/adapters/dynamodb/all-items.ts';
import { canonicalJson } from '../../functions/domain/canonical-json.ts';

export interface RawRequest {
  method: string;
  /** Path and query exactly as they go on the request line (nothing is normalised or encoded here). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Sends one request with node:http, so a GET can carry a body and a path is not cleaned up on the way. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Closes the kept-alive sockets of rawRequest (call once a test file is done). */
export function closeRawConnections(): void {
  agent.destroy();
}

function contentTypeOf(headers: IncomingHttpHeaders | Headers): string {
  return (headers instanceof Headers ? headers.get('content-type') : headers['content-type']) ?? '';
}

/** The visible text of an HTML fragment: tags dropped, entities of escapeHtml decoded, spaces collapsed. */
export function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The headings of the partner's problem pages (functions/http/pages.ts), as a partner reads them. */
export const partnerPageTitles = {
  invalidLink: 'This link is not valid',
  foreign: 'This link belongs to another notice',
  incomplete: 'This link is incomplete',
  expired: 'This link has expired',
  invalidForm: 'Please check what you sent',
  tooLarge: 'Your message is too long',
} as const;

export type Reason =
  | { kind: 'json'; error?: string; message: string; fields?: { field: string; reason: string }[] }
  | { kind: 'page'; title: string; text: string };

/**
 * The reason a refusal states, or a sentence saying why it states none: a JSON problem with a non-empty
 * message (and, when it lists fields, a named field and a reason for each), or a partner page whose alert
 * has a heading and an explanation.
 */
export function reasonOf(response: {
  status: number;
  text: string;
  headers: IncomingHttpHeaders | Headers;
}): Reason | string {
  const type = contentTypeOf(response.headers);
  if (type.startsWith('application/json')) {
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return `a JSON content type with a body that is not JSON: ${response.text.slice(0, 200)}`;
    }
    if (typeof body !== 'object' || body === null)
      return `a JSON body that is not an object: ${response.text}`;
    const { error, message, fields } = body as { error?: unknown; message?: unknown; fields?: unknown };
    if (typeof message !== 'string' || message.trim().length === 0) return `no message: ${response.text}`;
    if (error !== undefined && typeof error !== 'string')
      return `an error that is not a string: ${response.text}`;
    if (fields !== undefined) {
      if (!Array.isArray(fields) || fields.length === 0) return `fields that name nothing: ${response.text}`;
      for (const item of fields as { field?: unknown; reason?: unknown }[]) {
        if (typeof item?.field !== 'string' || item.field.length === 0)
          return `a field without a name: ${response.text}`;
        if (typeof item.reason !== 'string' || item.reason.trim().length === 0)
          return `field ${item.field} without a reason: ${response.text}`;
      }
    }
    return {
      kind: 'json',
      ...(typeof error === 'string' ? { error } : {}),
      message,
      ...(fields ? { fields: fields as { field: string; reason: string }[] } : {}),
    };
  }
  if (type.startsWith('text/html')) {
    const alert = /<div class="problem" role="alert"><h1>([^<]+)<\/h1><p>([^<]+)<\/p><\/div>/.exec(
      response.text,
    );
    if (!alert)
      return `an HTML page without an alert naming the problem: ${visibleText(response.text).slice(0, 300)}`;
    return { kind: 'page', title: visibleText(alert[1]!), text: visibleText(alert[2]!) };
  }
  return `content type "${type}" with no readable reason: ${response.text.slice(0, 200)}`;
}

/** A reason of the form "must be a number, not a number" contradicts itself. */
export function selfContradiction(reason: string): string | undefined {
  const match = /must be (.+?), not (.+)$/.exec(reason);
  return match && match[1] === match[2] ? reason : undefined;
}

export interface TableSnapshot {
  /** Items per table, by table name. */
  counts: Record<string, number>;
  /** A hash of every item of each table (so an overwritten item shows too, not only a new one). */
  digests: Record<string, string>;
}

/**
 * Every table of the system's own DynamoDB Local (whatever the table definitions add later is included:
 * the tables are listed, not named here), each item read with a consistent scan.
 */
export async function snapshotTables(endpoint: string): Promise<TableSnapshot> {
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client);
  try {
    const names: string[] = [];
    for await (const page of paginateListTables({ client }, {})) names.push(...(page.TableNames ?? []));
    const counts: Record<string, number> = {};
    const digests: Record<string, string> = {};
    for (const name of names.sort()) {
      const items = await scanAll<Record<string, unknown>>(documentClient, {
        TableName: name,
        ConsistentRead: true,
      });
      counts[name] = items.length;
      digests[name] = createHash('sha256')
        .update(
          items
            .map((item) => canonicalJson(item))
            .sort()
            .join('\n'),
        )
        .digest('hex');
    }
    return { counts, digests };
  } finally {
    client.destroy();
  }
}
