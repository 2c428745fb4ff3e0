import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResponse } from '../functions/http/responses.ts';
import { type JwtClaims, verifyDevToken } from './dev-identity.ts';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;
export type DevRoutes = (request: {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  accept: string;
}) => Promise<HttpResponse | undefined>;

/** API Gateway's own limit for an HTTP API request body (10 MB); the routes refuse far less (413). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The body, or undefined when it is over API Gateway's limit (which answers 413 without calling Lambda). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** What the server answers while the system is still starting (seed data, resumed workflows). */
const STARTING: HttpResponse = {
  statusCode: 503,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'retry-after': '1',
    'cache-control': 'no-store',
  },
  body: JSON.stringify({ error: 'starting', message: 'The system is starting; retry in a second.' }),
};

/**
 * The request target as API Gateway sees it: a path, so `//x/y` is a path with an empty first segment, never
 * a reference to a host named x; an absolute target (`http://host/path`) is read as such. Undefined when it
 * is neither.
 */
function requestUrl(target: string): URL | undefined {
  try {
    return target.startsWith('/')
      ? new URL(`http://127.0.0.1${target}`)
      : new URL(target, 'http://127.0.0.1/');
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, result: HttpResponse): void {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key] = String(value);
  response.writeHead(result.statusCode, headers);
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/**
 * Serves the same HTTP API handler Lambda runs, on 127.0.0.1, turning each request into an API Gateway
 * HTTP API (payload 2.0) event. Like the JWT authorizer in AWS, a bearer token is verified here and its claims
 * handed to the handler in `requestContext.authorizer.jwt.claims`; an invalid token gets 401 before the handler.
 */
export function createLocalHttpServer(options: {
  /** The API, or undefined while the system is not ready yet (answered 503 with Retry-After). */
  api: () => ApiHandler | undefined;
  devRoutes: DevRoutes;
  /** The console's files (local/console-files.ts): undefined for paths that are not the console's. */
  staticFiles?: (method: string, path: string) => HttpResponse | undefined;
  tokenSecret: string;
  realNow?: () => number;
}): Server {
  const realNow = options.realNow ?? Date.now;
  return createServer(async (request, response) => {
    try {
      const url = requestUrl(request.url ?? '/');
      if (!url) {
        return send(response, {
          statusCode: 400,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ error: 'invalid-request', message: 'The request target is not a path.' }),
        });
      }
      const method = (request.method ?? 'GET').toUpperCase();
      const read = await readBody(request);
      if (!read) {
        return send(response, {
          statusCode: 413,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ message: 'Request Entity Too Large' }),
        });
      }
      const body = read;
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
      }
      const dev = await options.devRoutes({
        method,
        path: url.pathname,
        query: url.searchParams,
        body: body.toString('utf8'),
        accept: headers.accept ?? '',
      });
      if (dev) return send(response, dev);
      const fileResponse = options.staticFiles?.(method, url.pathname);
      if (fileResponse)
        return send(response, method === 'HEAD' ? { ...fileResponse, body: '' } : fileResponse);

      let claims: JwtClaims | undefined;
      const authorization = headers.authorization;
      if (authorization && url.pathname.startsWith('/api/')) {
        const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
        claims = token ? verifyDevToken(token, options.tokenSecret, realNow()) : undefined;
        if (!claims) {
          return send(response, {
            statusCode: 401,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message: 'Unauthorized' }),
          });
        }
      }
      const now = new Date(realNow());
      const query = Object.fromEntries(url.searchParams);
      const event = {
        version: '2.0',
        routeKey: '$default',
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
        ...(body.length > 0
          ? { body: body.toString('base64'), isBase64Encoded: true }
          : { isBase64Encoded: false }),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? '127.0.0.1',
          domainPrefix: 'local',
          http: {
            method,
            path: url.pathname,
            protocol: `HTTP/${request.httpVersion}`,
            sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId: randomUUID(),
          routeKey: '$default',
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
          ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
        },
      } as unknown as APIGatewayProxyEventV2;
      const api = options.api();
      send(response, api ? await api(event) : STARTING);
    } catch (error) {
      // What escapes the router (which logs its own) is a fault of the local server itself: logged, never shown.
      console.error('Local HTTP server error', request.method, request.url, error);
      send(response, {
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'internal-error', message: 'Something went wrong on our side.' }),
      });
    }
  });
}
