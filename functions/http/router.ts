import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import type { Role } from '../config/roles.ts';
import type { Dependencies } from '../dependencies.ts';
import { type Caller, callerOf } from './caller.ts';
import { type HttpResponse, problem, withHeaders } from './responses.ts';
import { fieldErrors, parseInput } from './schemas.ts';

/**
 * A hand-made router over zod, chosen after trying Powertools' event-handler HTTP Router (2.35): that router
 * gives no OpenAPI document from its schemas, answers a malformed percent-encoding in a path with 500 and a
 * wrong method with 404 (no 405), reports malformed JSON as 422 with no issues, and parses no form bodies —
 * each a thing this API must do (and the partner's pages need form posts). What it would add (CORS,
 * compression, middleware) this API does not use. Here each route declares its schemas once: the router
 * parses them, and functions/http/openapi.ts documents them.
 */
export type Method = 'GET' | 'POST' | 'PUT';

/** Request bodies bigger than this are refused with 413 before any parsing (unless a route sets its own). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Media types of raw text bodies (a file's text, e.g. a directory import) a route may take. */
export type TextMediaType = 'text/csv' | 'application/x-ndjson';
export type StructuredMediaType = 'application/json' | 'application/x-www-form-urlencoded';

/**
 * A raw text body as its route's schema receives it: the media type the request declared (one of the route's)
 * and the text, decoded as UTF-8.
 */
export interface TextBody {
  mediaType: TextMediaType;
  text: string;
}

/**
 * How a route takes its body: parsed JSON or form fields, validated by `schema`; or raw text of one of
 * several media types (chosen by the request's Content-Type, else 415), given to `schema` as a TextBody.
 * `maxBytes` replaces MAX_BODY_BYTES for the route (a file upload needs more than a form).
 */
export type BodySpec<B extends z.ZodType = z.ZodType> =
  | { mediaType: StructuredMediaType; schema: B; maxBytes?: number }
  | { mediaType: readonly TextMediaType[]; schema: B; maxBytes?: number };

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  html?: boolean;
  /** A binary body of this media type (e.g. application/pdf), sent base64-encoded (responses.ts binary). */
  binary?: string;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export interface RouteInput<P, Q, H, B> {
  params: P;
  query: Q;
  headers: H;
  body: B;
  caller: Caller | undefined;
  event: APIGatewayProxyEventV2;
}

export interface RouteSpec<
  P extends z.ZodObject | undefined,
  Q extends z.ZodObject | undefined,
  H extends z.ZodObject | undefined,
  B extends z.ZodType | undefined,
> {
  method: Method;
  /** Path template with {name} parameters. */
  path: string;
  /** Roles allowed; undefined = public (the notice links carry their own signed token). */
  roles?: readonly Role[];
  summary: string;
  /** Feature the route belongs to (the OpenAPI tag). */
  tag: string;
  params?: P;
  query?: Q;
  /** Header names in lower case. */
  headers?: H;
  body?: B extends z.ZodType ? BodySpec<B> : never;
  responses: Record<number, ResponseDoc>;
  /** How a client error is shown (the partner's pages answer with a page, not JSON). */
  invalid?: (fields: { field: string; reason: string }[], status: 400 | 413) => HttpResponse;
  handle(
    deps: Dependencies,
    input: RouteInput<Parsed<P>, Parsed<Q>, Parsed<H>, Parsed<B>>,
  ): Promise<HttpResponse>;
}

/** A route with its types erased, as the router and the OpenAPI generator see it. */
export interface Route {
  method: Method;
  path: string;
  roles?: readonly Role[];
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: BodySpec;
  responses: Record<number, ResponseDoc>;
  invalid?: (fields: { field: string; reason: string }[], status: 400 | 413) => HttpResponse;
  handle(deps: Dependencies, input: RouteInput<unknown, unknown, unknown, unknown>): Promise<HttpResponse>;
}

/** Declares a route; its handler receives the parsed, typed path, query, headers and body. */
export function route<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, H, B>): Route {
  return spec as unknown as Route;
}

const matchers = new WeakMap<Route, { pattern: RegExp; names: string[] }>();

