import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allTables, localOutboxTable } from '../../functions/adapters/dynamodb/table-definitions.ts';
import { type Role, roles } from '../../functions/config/roles.ts';
import { CSV_COLUMNS } from '../../functions/directory/import-format.ts';
import { newPartnerSchema } from '../../functions/directory/profile.ts';
import { apiRoutes } from '../../functions/http/api.ts';
import { MAX_BODY_BYTES, matchRoute, type Route } from '../../functions/http/router.ts';
import { noticeParams } from '../../functions/notices/schemas.ts';
import { isConsoleRequest } from '../../local/console-files.ts';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import {
  closeRawConnections,
  partnerPageTitles,
  type RawRequest,
  type RawResponse,
  rawRequest,
  reasonOf,
  selfContradiction,
  snapshotTables,
  type TableSnapshot,
} from '../support/http-probe.ts';
import { reliabilitySize, sized } from '../support/reliability-size.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * Generated requests against every route the HTTP API assembles (functions/http/api.ts: the feature routes,
 * the partner's pages and /openapi.json — a route added there is fuzzed without touching this file): bodies of
 * random shapes and wrong types, huge numbers, unicode, malformed JSON and form bodies; content types and
 * junk authorizations beside real staff tokens; malformed, dotted, unicode and over-long path ids; query
 * strings; notice tokens. Never a 5xx, every refusal states its reason, and a refused request writes nothing
 * to any table (the outbox included).
 *
 * One fixed seed (FUZZ_SEED to change it); a failure prints it with the shrunk request and fast-check's path.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const RUNS = sized({ ci: 60, full: 500 });

/** Every route of the API, as the handler assembles them (createHttpApi). */
const routes: readonly Route[] = apiRoutes();
const routeName = (route: Route) => `${route.method} ${route.path}`;

let system: LocalSystem;
let api: ApiClient;
const tokens = {} as Record<Role, string>;
/** Ids of real changes and notices, so some fuzzed requests reach stored data (with bodies that never pass). */
let realIds: string[] = [];
/** Cursors the API issued for some lists (fuzzed with other lists and filters too). */
const realCursors: string[] = [];
/** Notice A is fuzzed; notice B's genuine token is the "foreign" one (never sent for notice B itself). */
let noticeA: { noticeId: string; token: string };
let noticeB: { noticeId: string; token: string };

async function deliveredNotice(
  partnerId: string,
  currentRatePct: number,
): Promise<{ changeId: string; noticeId: string; token: string }> {
  const submitted = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
    token: tokens.finance,
    json: {
      partnerId,
      currentRatePct,
      newRatePct: currentRatePct - 1,
      effectiveDate: isoDateAfter(await api.now(), 60),
      rationale: realRationale,
    },
  });
  expect(submitted.status, submitted.text).toBe(201);
  const { changeId } = submitted.body;
  await api.approve(changeId);
  const [notice] = await api.messagesOf(changeId, ['notice']);
  const link = new URL(notice!.links[0]!);
  return {
    changeId,
    noticeId: decodeURIComponent(link.pathname.split('/').at(-1)!),
    token: link.searchParams.get('token')!,
  };
}

beforeAll(async () => {
  let finance: string;
  ({ system, api, finance } = await startTestSystem());
  for (const role of roles)
    tokens[role] = role === 'finance' ? finance : await api.token(role, `fuzz-${role}`);
  const awaiting = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
    token: tokens.finance,
    json: {
      partnerId: 'contoso-value-partners',
      currentRatePct: 15,
      newRatePct: 14,
      effectiveDate: isoDateAfter(await api.now(), 60),
      rationale: realRationale,
    },
  });
  expect(awaiting.status, awaiting.text).toBe(201);
  const a = await deliveredNotice('northwind-resellers', 12);
  const b = await deliveredNotice('adventure-works', 10);
  noticeA = a;
  noticeB = b;
  realIds = [awaiting.body.changeId, a.changeId, a.noticeId, 'northwind-resellers', 'contoso-value-partners'];
  for (const list of [
    '/api/changes?limit=1',
    '/api/commission-changes?limit=1&from=2026-11-23',
    '/api/changes?partnerId=northwind-resellers&limit=1',
    '/api/changes?status=awaiting-approval&limit=1',
  ]) {
    const page = await api.request<{ cursor?: string }>('GET', list, { token: tokens.finance });
    expect(page.status, page.text).toBe(200);
    if (page.body.cursor) realCursors.push(page.body.cursor);
  }
  expect(realCursors.length).toBeGreaterThan(0);
  await api.settle();
  console.log(
    `fuzz: seed ${SEED}, ${RUNS} runs per route (${reliabilitySize} size), ${routes.length} routes`,
  );
}, 120_000);

