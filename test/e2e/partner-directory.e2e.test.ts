import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { partnerSummarySchema } from '../../functions/directory/routes.ts';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { snapshotSettledTables } from '../support/table-snapshot.ts';
import { startTestSystem } from '../support/test-system.ts';

/** The partner directory over HTTP: create, edit with a version, search and page, who may write. */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let manager: string;
let otherManager: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  manager = await api.token('partner-manager', 'dana');
  otherManager = await api.token('partner-manager', 'luis');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

type Answer = Record<string, unknown> & {
  error: string;
  fields: { field: string; reason: string }[];
  version: number;
  currentVersion: number;
  outcome: string;
};

interface ListAnswer {
  partners: z.infer<typeof partnerSummarySchema>[];
  cursor?: string;
  error?: string;
  fields?: { field: string; reason: string }[];
}

const tables = () => snapshotSettledTables(system);

function profile(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    region: 'EMEA',
    tier: 'silver',
    tags: ['cloud'],
    allianceManager: { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
    contacts: [
      { contactId: 'ops', name: 'Ada Kim', email: 'ada.kim@partner.example', role: 'primary' },
      { contactId: 'owner', name: 'Ben Ode', email: 'ben.ode@partner.example', role: 'fallback' },
    ],
    ...overrides,
  };
}

const create = (partnerId: string, overrides: Record<string, unknown> = {}, token = manager) =>
  api.request<Answer>('POST', '/api/partners', {
    token,
    json: {
      partnerId,
      stage: 'transactional',
      ...profile(`Partner ${partnerId}`),
      openingRates: [{ ratePct: 11.5, effectiveFrom: '2025-01-01' }],
      ...overrides,
    },
  });

const update = (partnerId: string, body: unknown, options: { token?: string; ifMatch?: string } = {}) =>
  api.request<Answer>('PUT', `/api/partners/${encodeURIComponent(partnerId)}`, {
    token: options.token ?? manager,
    json: body,
    headers: options.ifMatch ? { 'if-match': options.ifMatch } : {},
  });

const list = (query: string) => api.request<ListAnswer>('GET', `/api/partners${query}`, { token: finance });

const auditTypes = async (partnerId: string) =>
  (await system.deps.partners.auditEntries(partnerId)).map((entry) => entry.type);

describe('POST /api/partners', () => {
  it('creates a partner at version 1 with its opening rate, readable by every staff role', async () => {
    const created = await create('e2e-create');
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({
      partnerId: 'e2e-create',
      stage: 'transactional',
      version: 1,
      tags: ['cloud'],
    });
    const detail = await api.request<Answer>('GET', '/api/partners/e2e-create', { token: finance });
    expect(detail.status).toBe(200);
    expect(detail.headers.get('etag')).toBe('"1"');
    expect(detail.body).toMatchObject({
      region: 'EMEA',
      tier: 'silver',
      tags: ['cloud'],
      version: 1,
      currentRatePct: 11.5,
      createdAt: (await api.now()).toISOString(),
      updatedAt: (await api.now()).toISOString(),
    });
    expect(await auditTypes('e2e-create')).toEqual(['partner-created']);
  });

  it('twice answers 409 with the stored partner and writes nothing', async () => {
    expect((await create('e2e-twice')).status).toBe(201);
    const before = await tables();
    const again = await create('e2e-twice', { name: 'Something else' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: 'partner-exists',
      currentVersion: 1,
      current: { name: 'Partner e2e-twice' },
    });
    expect(await tables()).toEqual(before);
  });

  it('refuses bad input naming each field, and writes nothing', async () => {
    const before = await tables();
    const refused = await create('e2e-bad', {
      contacts: [
        { contactId: 'a', name: 'Ada', email: 'not-an-email', role: 'fallback' },
        { contactId: 'a', name: 'Ben', email: 'ben@partner.example', role: 'fallback' },
      ],
      colour: 'blue',
    });
    expect(refused.status).toBe(400);
    const fields = refused.body.fields.map((item) => item.field).sort();
    expect(fields).toEqual(['colour', 'contacts', 'contacts.0.email', 'contacts.1.contactId']);
    for (const item of refused.body.fields) expect(item.reason.length).toBeGreaterThan(5);
    expect(refused.body.fields).toContainEqual({
      field: 'contacts',
      reason: expect.stringContaining('primary'),
    });
    expect((await create('e2e-bad', { partnerId: 'has spaces/and a slash' })).body.fields).toEqual([
      { field: 'partnerId', reason: expect.stringContaining('letters, digits') },
    ]);
    expect(await tables()).toEqual(before);
  });

  it('is for partner managers only (403 for any other staff role, nothing written)', async () => {
    const before = await tables();
    for (const role of ['finance', 'approver', 'compliance']) {
      const refused = await create('e2e-forbidden', {}, await api.token(role));
      expect(refused.status).toBe(403);
    }
    const put = await update(
      'northwind-resellers',
      { ...profile('Northwind'), version: 1 },
      { token: finance },
    );
    expect(put.status).toBe(403);
    expect(await tables()).toEqual(before);
  });
});

