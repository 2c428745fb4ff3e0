import { createVerify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig } from '@pcn/local-s3';
import { describe, expect, it } from 'vitest';
import { auditStreamOf } from '../../functions/adapters/dynamodb/change-store.ts';
import { digestObjectKey } from '../../functions/adapters/s3/digest-archive.ts';
import { digestSigningBytes, type SignedDigest } from '../../functions/domain/audit-digest.ts';
import { LOCAL_AUDIT_DIGEST_BUCKET } from '../../local/system.ts';
import { AuditTamperer } from '../support/audit-tampering.ts';
import { cliTestSystem } from '../support/cli.ts';

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