afterAll(async () => {
  const total = [...answered.values()].reduce((sum, count) => sum + count, 0);
  const statuses = [...answered.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`);
  console.log(`fuzz: ${total} requests answered ${statuses.join(' ')}`);
  closeRawConnections();
  await system?.stop();
});

// ---------------------------------------------------------------------------------------------------------
// Generators

/** A string with every lone surrogate replaced, as a client that encodes text would send it. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const latin1 = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((code) => code < 0x7f || code > 0x9f)
    .map((code) => String.fromCharCode(code)),
  maxLength: 60,
});
const unicodeText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\u0000',
    '\u202e\u0041',
    '\ufeff',
    'é'.repeat(700),
    '😀'.repeat(300),
  ),
);

/** A path segment exactly as it goes on the request line. */
function segmentArb(mode: 'deep' | 'wild'): fc.Arbitrary<string> {
  const wellFormedIds = fc.constantFrom(
    'chg_fuzz0000000000000',
    'chg_fuzz-v1',
    'chg_fuzz-v0',
    'nobody-partner',
    'x',
  );
  const malformed = fc.constantFrom(
    '%ZZ',
    '%',
    '%2',
    '%E0%A4',
    '%ED%A0%80',
    '%C0%AF',
    '%FF',
    'abc%',
    '%%',
    '%u0041',
    '%00',
    '%0A',
    '%0D%0A',
    '%20',
    '%20%20',
    '+',
    '%2F',
    '%5C',
    '~',
    '*',
    '%F0%9F%98%80',
  );
  const long = fc.oneof(
    fc.integer({ min: 201, max: 4000 }).map((n) => 'a'.repeat(n)),
    fc.integer({ min: 100, max: 1200 }).map((n) => encodeURIComponent('é'.repeat(n))),
  );
  const unicode = unicodeText
    .filter((text) => text.length > 0 && text.length < 1300)
    .map((text) => encodeURIComponent(wellFormed(text)));
  const arbitraries: fc.Arbitrary<string>[] = [wellFormedIds, malformed, long, unicode];
  if (mode === 'wild') {
    arbitraries.push(
      fc.constantFrom('.', '..', '...', '%2e%2e', '.%2E', ''),
      fc.constant(null).map(() => realIds[0]!),
      fc.nat({ max: 1000 }).map((n) => realIds[n % realIds.length]!),
    );
  }
  return fc.oneof(...arbitraries);
}

function fillPath(route: Route, segments: string[]): string {
  let index = 0;
  return route.path.replace(/\{(\w+)\}/g, () => segments[index++] ?? 'x');
}

const parameterCount = (route: Route) => [...route.path.matchAll(/\{(\w+)\}/g)].length;

/** Staff authorizations: mostly real tokens (so validation, not only authentication, is exercised), or junk. */
const authorizationArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 5, arbitrary: fc.constantFrom(...roles).map((role) => `Bearer ${tokens[role]}`) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
        'bearer x.y.z',
        'Bearer a.b.c.d',
        'Bearer ..',
        'Token abc',
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiY29nbml0bzpncm91cHMiOlsiZmluYW5jZSJdfQ.',
      ),
      fc.constant(null).map(() => `Bearer ${tokens.finance}x`),
      fc.constant(null).map(() => `Bearer ${tokens.approver.slice(0, -3)}`),
      latin1.map((text) => `Bearer ${text}`),
      latin1,
    ),
  },
);

const contentTypeArb = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded',
      'text/csv',
      'TEXT/CSV; charset=utf-8',
      'application/x-ndjson',
      'text/plain',
      'text/html',
      'multipart/form-data; boundary=----fuzz',
      'application/xml',
      '*/*',
      '',
    ),
    latin1,
  ),
  { nil: undefined },
);

const extraHeadersArb: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'idempotency-key',
      'user-agent',
      'origin',
      'referer',
      'cookie',
      'accept',
      'x-forwarded-for',
      'x-amzn-trace-id',
    ),
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  ),
  fc.oneof(
    latin1,
    fc.integer({ min: 190, max: 3000 }).map((n) => 'h'.repeat(n)),
  ),
  { maxKeys: 3 },
);

/** JSON text of values of every type, including numbers JSON.parse turns into Infinity or rounds. */
const jsonValueText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e308',
    '-0',
    '123456789012345678901234567890',
    '9007199254740993',
    '0.1e-400',
    '12.000000000001',
    '"\\ud800"',
    '"\\u0000"',
    '""',
    '"   "',
    '[]',
    '{}',
    'null',
    'true',
  ),
  unicodeText.map((text) => JSON.stringify(text)),
  fc.integer({ min: 1, max: 9000 }).map((n) => JSON.stringify('x'.repeat(n))),
);

/** Every field name a schema declares (object shapes, the options of a union, one level of nesting). */
function declaredKeys(schema: z.ZodType | undefined): string[] {
  const keys = new Set<string>();
  for (const { shape } of objectShapes(schema)) {
    for (const [key, field] of Object.entries(shape)) {
      keys.add(key);
      for (const { shape: inner } of objectShapes(unwrap(field)))
        for (const nested of Object.keys(inner)) keys.add(nested);
    }
  }
  return [...keys];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** The object shapes a body or query schema accepts, each with the literal fields that select it in a union. */
function objectShapes(
  schema: z.ZodType | undefined,
): { shape: Record<string, z.ZodType>; literals: Record<string, unknown> }[] {
  if (!schema) return [];
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodType>;
    const literals = Object.fromEntries(
      Object.entries(shape).flatMap(([key, field]) =>
        field instanceof z.ZodLiteral ? [[key, field.value]] : [],
      ),
    );
    return [{ shape, literals }];
  }
  if (schema instanceof z.ZodDiscriminatedUnion || schema instanceof z.ZodUnion) {
    return (schema.options as z.ZodType[]).flatMap((option) => objectShapes(option));
  }
  return [];
}

/** A body: random JSON, objects of the route's own fields with values of any type, malformed text, forms, bytes. */
function bodyArb(route: Route): fc.Arbitrary<string | Buffer | undefined> {
  const keys = [...declaredKeys(route.body?.schema), 'token', 'comment', 'extra', '__proto__', 'constructor'];
  const fieldsObject = fc
    .array(fc.tuple(fc.constantFrom(...keys), jsonValueText), { maxLength: 8 })
    .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`);
  const form = fc.oneof(
    fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...keys), latin1),
          fc.oneof(
            latin1,
            unicodeText.map((t) => wellFormed(t)),
          ),
        ),
        {
          maxLength: 6,
        },
      )
      .map((entries) => new URLSearchParams(entries).toString()),
    fc.constantFrom(
      'token=%ZZ&comment=%',
      'token&comment',
      '=&=',
      'token=a&token=',
      `comment=${'y'.repeat(5000)}`,
      '&&&',
    ),
  );
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      '',
      ' ',
      '{',
      '}',
      '{"a":}',
      '{"a":1,}',
      "{'a':1}",
      '[1,2',
      'NaN',
      'undefined',
      '{"a":1}{"b":2}',
      '\ufeff{}',
      '{"a":"\\x"}',
      'nul',
      '01',
      '1e',
      '"unterminated',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
    ),
    fc.json({ maxDepth: 3 }),
    jsonValueText,
    fieldsObject,
    form,
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    unicodeText,
    fc.constantFrom(
      `{"revision":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      `{"a":${'{"a":'.repeat(8_000)}1${'}'.repeat(8_000)}}`,
    ),
    fc
      .integer({ min: MAX_BODY_BYTES - 64, max: MAX_BODY_BYTES + 64 })
      .map((n) => `{"rationale":"${'r'.repeat(n - 17)}"}`),
  );
}

/** A query value as sent: any text, malformed escapes, numbers out of range, cursors random or shaped like ours. */
const queryValueArb: fc.Arbitrary<string> = fc.oneof(
  latin1.map(encodeURIComponent),
  unicodeText.map((text) => encodeURIComponent(wellFormed(text))),
  fc.constantFrom('%ZZ', '%', '', '1e400', '-1', '0', 'NaN', '2026-02-30', '9'.repeat(40), 'a'.repeat(2100)),
  // Cursors: random ones, and ones shaped like the API's own (the keys of a page of one of its indexes).
  fc
    .oneof(
      fc.dictionary(latin1, latin1, { maxKeys: 3 }),
      fc.dictionary(
        fc.constantFrom('pk', 'sk', 'kind', 'status', 'partnerId', 'submittedAt'),
        fc.oneof(
          latin1,
          fc.constantFrom(
            'commission-change',
            'awaiting-approval',
            'northwind-resellers',
            '2030-01-01T00:00:00.000Z',
            '',
          ),
        ),
        { minKeys: 1, maxKeys: 6 },
      ),
    )
    .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url')),
);

/** A query string as sent: declared names and others, encoded or not, malformed escapes, repeated names. */
function queryArb(route: Route): fc.Arbitrary<string> {
  const names = [...declaredKeys(route.query), 'token', 'cursor', 'limit', 'changeId'];
  return fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...names), latin1.map(encodeURIComponent)),
        queryValueArb,
        fc.boolean(),
      ),
      {
        maxLength: 5,
      },
    )
    .map((pairs) =>
      pairs.length === 0
        ? ''
        : `?${pairs.map(([name, text, bare]) => (bare && text === '' ? name : `${name}=${text}`)).join('&')}`,
    );
}

/**
 * Values a field may well accept, by field name (kept only where the route's own schema of that field accepts
 * them): with these a request gets past validation, so the route's handler meets the hostile part of it. No
 * body names a real partner or a real id, so nothing such a request does can be accepted.
 */
function plausibleValues(): Record<string, unknown[]> {
  return {
    partnerId: ['nobody-partner', 'northwind-resellers', 'contoso-value-partners'],
    currentRatePct: [12, 12.5, 0],
    newRatePct: [11, 100, 0.01],
    effectiveDate: ['2027-01-15', '2026-11-24', '2020-01-01'],
    rationale: [realRationale, 'Because.', ''],
    internalNote: ['Checked with finance first.'],
    emergency: [{ justification: 'Our supplier went bankrupt overnight and prices doubled.' }],
    scope: [{ products: ['edge'] }, { accounts: ['acme'] }, { products: ['<b>x</b>'], accounts: ['a'] }],
    decision: ['approve', 'reject'],
    comment: ['Numbers check out.', 'A concern the partner wrote about this.'],
    heldOn: ['2026-11-20', '2026-11-23'],
    participants: [['Jonas Berg'], ['Aisha Mensah', 'Jonas Berg']],
    summary: ['Walked them through the supplier price rise in detail.'],
    outcome: ['upheld', 'revised', 'withdrawn', 'proceed', 'withdraw'],
    answer: ['We checked the three deals and they keep the old rate.'],
    revision: [{ newRatePct: 11.5 }, {}],
    note: ['Agreed on the phone with the partner.'],
    reason: ['The supplier reversed its price rise.'],
    status: ['awaiting-approval', 'notice-sent', 'applied'],
    submittedBy: ['fiona', 'nobody'],
    from: ['2026-01-01', '2026-11-23', '2030-01-01'],
    to: ['2026-11-24', '2030-01-01', '2020-01-01'],
    limit: ['1', '2', '100'],
    cursor: realCursors,
    bookedOn: ['2026-11-23', '2020-01-01', '2030-01-01'],
    product: ['edge', 'storage'],
    account: ['acme'],
    changeId: realIds,
    token: [noticeB.token],
  };
}

const realPartners = [
  'northwind-resellers',
  'contoso-value-partners',
  'fabrikam-solutions',
  'adventure-works',
];

function acceptedSamples(key: string, field: z.ZodType, forBody: boolean): unknown[] {
  const samples = plausibleValues()[key] ?? [];
  // In a body, never a real partner (a valid submission for one would be created) nor a real id.
  const allowed = forBody
    ? samples.filter((value) => !realIds.includes(String(value)) && !realPartners.includes(String(value)))
    : samples;
  return allowed.filter((value) => field.safeParse(value).success);
}

/** Picks one of `values` when there are some; an arbitrary that is never picked otherwise (weight 0). */
function someOf<T>(values: readonly T[], fallback: T): fc.Arbitrary<T> {
  return fc.constantFrom(...(values.length > 0 ? values : [fallback]));
}

/** One value from each arbitrary, in order. */
function eachOf<T>(arbitraries: readonly fc.Arbitrary<T>[]): fc.Arbitrary<T[]> {
  return arbitraries.reduce<fc.Arbitrary<T[]>>(
    (all, next) => all.chain((values) => next.map((value) => [...values, value])),
    fc.constant([]),
  );
}

/** A query of the route's own parameters, mostly with values they accept (cursors real, forged and foreign). */
function deepQueryArb(route: Route): fc.Arbitrary<string> {
  const fields = objectShapes(route.query).flatMap(({ shape }) => Object.entries(shape));
  if (fields.length === 0) return fc.constant('');
  const pair = ([key, field]: [string, z.ZodType]) => {
    const accepted = acceptedSamples(key, field, false) as string[];
    return fc
      .oneof(
        { weight: accepted.length > 0 ? 3 : 0, arbitrary: someOf(accepted, '').map(encodeURIComponent) },
        { weight: 1, arbitrary: queryValueArb },
      )
      .map((value) => `${key}=${value}`);
  };
  return fc
    .subarray(fields)
    .chain((chosen) => eachOf(chosen.map(pair)))
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
}

/**
 * A file body for a route that takes raw text (the directory import): CSV with a header of the format's own
 * columns (some missing, some unknown) and records of any cells, or JSON Lines of objects with the partner's
 * field names and values of any type. Never a whole valid partner (no valid contact list is ever made), so
 * nothing such a body holds can be imported.
 */
function fileBodyArb(): fc.Arbitrary<string> {
  const columns = [...CSV_COLUMNS, 'colour', 'rateProduct', 'contact6Id', ''];
  const cell = fc.oneof(
    latin1,
    fc.constantFrom(
      '',
      'enhanced',
      'nobody-partner',
      '=1+1',
      '"quoted, cell"',
      '"open',
      'a""b',
      '12.5',
      '2026-02-30',
    ),
  );
  const csv = fc
    .tuple(
      fc.subarray(columns, { minLength: 1 }),
      fc.array(fc.array(cell, { maxLength: 12 }), { maxLength: 6 }),
      fc.constantFrom('\n', '\r\n'),
    )
    .map(([header, records, eol]) =>
      [header.join(','), ...records.map((record) => record.join(','))].join(eol),
    );
  const keys = [...declaredKeys(newPartnerSchema), 'extra'];
  const jsonLine = fc.oneof(
    fc
      .array(fc.tuple(fc.constantFrom(...keys), jsonValueText), { maxLength: 8 })
      .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
    jsonValueText,
    latin1,
    fc.constant(''),
  );
  const jsonl = fc.array(jsonLine, { maxLength: 8 }).map((lines) => lines.join('\n'));
  return fc.oneof(csv, jsonl);
}

/** A body of the route's own fields, mostly with values they accept, now and then one of any type. */
function deepBodyArb(route: Route): fc.Arbitrary<string | undefined> {
  if (!route.body) return fc.constant(undefined);
  if (Array.isArray(route.body.mediaType)) return fileBodyArb();
  const form = route.body.mediaType === 'application/x-www-form-urlencoded';
  const shapes = objectShapes(route.body.schema);
  if (shapes.length === 0) return fc.constant(undefined);
  return fc.constantFrom(...shapes).chain(({ shape, literals }) => {
    const entries = Object.entries(shape).filter(([key]) => !(key in literals));
    const fieldValue = ([key, field]: [string, z.ZodType]) => {
      const accepted = acceptedSamples(key, field, true);
      return fc
        .oneof(
          {
            weight: accepted.length > 0 ? 4 : 0,
            arbitrary: someOf(accepted, null).map((value) => JSON.stringify(value)),
          },
          { weight: 1, arbitrary: jsonValueText },
        )
        .map((value): [string, string] => [key, value]);
    };
    return fc
      .tuple(
        fc.subarray(entries).chain((chosen) => eachOf(chosen.map(fieldValue))),
        fc.option(fc.tuple(fc.constantFrom('extra', '', '__proto__'), jsonValueText), { nil: undefined }),
      )
      .map(([pairs, extra]) => {
        const all: [string, string][] = [
          ...Object.entries(literals).map(([key, value]): [string, string] => [key, JSON.stringify(value)]),
          ...pairs,
          ...(extra ? [extra] : []),
        ];
        if (form) {
          return new URLSearchParams(
            all.map(([key, text]): [string, string] => {
              const value: unknown = JSON.parse(text);
              return [key, typeof value === 'string' ? value : text];
            }),
          ).toString();
        }
        return `{${all.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
      });
  });
}