describe('PUT /api/partners/{partnerId}', () => {
  it('updates the profile from its version (200, version + 1, stage kept, audited)', async () => {
    await create('e2e-edit');
    const edited = await update('e2e-edit', { ...profile('Edited Partner', { tier: 'gold' }), version: 1 });
    expect(edited.status).toBe(200);
    expect(edited.headers.get('etag')).toBe('"2"');
    expect(edited.body).toMatchObject({
      outcome: 'updated',
      version: 2,
      tier: 'gold',
      stage: 'transactional',
    });
    expect(await auditTypes('e2e-edit')).toEqual(['partner-created', 'partner-updated']);
    const entries = await system.deps.partners.auditEntries('e2e-edit');
    expect(entries[1]).toMatchObject({
      actor: 'dana',
      details: {
        changes: {
          name: { before: 'Partner e2e-edit', after: 'Edited Partner' },
          tier: { before: 'silver', after: 'gold' },
        },
      },
    });
  });

  it('by two editors from the same version: exactly one 200 and one 409 naming the current version', async () => {
    await create('e2e-race');
    const [a, b] = await Promise.all([
      update('e2e-race', { ...profile('Dana’s name'), version: 1 }),
      update('e2e-race', { ...profile('Luis’s name'), version: 1 }, { token: otherManager }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body).toMatchObject({
      error: 'version-conflict',
      currentVersion: 2,
      current: { version: 2 },
    });
    expect(loser.body.message).toContain('version 2');
    expect((await auditTypes('e2e-race')).filter((type) => type === 'partner-updated')).toHaveLength(1);
  });

  it('with the profile it already has writes nothing and keeps the version', async () => {
    await create('e2e-same');
    const before = await tables();
    const same = await update('e2e-same', { ...profile('Partner e2e-same'), version: 1 });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ outcome: 'unchanged', version: 1 });
    expect(await tables()).toEqual(before);
  });

  it('takes the version from If-Match, and refuses one that disagrees with the body', async () => {
    await create('e2e-if-match');
    const viaHeader = await update('e2e-if-match', profile('Renamed via If-Match'), { ifMatch: '"1"' });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.version).toBe(2);
    const stale = await update('e2e-if-match', profile('Stale'), { ifMatch: '"1"' });
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(2);
    const disagree = await update('e2e-if-match', { ...profile('Either'), version: 2 }, { ifMatch: '"3"' });
    expect(disagree.status).toBe(400);
    expect(disagree.body.fields).toEqual([
      { field: 'if-match', reason: expect.stringContaining('version 3') },
    ]);
    const none = await update('e2e-if-match', profile('No version'));
    expect(none.status).toBe(400);
    expect(none.body.fields).toEqual([{ field: 'version', reason: expect.stringContaining('required') }]);
    const malformed = await update('e2e-if-match', profile('Bad tag'), { ifMatch: '*' });
    expect(malformed.body.fields).toEqual([
      { field: 'if-match', reason: expect.stringContaining('version') },
    ]);
  });

  it('refuses a stage in the body (a stage move is a change), unknown fields and bad contacts, naming each', async () => {
    const before = await tables();
    const refused = await update('northwind-resellers', {
      ...profile('Northwind Resellers', {
        contacts: [{ contactId: 'x', name: 'X', email: 'x@', role: 'fallback' }],
      }),
      version: 1,
      stage: 'partnership',
      partnerId: 'other',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.fields.map((item) => item.field).sort()).toEqual([
      'contacts',
      'contacts.0.email',
      'partnerId',
      'stage',
    ]);
    expect(refused.body.fields).toContainEqual({ field: 'stage', reason: expect.stringContaining('change') });
    expect(await tables()).toEqual(before);
  });

  it('of no partner is 404', async () => {
    const missing = await update('e2e-nobody', { ...profile('Nobody'), version: 1 });
    expect(missing.status).toBe(404);
  });

  it('answers other methods on a partner 405 naming GET, HEAD and PUT', async () => {
    const wrong = await api.request('PATCH', '/api/partners/northwind-resellers', { token: manager });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'PUT']);
  });
});

