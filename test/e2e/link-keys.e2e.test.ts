import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAcknowledgementLink } from '../../functions/domain/acknowledgement-link.ts';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { defaultLifecyclePolicy } from '../../functions/domain/lifecycle-policy.ts';
import { LEGACY_KID, parseLinkKeyring } from '../../functions/domain/link-keys.ts';
import { type LinkKeyRotation, rotateStoredLinkKeys } from '../../functions/notices/link-key-rotation.ts';
import { loadLocalSecrets, localLinkKeyStore } from '../../local/local-secrets.ts';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { runPcn } from '../support/cli.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * Rotating the link-signing keys on the real local system (DynamoDB Local, the local workflows, the virtual
 * clock): links already sent keep working, new links carry the new key's kid, and a key past its retireAfter is
 * dropped and its links refused. Rotation here is `pcn link-keys rotate` (POST /dev/link-keys/rotate); in AWS it
 * is Secrets Manager's schedule (infra/link-keys.ts) with the same rule (functions/domain/link-keys.ts).
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const kidOf = (link: URL) => link.searchParams.get('token')!.split('.')[0]!;
const pathOf = (link: URL) => `${link.pathname}${link.search}`;

function withToken(link: URL, token: string): string {
  return `${link.pathname}?token=${encodeURIComponent(token)}`;
}

/** The claims a link's token carries (its payload, the middle part). */
function claimsOf(link: URL) {
  const [changeId, noticeId, contactId, expiresAt] = JSON.parse(
    Buffer.from(link.searchParams.get('token')!.split('.')[1]!, 'base64url').toString('utf8'),
  ) as [string, string, string, number];
  return { changeId, noticeId, contactId, expiresAt };
}

describe('link-signing key rotation', () => {
  let sentBefore: URL;
  let firstKid: string;

  it('a link sent before a rotation still opens and acknowledges after it; links sent after carry the new kid', async () => {
    const first = await api.approvedCut(finance, 'northwind-resellers', 12, 31);
    sentBefore = first.link;
    firstKid = kidOf(sentBefore);
    expect((await system.linkKeys.read()).current).toBe(firstKid);

    const rotated = await runPcn(system.baseUrl, 'link-keys', 'rotate', '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    const rotation = JSON.parse(rotated.stdout) as LinkKeyRotation;
    expect(rotation.current).not.toBe(firstKid);
    expect(rotation.retiring?.kid).toBe(firstKid);
    expect(rotation.kids).toEqual([firstKid, rotation.current]);
    expect(JSON.stringify(rotation)).not.toContain((await system.linkKeys.read()).keys[0]!.secret);

    const opened = await api.request('GET', pathOf(sentBefore));
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('Acknowledge this notice');
    const acknowledged = await api.acknowledgeLink(sentBefore);
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.text).toContain('your acknowledgement is recorded');

    const second = await api.approvedCut(finance, 'adventure-works', 10, 40);
    expect(kidOf(second.link)).toBe(rotation.current);
    expect((await api.acknowledgeLink(second.link)).status).toBe(200);
  }, 120_000);

  it('a key past its retireAfter is dropped at the next rotation, and its links are refused like any link we did not sign', async () => {
    const ring = await system.linkKeys.read();
    const firstKey = ring.keys.find((key) => key.kid === firstKid)!;
    const retireAfter = Date.parse(firstKey.retireAfter!);
    // A token of the first key that would outlive it (our own signature, so it verifies while the key does):
    // only the key's retirement can refuse it.
    const outliving = signAcknowledgementLink(
      { ...claimsOf(sentBefore), expiresAt: retireAfter + 365 * DAY_MS },
      firstKey,
    );
    expect((await api.request('GET', withToken(sentBefore, outliving))).status).toBe(200);

    // Both changes were acknowledged, so nothing waits on the clock: the jump to past retireAfter is quick.
    const now = system.clock.now().getTime();
    await system.advanceAndSettle(retireAfter - now + DAY_MS);
    const rotation = await api.request<LinkKeyRotation>('POST', '/dev/link-keys/rotate');
    expect(rotation.status).toBe(200);
    expect(rotation.body.dropped).toEqual([firstKid]);
    expect(rotation.body.kids).not.toContain(firstKid);

    for (const token of [outliving, sentBefore.searchParams.get('token')!]) {
      const page = await api.request('GET', withToken(sentBefore, token));
      expect(page.status).toBe(403);
      expect(page.text).toContain('This link is not valid');
      const post = await api.request('POST', `${sentBefore.pathname}/acknowledgement`, { form: { token } });
      expect(post.status).toBe(403);
    }
  }, 300_000);
});

describe('the local secrets file', () => {
  it('reads a file from before key ids as the legacy key, and keeps the ring form after a rotation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pcn-secrets-'));
    try {
      const file = join(dir, 'secrets.json');
      await writeFile(
        file,
        JSON.stringify({ acknowledgementLinkSecret: 'old-plain-secret-0123456789', devTokenSecret: 'dev' }),
      );
      const secrets = await loadLocalSecrets(file);
      expect(secrets.acknowledgementLinkKeys.current).toBe(LEGACY_KID);
      expect(secrets.devTokenSecret).toBe('dev');
      const store = localLinkKeyStore(secrets, file);
      const rotation = await rotateStoredLinkKeys(
        store,
        new Date('2026-12-01T00:00:00.000Z'),
        defaultLifecyclePolicy,
      );
      const stored = JSON.parse(await readFile(file, 'utf8')) as { acknowledgementLinkKeys: unknown };
      const ring = parseLinkKeyring(JSON.stringify(stored.acknowledgementLinkKeys));
      expect(ring.current).toBe(rotation.current);
      expect(ring.keys.find((key) => key.kid === LEGACY_KID)?.secret).toBe('old-plain-secret-0123456789');
      expect((await loadLocalSecrets(file)).acknowledgementLinkKeys).toEqual(ring);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
