/**
 * The Step Functions API over loopback HTTP, in AWS's JSON 1.0 protocol, so the ordinary `SFNClient`
 * (endpoint = this server) works unchanged: POST `/`, `X-Amz-Target: AWSStepFunctions.<Operation>`,
 * a JSON body; errors are HTTP 400 with `{"__type": "<ErrorName>", "message": "..."}` (plus the
 * `x-amzn-ErrorType` header), which the SDK surfaces as `error.name`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiErrors, SfnApiError } from './errors.ts';

export type Operation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_BODY_BYTES = 1024 * 1024;

export interface SfnEndpoint {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(apiErrors.validation('Request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body ?? {});
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(text);
}

async function handle(
  operations: Readonly<Record<string, Operation>>,
  request: IncomingMessage,
  onError: (error: unknown) => void,
): Promise<{ status: number; body: unknown; errorType?: string }> {
  try {
    if (request.method !== 'POST') throw apiErrors.validation(`Unsupported method ${request.method}`);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX)
      ? operations[target.slice(TARGET_PREFIX.length)]
      : undefined;
    const text = await readBody(request);
    if (!operation) throw apiErrors.unknownOperation(target);
    let input: unknown;
    try {
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new SfnApiError('SerializationException', 'Request body is not valid JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new SfnApiError('SerializationException', 'Request body must be a JSON object');
    }
    return { status: 200, body: (await operation(input as Record<string, unknown>)) ?? {} };
  } catch (error) {
    if (error instanceof SfnApiError) {
      return {
        status: error.statusCode,
        body: { __type: error.code, message: error.message },
        errorType: error.code,
      };
    }
    onError(error);
    return {
      status: 500,
      body: { __type: 'InternalFailure', message: (error as Error)?.message ?? String(error) },
      errorType: 'InternalFailure',
    };
  }
}

export function startSfnEndpoint(
  operations: Readonly<Record<string, Operation>>,
  options: { port?: number; host?: string; onError?: (error: unknown) => void } = {},
): Promise<SfnEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const onError =
    options.onError ?? ((error: unknown) => console.error('local Step Functions endpoint:', error));
  const server: Server = createServer((request, response) => {
    void handle(operations, request, onError).then(({ status, body, errorType }) =>
      send(response, status, body, errorType),
    );
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