describe('GET /api/partners', () => {
  beforeAll(async () => {
    const stages = ['transactional', 'enhanced', 'collaborative', 'partnership'];
    for (let index = 0; index < 12; index += 1) {
      const created = await create(`e2e-list-${String(index).padStart(2, '0')}`, {
        name: `Listing Corp ${String(index).padStart(2, '0')}`,
        stage: stages[index % 4],
        region: index % 2 === 0 ? 'APAC' : 'NA',
        tier: index % 3 === 0 ? 'platinum' : 'bronze',
        tags: index % 4 === 0 ? ['listing', 'distributor'] : ['listing'],
      });
      expect(created.status).toBe(201);
    }
  });

  it('keeps the fields the console and the CLI read, adds region, tier, tags and version', async () => {
    const page = await list('');
    expect(page.status).toBe(200);
    const northwind = page.body.partners.find((partner) => partner.partnerId === 'northwind-resellers');
    expect(northwind).toEqual({
      partnerId: 'northwind-resellers',
      name: 'Northwind Resellers',
      stage: 'transactional',
      region: 'EMEA',
      tier: 'registered',
      tags: ['reseller', 'smb'],
      version: 1,
      currentRatePct: 12,
    });
  });

  it('searches name or id, case-insensitively', async () => {
    const byName = await list('?q=LISTING%20corp%2007');
    expect(byName.body.partners.map((partner) => partner.partnerId)).toEqual(['e2e-list-07']);
    const byId = await list('?q=E2E-LIST-1');
    expect(byId.body.partners.map((partner) => partner.partnerId)).toEqual(['e2e-list-10', 'e2e-list-11']);
  });

  it('filters by stage, region, tier and tag, each and together', async () => {
    const ids = async (query: string) =>
      (await list(`${query}&limit=200`)).body.partners.map((partner) => partner.partnerId).sort();
    expect(await ids('?tag=listing&stage=enhanced')).toEqual(['e2e-list-01', 'e2e-list-05', 'e2e-list-09']);
    expect(await ids('?tag=listing&region=APAC')).toHaveLength(6);
    expect(await ids('?tag=listing&tier=platinum')).toEqual([
      'e2e-list-00',
      'e2e-list-03',
      'e2e-list-06',
      'e2e-list-09',
    ]);
    // The demo partner Adventure Works is a distributor too.
    expect(await ids('?tag=distributor')).toEqual([
      'adventure-works',
      'e2e-list-00',
      'e2e-list-04',
      'e2e-list-08',
    ]);
    expect(await ids('?stage=partnership&region=NA&tag=listing')).toEqual([
      'e2e-list-03',
      'e2e-list-07',
      'e2e-list-11',
    ]);
  });

  it('pages with a cursor over more than one page, each partner once, filtered or not', async () => {
    const all = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.partners.length).toBeLessThanOrEqual(5);
        seen.push(...page.body.partners.map((partner) => partner.partnerId));
        cursor = page.body.cursor;
        pages += 1;
      } while (cursor && pages < 50);
      return { seen, pages };
    };
    const filtered = await all('?tag=listing&limit=5');
    expect(filtered.pages).toBe(3);
    expect(filtered.seen.sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `e2e-list-${String(i).padStart(2, '0')}`),
    );
    const everything = await all('?limit=5');
    expect(everything.pages).toBeGreaterThan(3);
    expect(new Set(everything.seen).size).toBe(everything.seen.length);
    expect(everything.seen.length).toBe((await list('?limit=200')).body.partners.length);
  });

  it('refuses a forged or foreign cursor and a bad limit with 400 naming the field', async () => {
    const forged = [
      'not-base64-json',
      Buffer.from(JSON.stringify({ pk: 'change#x', sk: 'change' })).toString('base64url'),
      Buffer.from(JSON.stringify({ partnerId: '' })).toString('base64url'),
      Buffer.from(JSON.stringify({ partnerId: 'x', extra: 'y' })).toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      // A lone surrogate: no DynamoDB key can hold it.
      Buffer.from('{"partnerId":"\\ud800"}').toString('base64url'),
    ];
    for (const cursor of forged) {
      const refused = await list(`?cursor=${encodeURIComponent(cursor)}`);
      expect(refused.status, cursor).toBe(400);
      expect(refused.body.fields).toEqual([{ field: 'cursor', reason: expect.any(String) }]);
    }
    // A well-formed cursor naming no partner starts the scan there: an answer, never a 5xx.
    const unknown = Buffer.from(JSON.stringify({ partnerId: 'zzz-no-such-partner' })).toString('base64url');
    expect((await list(`?cursor=${unknown}`)).status).toBe(200);
    for (const limit of ['0', '201', 'ten', '1.5']) {
      const refused = await list(`?limit=${limit}`);
      expect(refused.status).toBe(400);
      expect(refused.body.fields?.[0]?.field).toBe('limit');
    }
  });
});