function matcherOf(candidate: Route) {
  let matcher = matchers.get(candidate);
  if (!matcher) {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${candidate.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    matcher = { pattern, names };
    matchers.set(candidate, matcher);
  }
  return matcher;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

type Match = { route: Route; rawParameters: Record<string, string> } | { allowed: Method[] } | undefined;

export function matchRoute(routes: readonly Route[], method: string, path: string): Match {
  const allowed: Method[] = [];
  for (const candidate of routes) {
    const { pattern, names } = matcherOf(candidate);
    const match = pattern.exec(path);
    if (!match) continue;
    if (candidate.method !== method) {
      allowed.push(candidate.method);
      continue;
    }
    return {
      route: candidate,
      rawParameters: Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ''])),
    };
  }
  return allowed.length > 0 ? { allowed } : undefined;
}

function bodyBytes(event: APIGatewayProxyEventV2): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

type ParseResult = { ok: true; value: unknown } | { ok: false; fields: { field: string; reason: string }[] };

function parseWith(schema: z.ZodType | undefined, value: unknown, prefix?: string): ParseResult {
  if (!schema) return { ok: true, value: {} };
  const parsed = parseInput(schema, value);
  if (parsed.success) {
    const illFormed = illFormedStringPath(parsed.data);
    if (illFormed === undefined) return { ok: true, value: parsed.data };
    return {
      ok: false,
      fields: [
        { field: illFormed || prefix || '(body)', reason: 'contains a lone surrogate (not Unicode text)' },
      ],
    };
  }
  return {
    ok: false,
    fields: fieldErrors(parsed.error).map((item) => ({
      ...item,
      field: prefix && item.field === '(body)' ? prefix : item.field,
    })),
  };
}

/**
 * The path of the first string (value or key) in `value` that is not well-formed UTF-16 — a lone surrogate,
 * which JSON's "\\ud800" escape or YAML's can produce but no text is: the audit chain's RFC 8785 encoding
 * refuses it, so it is refused here, as the input it is. `''` is the value itself; undefined: none.
 */
function illFormedStringPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (!key.isWellFormed()) return itemPath;
    const found = illFormedStringPath(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The route's limit on its body in bytes. */
export function bodyLimitOf(route: Route): number {
  return route.body?.maxBytes ?? MAX_BODY_BYTES;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The media type of a Content-Type header, lower-cased, without its parameters. */
function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

type BodyResult = ParseResult | { ok: false; unsupported: readonly string[] };

function parseBody(route: Route, bytes: Buffer, contentType: string | undefined): BodyResult {
  if (!route.body) return { ok: true, value: undefined };
  if (Array.isArray(route.body.mediaType)) {
    const accepted: readonly TextMediaType[] = route.body.mediaType;
    const mediaType = accepted.find((candidate) => candidate === mediaTypeOf(contentType));
    if (!mediaType) return { ok: false, unsupported: accepted };
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return { ok: false, fields: [{ field: '(body)', reason: 'is not valid UTF-8 text' }] };
    }
    return parseWith(route.body.schema, { mediaType, text } satisfies TextBody);
  }
  const text = bytes.toString('utf8');
  if (route.body.mediaType === 'application/x-www-form-urlencoded') {
    return parseWith(route.body.schema, Object.fromEntries(new URLSearchParams(text)));
  }
  let json: unknown;
  try {
    json = JSON.parse(text || 'null');
  } catch {
    return { ok: false, fields: [{ field: '(body)', reason: 'is not valid JSON' }] };
  }
  return parseWith(route.body.schema, json);
}

function lowerCaseHeaders(event: APIGatewayProxyEventV2): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[key.toLowerCase()] = value;
  }
  return headers;
}

function invalid(
  route: Route,
  fields: { field: string; reason: string }[],
  status: 400 | 413 = 400,
): HttpResponse {
  if (route.invalid) return route.invalid(fields, status);
  if (status === 413) {
    const limit = bodyLimitOf(route);
    return problem(413, 'body-too-large', `The request body is larger than ${limit} bytes.`, {
      fields: [{ field: '(body)', reason: `must be at most ${limit} bytes` }],
    });
  }
  const error = fields.some((item) => item.reason === 'is not valid JSON')
    ? 'invalid-json'
    : 'invalid-request';
  return problem(400, error, fields.map((item) => `${item.field} ${item.reason}`).join('; '), { fields });
}

