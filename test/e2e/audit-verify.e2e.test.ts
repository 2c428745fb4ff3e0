import { createVerify } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig } from '@pcn/local-s3';
import { describe, expect, it } from 'vitest';
import { auditStreamOf } from '../../functions/adapters/dynamodb/change-store.ts';
import { digestObjectKey } from '../../functions/adapters/s3/digest-archive.ts';
import { digestSigningBytes, type SignedDigest } from '../../functions/domain/audit-digest.ts';
import { LOCAL_AUDIT_DIGEST_BUCKET } from '../../local/system.ts';
import { AuditTamperer } from '../support/audit-tampering.ts';
import { cliTestSystem, runVerifier } from '../support/cli.ts';

/**
 * Verification as compliance meets it: `pcn audit verify|seal|digests|public-key` in a process of its own, and
 * GET /api/audit/verify, over the real local system (DynamoDB Local, the local S3 mirror, the digest file).
 */
const cli = cliTestSystem('pcn-audit-');
const { pcn } = cli;
const partnerId = 'northwind-resellers';

describe('pcn audit', () => {
  it('verifies, seals into a signed digest mirrored to S3, exports the key — and names a rolled-back tail', {
    timeout: 90_000,
  }, async () => {
    const finance = await cli.api.token('finance', 'fiona');
    const { changeId } = await cli.api.approvedCut(finance, partnerId, 12, 61);
    const fresh = await pcn('audit', 'verify');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/^INTACT: \d+ entries in \d+ streams \(every stream\)/);
    expect(fresh.stdout).toContain('No digest yet');

    const seal = await pcn('audit', 'seal');
    expect(seal.code, seal.stderr).toBe(0);
    expect(seal.stdout).toMatch(/^Sealed digest 1: \d+ streams, \d+ entries\./);
    expect((await pcn('audit', 'seal')).stdout).toContain('Nothing new since digest 1');
    const digests = await pcn('audit', 'digests');
    expect(digests.stdout).toMatch(/\n1 +2026-11-23T09:00:00\.000Z/);

    // The mirror in the local S3 holds the same signed digest the API answers.
    const archived = await cli.api.request<SignedDigest>('GET', '/api/audit/digests/1', {
      token: await cli.api.token('compliance'),
    });
    expect(archived.status).toBe(200);
    const s3 = new S3Client(localS3ClientConfig(cli.system.s3Endpoint));
    const object = await s3.send(
      new GetObjectCommand({ Bucket: LOCAL_AUDIT_DIGEST_BUCKET, Key: digestObjectKey(1) }),
    );
    expect(JSON.parse(await object.Body!.transformToString())).toEqual(archived.body);
    s3.destroy();

    // An auditor checks the signature with the exported key alone.
    const keyFile = join(cli.dir, 'audit-key.pem');
    const exported = await pcn('audit', 'public-key', '--out', keyFile);
    expect(exported.stdout).toMatch(/^Wrote local:[0-9a-f]{16}'s public key to /);
    const verifier = createVerify('sha256');
    verifier.update(digestSigningBytes(archived.body.digest));
    expect(
      verifier.verify(await readFile(keyFile, 'utf8'), Buffer.from(archived.body.signature, 'base64')),
    ).toBe(true);

    // Delete the change's tail and roll its head back: consistent in the table, not with digest 1.
    const stream = auditStreamOf(changeId);
    const tamper = new AuditTamperer(cli.system.deps.documentClient, cli.system.deps.tables.auditTrail);
    const kept = (await tamper.entries(stream)).length - 1;
    await tamper.truncateAndRollBack(stream, kept);
    const tampered = await pcn('audit', 'verify', '--partner', partnerId);
    expect(tampered.code).toBe(3);
    expect(tampered.stdout).toMatch(/^TAMPERED: .*\(partner northwind-resellers\)/);
    expect(tampered.stdout).toContain(
      `${stream} entry ${kept + 1}: rolled-back — Digest 1 sealed this stream`,
    );
    const json = JSON.parse((await pcn('audit', 'verify', '--partner', partnerId, '--json')).stdout);
    expect(json).toMatchObject({ intact: false, problems: [{ stream, seq: kept + 1, kind: 'rolled-back' }] });
    // Another partner's streams are not in that one's verification.
    const other = await pcn('audit', 'verify', '--partner', 'fabrikam-solutions');
    expect(other.code, other.stdout).toBe(0);
  });
});