/** Mostly a token of a role the route allows (so the request reaches validation), else any authorization. */
function deepAuthorizationArb(route: Route): fc.Arbitrary<string | undefined> {
  const allowed = route.roles ?? [];
  return fc.oneof(
    {
      weight: allowed.length > 0 ? 4 : 0,
      arbitrary: someOf(allowed, roles[0]).map((role) => `Bearer ${tokens[role]}`),
    },
    { weight: 1, arbitrary: authorizationArb },
  );
}

const methodArb = (route: Route) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(route.method) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND'),
    },
  );

function requestArb(route: Route, mode: 'deep' | 'wild'): fc.Arbitrary<RawRequest> {
  return fc
    .record({
      method: methodArb(route),
      segments: fc.array(segmentArb(mode), {
        minLength: parameterCount(route),
        maxLength: parameterCount(route),
      }),
      query:
        mode === 'deep'
          ? fc.oneof({ weight: 3, arbitrary: deepQueryArb(route) }, { weight: 1, arbitrary: queryArb(route) })
          : queryArb(route),
      authorization: mode === 'deep' ? deepAuthorizationArb(route) : authorizationArb,
      contentType:
        mode === 'deep' && Array.isArray(route.body?.mediaType)
          ? fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...(route.body.mediaType as string[])) },
              { weight: 1, arbitrary: contentTypeArb },
            )
          : contentTypeArb,
      extra: extraHeadersArb,
      body:
        mode === 'deep'
          ? fc.oneof({ weight: 3, arbitrary: deepBodyArb(route) }, { weight: 1, arbitrary: bodyArb(route) })
          : bodyArb(route),
    })
    .map(({ method, segments, query, authorization, contentType, extra, body }) => ({
      method,
      path: `${fillPath(route, segments)}${query}`,
      headers: {
        ...extra,
        ...(authorization !== undefined ? { authorization } : {}),
        ...(contentType !== undefined ? { 'content-type': contentType } : {}),
      },
      ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
      // A GET with a body is legal HTTP: sometimes send one.
      ...(body !== undefined &&
      method === 'GET' &&
      mode === 'wild' &&
      typeof body === 'string' &&
      body.length < 100
        ? { body }
        : {}),
    }))
    .filter(fitsRequestHead);
}