/**
 * The HTTP API over a route list: match (404 / 405 with Allow), authorize the caller's role (401 / 403), parse
 * every input with the route's schemas (400 naming each field, 413 for a body too large), run the route.
 * Whatever escapes a route is logged and answered 500 without details.
 */
export function createRouter(deps: Dependencies, routes: readonly Route[]) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    // This request's keys only (a warm Lambda serves many): its id, which a workflow it starts carries on.
    deps.logger.resetKeys();
    deps.logger.setCorrelationId(event.requestContext.requestId);
    const requested = event.requestContext.http.method.toUpperCase();
    // HEAD is GET without the body (browsers and link checkers send it).
    const method = requested === 'HEAD' ? 'GET' : requested;
    const path = event.rawPath;
    const response = await dispatch(deps, routes, event, method, path);
    return requested === 'HEAD' ? { ...response, body: '' } : response;
  };
}

async function dispatch(
  deps: Dependencies,
  routes: readonly Route[],
  event: APIGatewayProxyEventV2,
  method: string,
  path: string,
): Promise<HttpResponse> {
  const matched = matchRoute(routes, method, path);
  if (!matched) return problem(404, 'not-found', `No route ${method} ${path}.`);
  if ('allowed' in matched) {
    return withHeaders(
      problem(405, 'method-not-allowed', `Use ${matched.allowed.join(' or ')} on ${path}.`),
      {
        allow: [
          ...new Set(matched.allowed.includes('GET') ? [...matched.allowed, 'HEAD'] : matched.allowed),
        ].join(', '),
      },
    );
  }
  const { route: found, rawParameters } = matched;
  const caller = callerOf(event);
  if (found.roles) {
    if (!caller)
      return problem(401, 'unauthenticated', 'Send a valid bearer token (Authorization: Bearer <token>).');
    if (!caller.roles.some((role) => found.roles!.includes(role))) {
      return problem(
        403,
        'forbidden',
        `${method} ${found.path} needs one of the roles: ${found.roles.join(', ')}.`,
      );
    }
  }
  // Before any parsing, and whether or not the route reads a body: nothing that large is ever handled.
  const bytes = bodyBytes(event);
  if (bytes.length > bodyLimitOf(found)) return invalid(found, [], 413);
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(rawParameters)) {
    const value = decodeSegment(raw);
    if (value === undefined)
      return invalid(found, [{ field: name, reason: 'has a malformed percent-encoding' }]);
    decoded[name] = value;
  }
  const query = Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).flatMap(([key, value]) =>
      value === undefined ? [] : [[key, value]],
    ),
  );
  const params = parseWith(found.params, decoded);
  const parsedQuery = parseWith(found.query, query);
  const lowerHeaders = lowerCaseHeaders(event);
  const headers = parseWith(found.headers, lowerHeaders);
  const body = parseBody(found, bytes, lowerHeaders['content-type']);
  const unsupported = !body.ok && 'unsupported' in body ? body.unsupported : undefined;
  const mediaTypeField = unsupported
    ? [{ field: 'content-type', reason: `must be one of ${unsupported.join(', ')}` }]
    : [];
  const fields = [params, parsedQuery, headers, body].flatMap((result) =>
    result.ok || !('fields' in result) ? [] : result.fields,
  );
  // Other bad inputs: one 400 naming all of them (the content type among them); only that one: 415.
  if (fields.length > 0) return invalid(found, [...fields, ...mediaTypeField]);
  if (unsupported) {
    return problem(
      415,
      'unsupported-media-type',
      `Send the body as ${unsupported.join(' or ')} (Content-Type).`,
      { fields: mediaTypeField },
    );
  }
  try {
    return await found.handle(deps, {
      params: (params as { value: unknown }).value,
      query: (parsedQuery as { value: unknown }).value,
      headers: (headers as { value: unknown }).value,
      body: (body as { value: unknown }).value,
      caller,
      event,
    });
  } catch (error) {
    deps.logger.error('Unhandled error', { error: error as Error, method, path: found.path });
    return problem(
      500,
      'internal-error',
      'Something went wrong on our side; nothing was half-written. Please retry.',
    );
  }
}

/** The id in a path: what a DynamoDB key holds, and nothing that could not be one. */
export const pathId = (what: string) =>
  z
    .string()
    .min(1, `${what} is required`)
    .max(200, `${what} must be at most 200 characters`)
    .describe(`The ${what}.`);