describe('GET /api/audit/verify', () => {
  it('is compliance’s: other roles 403; a bad `since` 400 naming it; an unknown partner 404; since narrows', async () => {
    const compliance = await cli.api.token('compliance');
    for (const role of ['finance', 'approver', 'partner-manager']) {
      const refused = await cli.api.request('GET', '/api/audit/verify', { token: await cli.api.token(role) });
      expect(refused.status, role).toBe(403);
    }
    const bad = await cli.api.request<{ fields: { field: string; reason: string }[] }>(
      'GET',
      '/api/audit/verify?since=last-week',
      { token: compliance },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([
      { field: 'since', reason: 'must be a date YYYY-MM-DD or an ISO 8601 time' },
    ]);
    const unknown = await cli.api.request('GET', '/api/audit/verify?partnerId=nobody', { token: compliance });
    expect(unknown.status).toBe(404);
    const all = await cli.api.request<{ streams: number }>('GET', '/api/audit/verify', { token: compliance });
    const later = await cli.api.request<{ streams: number; scope: { since: string } }>(
      'GET',
      '/api/audit/verify?since=2030-01-01',
      { token: compliance },
    );
    expect(later.body.scope.since).toBe('2030-01-01T00:00:00.000Z');
    expect(later.body.streams).toBeLessThan(all.body.streams);
  });
});

type Entry = { stream: string; seq: number; at: string; type: string; actor: string };
type SearchPage = { entries: Entry[]; nextCursor?: string };

/** Fiona's approved cut for adventure-works, made once by whichever test needs it first. */
let fionasCut: Promise<string> | undefined;
const fionasChange = () => {
  fionasCut ??= cli.api
    .token('finance', 'fiona')
    .then((finance) => cli.api.approvedCut(finance, 'adventure-works', 10, 31))
    .then((cut) => cut.changeId);
  return fionasCut;
};

describe('GET /api/audit: search', () => {
  /** Every page of a search, following nextCursor. */
  async function allPages(query: Record<string, string>, token: string) {
    const pages: SearchPage[] = [];
    let cursor: string | undefined;
    do {
      const params = new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) });
      const response = await cli.api.request<SearchPage>('GET', `/api/audit?${params}`, { token });
      expect(response.status, response.text).toBe(200);
      pages.push(response.body);
      cursor = response.body.nextCursor;
    } while (cursor && pages.length < 500);
    return pages;
  }
  const key = (entry: Entry) => `${entry.stream}#${entry.seq}`;

  it('pages through everything once, newest first, even when every entry shares one instant (a frozen clock)', async () => {
    const compliance = await cli.api.token('compliance');
    await fionasChange();
    const heads = await cli.system.deps.audit.heads();
    const total = heads.reduce((sum, head) => sum + head.seq, 0);
    const pages = await allPages({ limit: '7' }, compliance);
    const entries = pages.flatMap((page) => page.entries);
    expect(pages.every((page) => page.entries.length <= 7)).toBe(true);
    expect(new Set(entries.map(key)).size).toBe(entries.length);
    expect(entries.length).toBe(total);
    const ats = entries.map((entry) => entry.at);
    expect([...ats].sort().reverse()).toEqual(ats);
  });

  it('filters by partner, change, type, actor and time, each page within the filter', async () => {
    const compliance = await cli.api.token('compliance');
    const changeId = await fionasChange();
    const byChange = (await allPages({ changeId, limit: '2' }, compliance)).flatMap((page) => page.entries);
    expect(byChange.map((entry) => entry.stream)).toEqual(byChange.map(() => `change#${changeId}`));
    expect(byChange.map((entry) => entry.seq)).toEqual(
      [...byChange.map((entry) => entry.seq)].sort((a, b) => b - a),
    );
    const byPartner = (await allPages({ partnerId: 'adventure-works', limit: '3' }, compliance)).flatMap(
      (page) => page.entries,
    );
    expect(byPartner.map(key)).toEqual(expect.arrayContaining(byChange.map(key)));
    expect(byPartner.some((entry) => entry.stream === 'partner#adventure-works')).toBe(true);
    expect(byPartner.every((entry) => !entry.stream.includes('northwind'))).toBe(true);
    const sent = (await allPages({ type: 'notice-sent', limit: '2' }, compliance)).flatMap(
      (page) => page.entries,
    );
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sent.map((entry) => entry.type))).toEqual(new Set(['notice-sent']));
    const byFiona = (await allPages({ actor: 'fiona' }, compliance)).flatMap((page) => page.entries);
    expect(byFiona.length).toBeGreaterThanOrEqual(2);
    expect(new Set(byFiona.map((entry) => entry.actor))).toEqual(new Set(['fiona']));
    const future = await allPages({ from: '2030-01-01' }, compliance);
    expect(future.flatMap((page) => page.entries)).toEqual([]);
    const until = await allPages({ to: '2026-11-23T09:00:00Z', partnerId: 'adventure-works' }, compliance);
    expect(
      until.flatMap((page) => page.entries).every((entry) => entry.at < '2026-11-23T09:00:00.000Z'),
    ).toBe(true);
    const forged = await cli.api.request<{ fields: { field: string }[] }>('GET', '/api/audit?cursor=abc', {
      token: compliance,
    });
    expect(forged.status).toBe(400);
    expect(forged.body.fields[0]!.field).toBe('cursor');
  });

  it('lets finance and approvers read only their own changes (another’s answers 404; a search 400)', async () => {
    const fiona = await cli.api.token('finance', 'fiona');
    const changeId = await fionasChange();
    const own = await cli.api.request<{ entries: Entry[]; chain: { intact: boolean } }>(
      'GET',
      `/api/audit?changeId=${changeId}`,
      { token: fiona },
    );
    expect(own.status).toBe(200);
    expect(own.body.chain.intact).toBe(true);
    const approver = await cli.api.request('GET', `/api/audit?changeId=${changeId}`, {
      token: await cli.api.token('approver', 'amara'),
    });
    expect(approver.status).toBe(200);
    const other = await cli.api.request('GET', `/api/audit?changeId=${changeId}`, {
      token: await cli.api.token('finance', 'felix'),
    });
    expect(other.status).toBe(404);
    const search = await cli.api.request<{ fields: { field: string }[] }>(
      'GET',
      '/api/audit?partnerId=adventure-works',
      {
        token: fiona,
      },
    );
    expect(search.status).toBe(400);
    expect(search.body.fields[0]!.field).toBe('changeId');
  });
});