/**
 * Node's HTTP parser (like API Gateway's front door) refuses a request line plus headers over 16 KB before any
 * handler sees it; the fuzz stays under that, as real clients do.
 */
function fitsRequestHead(request: RawRequest): boolean {
  const headers = Object.entries(request.headers ?? {}).reduce(
    (sum, [key, value]) => sum + key.length + value.length + 4,
    0,
  );
  return request.path.length + headers < 12_000;
}

// ---------------------------------------------------------------------------------------------------------
// Properties every answer has

function describeRequest(request: RawRequest): string {
  const body = request.body === undefined ? '' : String(request.body);
  return `${request.method} ${request.path.slice(0, 300)}${request.path.length > 300 ? '…' : ''} headers=${JSON.stringify(
    request.headers,
  ).slice(0, 400)} body(${body.length})=${JSON.stringify(body.slice(0, 300))}`;
}

/** What is wrong with an answer, whatever was asked (empty when nothing). */
function problemsOf(request: RawRequest, response: RawResponse): string[] {
  const problems: string[] = [];
  if (response.status >= 500 || response.status < 200)
    problems.push(`answered ${response.status}: ${response.text.slice(0, 300)}`);
  if (response.headers['set-cookie'])
    problems.push(`set a cookie: ${response.headers['set-cookie'].join('; ')}`);
  if (response.status >= 200 && response.status < 300 && !['GET', 'HEAD'].includes(request.method))
    problems.push(
      `a fuzzed ${request.method} was accepted (${response.status}): ${response.text.slice(0, 300)}`,
    );
  if (response.status === 405 && !response.headers.allow) problems.push('405 without Allow');
  if (response.status >= 400 && response.status < 500 && request.method !== 'HEAD') {
    const reason = reasonOf(response);
    if (typeof reason === 'string') problems.push(`${response.status} without a reason: ${reason}`);
    else if (reason.kind === 'json') {
      if (response.status === 400 && !reason.fields)
        problems.push(`400 naming no field: ${response.text.slice(0, 300)}`);
      for (const item of reason.fields ?? []) {
        const contradiction = selfContradiction(item.reason);
        if (contradiction)
          problems.push(`field ${item.field}: the reason contradicts itself: "${contradiction}"`);
      }
    }
  }
  return problems;
}

/** How often each status was answered, printed at the end: the fuzz must reach handlers, not only the router. */
const answered = new Map<number, number>();

async function send(request: RawRequest): Promise<RawResponse> {
  const response = await rawRequest(system.baseUrl, request);
  answered.set(response.status, (answered.get(response.status) ?? 0) + 1);
  return response;
}

function assertWell(request: RawRequest, response: RawResponse, extra: string[] = []): void {
  const problems = [...problemsOf(request, response), ...extra];
  if (problems.length > 0) {
    throw new Error(
      `${problems.join('\n')}\n  request: ${describeRequest(request)}\n  answer ${response.status}: ${response.text.slice(0, 400)}`,
    );
  }
}

/** Runs a property with the fixed seed; a failure names the seed and how to replay it. */
async function check<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  runs = RUNS,
) {
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed: SEED, numRuns: runs });
  } catch (error) {
    const cause = (error as Error).cause;
    throw new Error(
      `${name}: failed with FUZZ_SEED=${SEED} (${reliabilitySize} size).\n${(error as Error).message}${
        cause instanceof Error ? `\nThe shrunk request fails with:\n${cause.message}` : ''
      }`,
    );
  }
}

function changedTables(before: TableSnapshot, after: TableSnapshot): string[] {
  const names = new Set([...Object.keys(before.counts), ...Object.keys(after.counts)]);
  return [...names].flatMap((name) =>
    before.digests[name] === after.digests[name]
      ? []
      : [
          `${name}: ${before.counts[name] ?? 0} items before, ${after.counts[name] ?? 0} after (contents differ)`,
        ],
  );
}