describe('pcn audit export and the standalone verifier', () => {
  it('exports JSON Lines an auditor verifies with the files alone; an edited byte or a cut tail fails it', {
    timeout: 90_000,
  }, async () => {
    await fionasChange();
    const dir = join(cli.dir, 'export-adventure-works');
    const exported = await pcn('audit', 'export', '--partner', 'adventure-works', '--out', dir);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^Exported [1-9]\d* entries of adventure-works \(jsonl\), \d+ digests/);
    const verified = await runVerifier(dir);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^INTACT: \d+ entries in \d+ streams/);

    const file = join(dir, 'audit-entries.jsonl');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('"actor":"', '"actor":"x'));
    const edited = await runVerifier(dir);
    expect(edited.code, edited.stdout).toBe(3);
    expect(edited.stdout).toMatch(/entry 1: altered/);
    await writeFile(file, original.trimEnd().split('\n').slice(0, -1).join('\n'));
    const cut = await runVerifier(dir);
    expect(cut.code, cut.stdout).toBe(3);
    expect(cut.stdout).toMatch(/truncated-tail/);
  });

  it('a whole export finds the tail the first test deleted, as the system’s own verify did; CSV has one row an entry', {
    timeout: 90_000,
  }, async () => {
    const dir = join(cli.dir, 'export-all');
    expect((await pcn('audit', 'export', '--out', dir)).code).toBe(0);
    const verified = await runVerifier(dir, '--json');
    expect(verified.code).toBe(3);
    const result = JSON.parse(verified.stdout) as { problems: { kind: string; stream: string }[] };
    expect(result.problems.map((problem) => problem.kind)).toEqual(['rolled-back']);
    const csvDir = join(cli.dir, 'export-csv');
    const csv = await pcn('audit', 'export', '--format', 'csv', '--out', csvDir, '--json');
    const manifest = JSON.parse(csv.stdout) as { entries: number };
    const rows = (await readFile(join(csvDir, 'audit-entries.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(rows[0]).toBe('stream,seq,at,type,actor,details,prevHash,hash');
    expect(rows.length - 1).toBeGreaterThanOrEqual(manifest.entries);
  });
});