/** Runs `batch`, then checks that no table of the system (the outbox among them) changed in any way. */
async function writesNothing(batch: () => Promise<void>): Promise<void> {
  await api.settle();
  const before = await snapshotTables(system.dynamodbEndpoint);
  const outboxBefore = (await api.outbox()).length;
  await batch();
  await api.settle();
  const after = await snapshotTables(system.dynamodbEndpoint);
  expect(changedTables(before, after), 'tables changed by refused requests').toEqual([]);
  expect((await api.outbox()).length, 'outbox messages').toBe(outboxBefore);
}

// ---------------------------------------------------------------------------------------------------------

describe('the routes the API assembles', () => {
  it('include the partner pages, the staff API and the OpenAPI document (so all of them are fuzzed)', () => {
    const names = routes.map(routeName);
    expect(names).toContain('GET /notices/{noticeId}');
    expect(names).toContain('POST /notices/{noticeId}/acknowledgement');
    expect(names).toContain('POST /notices/{noticeId}/concern');
    expect(names).toContain('GET /openapi.json');
    expect(routes.filter((route) => route.roles).length).toBeGreaterThan(10);
  });

  it('the tables of the system are all watched, the outbox among them', async () => {
    const snapshot = await snapshotTables(system.dynamodbEndpoint);
    const watched = Object.keys(snapshot.counts);
    const defined = allTables.map((table) => table.logicalName);
    expect(defined).toContain(localOutboxTable.logicalName);
    // The snapshots read every table of the system: each one the definitions declare (the local system
    // names them by their logical names), each one the handlers write to, and nothing else.
    expect([...watched].sort()).toEqual([...defined].sort());
    for (const name of Object.values(system.deps.tables)) expect(watched).toContain(name);
    expect(Object.values(snapshot.counts).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  });
});

describe.each(routes.map((route) => ({ name: routeName(route), route })))('$name', ({ route }) => {
  it('random requests: never a 5xx, each refusal states its reason, nothing written', async () => {
    await writesNothing(() =>
      check(`${routeName(route)} wild`, requestArb(route, 'wild'), async (request) => {
        assertWell(request, await send(request));
      }),
    );
  });

  it('requests with well-formed ids and the route’s own field names: the same, deeper in', async () => {
    await writesNothing(() =>
      check(`${routeName(route)} deep`, requestArb(route, 'deep'), async (request) => {
        assertWell(request, await send(request));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Validation names the field it refuses

/** Values of every JSON type: the ones a field's own schema refuses are its "wrong" values. */
const candidateValues: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0.5,
  12.345,
  101,
  1e308,
  '',
  ' ',
  'x',
  'approve',
  'x'.repeat(5001),
  '2026-02-30',
  'not a date',
  '\u0000\u0001',
  [],
  [1],
  ['a'],
  [''],
  {},
  { a: 1 },
];

/** Query values (always strings): the ones a parameter's own schema refuses. */
const candidateQueryValues = [
  '',
  ' ',
  'abc',
  '0',
  '101',
  '1.5',
  '1e400',
  'NaN',
  '2026-02-30',
  'not-a-status',
  '\u0001',
  'a'.repeat(2001),
  'x,y',
  '#',
];

function refusedBy(schema: z.ZodType, values: readonly unknown[]): unknown[] {
  return values.filter((value) => !schema.safeParse(value).success);
}

const staffJsonRoutes = routes.filter((route) => route.roles && route.body?.mediaType === 'application/json');
const staffQueryRoutes = routes.filter((route) => route.roles && route.query);
const staffHeaderRoutes = routes.filter((route) => route.roles && route.headers);
const staffParamRoutes = routes.filter((route) => route.roles && route.params);

function nameIsIn(fields: { field: string }[] | undefined, name: string): boolean {
  return (fields ?? []).some((item) => item.field === name || item.field.startsWith(`${name}.`));
}

async function expectFieldNamed(request: RawRequest, name: string): Promise<void> {
  const response = await send(request);
  const reason = reasonOf(response);
  const named = typeof reason !== 'string' && reason.kind === 'json' && nameIsIn(reason.fields, name);
  assertWell(request, response, [
    ...(response.status !== 400 ? [`expected 400 for a bad ${name}, got ${response.status}`] : []),
    ...(!named ? [`the refusal does not name ${name}`] : []),
  ]);
}

const allowedAuthorization = (route: Route) => `Bearer ${tokens[route.roles![0]!]}`;
const wellFormedPath = (route: Route) =>
  fillPath(route, Array(parameterCount(route)).fill('chg_fuzz0000000000000'));

describe('validation names the field it refuses (a staff token with the route’s role, so validation is reached)', () => {
  it.each(staffJsonRoutes.map((route) => ({ name: routeName(route), route })))(
    '$name: each body field with each value of a wrong type or out of range',
    async ({ route }) => {
      const cases = objectShapes(route.body!.schema).flatMap(({ shape, literals }) =>
        Object.entries(shape).flatMap(([key, field]) =>
          refusedBy(field, candidateValues).map((value) => ({ body: { ...literals, [key]: value }, key })),
        ),
      );
      expect(cases.length).toBeGreaterThan(0);
      await writesNothing(async () => {
        for (const { body, key } of cases) {
          await expectFieldNamed(
            {
              method: route.method,
              path: wellFormedPath(route),
              headers: { authorization: allowedAuthorization(route), 'content-type': 'application/json' },
              body: JSON.stringify(body),
            },
            key,
          );
        }
      });
    },
  );

  it.each(staffQueryRoutes.map((route) => ({ name: routeName(route), route })))(
    '$name: each query parameter with each value out of its range',
    async ({ route }) => {
      const shapes = objectShapes(route.query);
      const cases = shapes.flatMap(({ shape }) =>
        Object.entries(shape).flatMap(([key, field]) =>
          (refusedBy(field, candidateQueryValues) as string[]).map((value) => ({ key, value, shape })),
        ),
      );
      expect(cases.length).toBeGreaterThan(0);
      for (const { key, value, shape } of cases) {
        // The parameters a route requires, valid, beside the one that is not.
        const required = Object.fromEntries(
          Object.entries({ bookedOn: '2026-11-23', changeId: 'chg_fuzz0000000000000' }).filter(
            ([name]) => name in shape,
          ),
        );
        await expectFieldNamed(
          {
            method: route.method,
            path: `${wellFormedPath(route)}?${new URLSearchParams({ ...required, [key]: value })}`,
            headers: { authorization: allowedAuthorization(route) },
          },
          key,
        );
      }
    },
  );

  it.each(staffHeaderRoutes.map((route) => ({ name: routeName(route), route })))(
    '$name: each header it reads, out of its range',
    async ({ route }) => {
      const cases = objectShapes(route.headers).flatMap(({ shape }) =>
        Object.entries(shape).flatMap(([key, field]) =>
          (refusedBy(field, ['', ' ', '   ', 'k'.repeat(201), 'k'.repeat(3000)]) as string[]).map(
            (value) => ({
              key,
              value,
            }),
          ),
        ),
      );
      await writesNothing(async () => {
        for (const { key, value } of cases) {
          await expectFieldNamed(
            {
              method: route.method,
              path: wellFormedPath(route),
              headers: {
                authorization: allowedAuthorization(route),
                'content-type': 'application/json',
                [key]: value,
              },
              body: '{}',
            },
            key,
          );
        }
      });
    },
  );

  it.each(staffParamRoutes.map((route) => ({ name: routeName(route), route })))(
    '$name: a path id malformed, too long or with control characters',
    async ({ route }) => {
      const name = Object.keys(route.params!.shape)[0]!;
      const segments = [
        '%ZZ',
        '%E0%A4',
        '%',
        '%ED%A0%80',
        'a'.repeat(201),
        'a'.repeat(1025),
        encodeURIComponent('é'.repeat(600)),
        '%01',
        '%7F',
        '%20',
        '%0A',
      ];
      await writesNothing(async () => {
        for (const segment of segments) {
          await expectFieldNamed(
            {
              method: route.method,
              path: fillPath(route, [segment]),
              headers: { authorization: allowedAuthorization(route), 'content-type': 'application/json' },
              ...(route.method === 'POST' ? { body: '{}' } : {}),
            },
            name,
          );
        }
      });
    },
  );
});

// ---------------------------------------------------------------------------------------------------------
// The partner's pages answer with the reason that applies

const pageRoutes = routes.filter((route) => !route.roles && route.path.startsWith('/notices/'));

const pageTitles = partnerPageTitles;

function decodedOrUndefined(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Whether the route's own schema accepts `value` for the form or query field `name` (absent: refused). */
function accepts(route: Route, name: string, value: string | undefined): boolean {
  const shape = objectShapes(route.body?.schema ?? route.query)[0]?.shape ?? {};
  const field = shape[name];
  return value !== undefined && field?.safeParse(value).success === true;
}

/**
 * What the page must say, from what was sent: a body too large first, then the link (its notice id, then
 * its token), then the message, and only then the signature (a foreign token or an invalid one). Each field
 * is judged by the route's own declared schema; what is checked here is that the reason shown is the one that
 * applies.
 */
function expectedPage(
  route: Route,
  input: { segment: string; token: string | undefined; comment: string | undefined; bytes: number },
): { status: number; title: string } {
  if (route.body && input.bytes > MAX_BODY_BYTES) return { status: 413, title: pageTitles.tooLarge };
  const noticeId = decodedOrUndefined(input.segment);
  if (noticeId === undefined || !noticeParams.safeParse({ noticeId }).success)
    return { status: 403, title: pageTitles.invalidLink };
  if (!accepts(route, 'token', input.token)) return { status: 403, title: pageTitles.incomplete };
  const declaresComment = objectShapes(route.body?.schema).some(({ shape }) => 'comment' in shape);
  if (declaresComment && !accepts(route, 'comment', input.comment))
    return { status: 400, title: pageTitles.invalidForm };
  if (input.token === noticeB.token) return { status: 403, title: pageTitles.foreign };
  return { status: 403, title: pageTitles.invalidLink };
}

function tamperedTokenArb(): fc.Arbitrary<string> {
  return fc.record({ position: fc.nat(), code: fc.nat({ max: 63 }) }).map(({ position, code }) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const at = position % noticeA.token.length;
    let replacement = alphabet[code]!;
    if (replacement === noticeA.token[at]) replacement = alphabet[(code + 1) % 64]!;
    return `${noticeA.token.slice(0, at)}${replacement}${noticeA.token.slice(at + 1)}`;
  });
}

const tokenArb: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('', ' ', 'a.b', '.', '..', 'x'.repeat(2001), 'x'.repeat(2000)),
  tamperedTokenArb(),
  fc.constant(null).map(() => noticeB.token),
  fc.constant(null).map(() => `${noticeA.token}.x`),
  fc.constant(null).map(() => noticeA.token.replace('.', '')),
  latin1,
  unicodeText.map((text) => wellFormed(text)),
);

const pageSegmentArb = fc.oneof(
  fc.constant(null).map(() => encodeURIComponent(noticeA.noticeId)),
  fc.constantFrom(
    'chg_fuzz-v1',
    'x',
    '%ZZ',
    '%E0%A4',
    '%00',
    '%0A',
    '%20',
    '%2F',
    '%C0%AF',
    'a'.repeat(201),
    'a'.repeat(1500),
  ),
  fc.constant(null).map(() => encodeURIComponent(`${noticeA.noticeId}\u0001`)),
  unicodeText
    .filter((text) => text.length > 0 && text.length < 300 && !/^\.+$/.test(text))
    .map((text) => encodeURIComponent(wellFormed(text))),
);

describe('the partner’s pages: the reason that applies, as a page', () => {
  it.each(pageRoutes.map((route) => ({ name: routeName(route), route })))('$name', async ({ route }) => {
    const arbitrary = fc.record({
      segment: pageSegmentArb,
      token: tokenArb,
      comment: fc.option(
        fc.oneof(
          unicodeText.map((text) => wellFormed(text)),
          fc.constantFrom('short', '          ', 'A real concern about this cut.', 'c'.repeat(4001)),
        ),
        {
          nil: undefined,
        },
      ),
      junk: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), latin1, { maxKeys: 2 }),
      userAgent: fc.option(
        fc.oneof(
          latin1,
          fc.integer({ min: 1900, max: 6000 }).map((n) => 'Mozilla/5.0 '.padEnd(n, 'x')),
        ),
        {
          nil: undefined,
        },
      ),
      oversize: fc.boolean(),
    });
    await writesNothing(() =>
      check(
        `${routeName(route)} page`,
        arbitrary,
        async ({ segment, token, comment, junk, userAgent, oversize }) => {
          const fields: Record<string, string> = {
            ...Object.fromEntries(
              Object.entries(junk).filter(([key]) => key !== 'token' && key !== 'comment'),
            ),
            ...(token !== undefined ? { token } : {}),
            ...(comment !== undefined ? { comment } : {}),
            ...(oversize && route.body ? { padding: 'p'.repeat(MAX_BODY_BYTES) } : {}),
          };
          const encoded = new URLSearchParams(fields).toString();
          const request: RawRequest = route.body
            ? {
                method: route.method,
                path: fillPath(route, [segment]),
                headers: {
                  'content-type': 'application/x-www-form-urlencoded',
                  ...(userAgent ? { 'user-agent': userAgent } : {}),
                },
                body: encoded,
              }
            : {
                method: route.method,
                path: `${fillPath(route, [segment])}${encoded ? `?${encoded}` : ''}`,
                headers: userAgent ? { 'user-agent': userAgent } : {},
              };
          const response = await send(request);
          const expected = expectedPage(route, {
            segment,
            token,
            comment,
            bytes: Buffer.byteLength(encoded),
          });
          const reason = reasonOf(response);
          const title =
            typeof reason !== 'string' && reason.kind === 'page'
              ? reason.title
              : `(no page: ${JSON.stringify(reason).slice(0, 200)})`;
          assertWell(request, response, [
            ...(response.status !== expected.status || title !== expected.title
              ? [`expected ${expected.status} "${expected.title}", got ${response.status} "${title}"`]
              : []),
          ]);
        },
      ),
    );
  });
});

describe('paths no route declares', () => {
  it('answer 404 (or 401 for a junk token on /api/; a read outside the API is the console page) with a reason, never a 5xx', async () => {
    const pathArb = fc
      .array(
        fc.oneof(
          segmentArb('wild'),
          fc.constantFrom('api', 'notices', 'changes', 'openapi.json', 'dev-nope'),
        ),
        {
          minLength: 0,
          maxLength: 6,
        },
      )
      .map((segments) => `/${segments.join('/')}`)
      .chain((path) =>
        // Request targets that start like a host ("//host/…"): still paths, never a host to look past.
        fc.oneof(
          { weight: 4, arbitrary: fc.constant(path) },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom('//%ZZ', '//evil.example', '//a:b@', '//[::1', '//127.0.0.1:1')
              .map((host) => `${host}${path}`),
          },
        ),
      )
      .filter((path) => {
        const normalised = new URL(`http://127.0.0.1${path}`).pathname;
        return (
          path.length < 12_000 &&
          normalised !== '/' &&
          normalised !== '/dev' &&
          !normalised.startsWith('/dev/')
        );
      });
    const arbitrary = fc.record({
      path: pathArb,
      method: fc.constantFrom('GET', 'POST', 'PUT', 'HEAD'),
      authorization: authorizationArb,
    });
    await writesNothing(() =>
      check(
        'unknown paths',
        arbitrary,
        async ({ path, method, authorization }) => {
          const request: RawRequest = { method, path, headers: authorization ? { authorization } : {} };
          const response = await send(request);
          const normalised = new URL(`http://127.0.0.1${path}`).pathname;
          const routed = matchRoute(routes, method === 'HEAD' ? 'GET' : method, normalised);
          // A read of any other path is the console's: its page (the app routes it) or a missing file's 404.
          const consoles = isConsoleRequest(method, normalised) && [200, 404].includes(response.status);
          const expected = routed || consoles || [401, 404].includes(response.status);
          assertWell(request, response, expected ? [] : [`expected 404, got ${response.status}`]);
        },
        RUNS * 3,
      ),
    );
  });
});
