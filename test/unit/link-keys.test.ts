import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkKeyringSource } from '../../functions/adapters/secrets/link-keyring-source.ts';
import type { Dependencies } from '../../functions/dependencies.ts';
import {
  type AcknowledgementLinkClaims,
  signAcknowledgementLink,
  verifyAcknowledgementLink,
} from '../../functions/domain/acknowledgement-link.ts';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { defaultLifecyclePolicy } from '../../functions/domain/lifecycle-policy.ts';
import {
  keysLostByRotation,
  LEGACY_KID,
  type LinkKeyring,
  MalformedLinkKeyring,
  maxLinkLifetimeDays,
  newLinkKey,
  parseLinkKeyring,
  rotateLinkKeys,
  serializeLinkKeyring,
  signingKey,
} from '../../functions/domain/link-keys.ts';
import { MAX_EFFECTIVE_YEARS } from '../../functions/domain/submission-rules.ts';
import { verifyLink } from '../../functions/notices/links.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const LIFETIME = maxLinkLifetimeDays(defaultLifecyclePolicy);
const CLAIMS: AcknowledgementLinkClaims = {
  changeId: 'chg_001',
  noticeId: 'ntc_001',
  contactId: 'contact-42',
  expiresAt: NOW.getTime() + 400 * DAY_MS,
};
const LEGACY_SECRET = 'Pl41nS3cretFromBeforeKeyIds0123456789abcdefghijklmnopqrstuvwxyzAB';

/** The token format from before key ids (git history of functions/domain/acknowledgement-link.ts). */
function legacyToken(claims: AcknowledgementLinkClaims, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify([claims.changeId, claims.noticeId, claims.contactId, claims.expiresAt]),
  ).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

/** A ring after `rotations` rotations, `stepDays` apart, from a legacy secret at NOW. */
function rotated(rotations: number, stepDays: number): { ring: LinkKeyring; at: Date } {
  let ring = parseLinkKeyring(LEGACY_SECRET);
  let at = NOW;
  for (let index = 0; index < rotations; index++) {
    at = new Date(at.getTime() + stepDays * DAY_MS);
    ring = rotateLinkKeys(ring, at, newLinkKey(at), LIFETIME);
  }
  return { ring, at };
}

describe('the link-signing keyring', () => {
  it('reads a plain secret from before key ids as the one key "legacy", which still verifies kid-less tokens', () => {
    const ring = parseLinkKeyring(LEGACY_SECRET);
    expect(ring).toEqual({
      current: LEGACY_KID,
      keys: [{ kid: LEGACY_KID, secret: LEGACY_SECRET, createdAt: '1970-01-01T00:00:00.000Z' }],
    });
    expect(verifyAcknowledgementLink(legacyToken(CLAIMS, LEGACY_SECRET), CLAIMS.noticeId, ring, NOW)).toEqual(
      {
        valid: true,
        claims: CLAIMS,
      },
    );
  });

  it('round-trips through its JSON form', () => {
    const { ring } = rotated(3, 30);
    expect(parseLinkKeyring(serializeLinkKeyring(ring))).toEqual(ring);
  });

  it.each([
    ['not JSON', '{"current": "a", ', /not JSON/],
    ['no keys', '{"current": "a", "keys": []}', /keys/],
    [
      'a current key that is not in the ring',
      '{"current": "b", "keys": [{"kid": "a", "secret": "0123456789abcdef", "createdAt": "2026-01-01T00:00:00.000Z"}]}',
      /current: names no key/,
    ],
    [
      'a kid with a dot',
      '{"current": "a.b", "keys": [{"kid": "a.b", "secret": "0123456789abcdef", "createdAt": "2026-01-01T00:00:00.000Z"}]}',
      /kid/,
    ],
    [
      'two keys with one kid',
      '{"current": "a", "keys": [{"kid": "a", "secret": "0123456789abcdef", "createdAt": "2026-01-01T00:00:00.000Z"}, {"kid": "a", "secret": "fedcba9876543210", "createdAt": "2026-01-01T00:00:00.000Z"}]}',
      /unique/,
    ],
    [
      'a retiring current key',
      '{"current": "a", "keys": [{"kid": "a", "secret": "0123456789abcdef", "createdAt": "2026-01-01T00:00:00.000Z", "retireAfter": "2027-01-01T00:00:00.000Z"}]}',
      /retiring/,
    ],
    [
      'a short secret',
      '{"current": "a", "keys": [{"kid": "a", "secret": "short", "createdAt": "2026-01-01T00:00:00.000Z"}]}',
      /secret/,
    ],
    ['an empty secret', '', /empty/],
  ])('refuses a malformed ring (%s) with an error naming the problem', (_what, text, problem) => {
    expect(() => parseLinkKeyring(text)).toThrow(MalformedLinkKeyring);
    expect(() => parseLinkKeyring(text)).toThrow(problem);
  });

  it('a link lives at most the effective-date horizon plus the days after applying, plus a day for cached rings', () => {
    expect(LIFETIME).toBe(365 * MAX_EFFECTIVE_YEARS + defaultLifecyclePolicy.linkValidAfterApplyDays + 1);
    // A notice period longer than the horizon would bound it instead.
    const long = {
      ...defaultLifecyclePolicy,
      stages: {
        ...defaultLifecyclePolicy.stages,
        partnership: { ...defaultLifecyclePolicy.stages.partnership, adverseNoticeDays: 2000 },
      },
    };
    expect(maxLinkLifetimeDays(long)).toBe(2001 + defaultLifecyclePolicy.linkValidAfterApplyDays + 1);
  });

  it('rotation signs with the new key, keeps the old one verifying until its links have expired, then drops it', () => {
    const legacy = parseLinkKeyring(LEGACY_SECRET);
    const sentBefore = legacyToken(CLAIMS, LEGACY_SECRET);
    const next = newLinkKey(NOW);
    const ring = rotateLinkKeys(legacy, NOW, next, LIFETIME);
    expect(signingKey(ring).kid).toBe(next.kid);
    const retireAfter = new Date(NOW.getTime() + LIFETIME * DAY_MS);
    expect(ring.keys.find((key) => key.kid === LEGACY_KID)?.retireAfter).toBe(retireAfter.toISOString());
    // The link sent before the rotation still verifies, up to the last instant any legacy link could live.
    expect(verifyAcknowledgementLink(sentBefore, CLAIMS.noticeId, ring, NOW).valid).toBe(true);
    const latest = { ...CLAIMS, expiresAt: retireAfter.getTime() };
    const justBefore = new Date(retireAfter.getTime() - 1);
    expect(
      verifyAcknowledgementLink(legacyToken(latest, LEGACY_SECRET), CLAIMS.noticeId, ring, justBefore).valid,
    ).toBe(true);
    // From retireAfter, the retired key verifies nothing (even a token whose own expiry is later: it was
    // never ours to sign after the rotation), and the next rotation drops it.
    expect(
      verifyAcknowledgementLink(legacyToken(latest, LEGACY_SECRET), CLAIMS.noticeId, ring, retireAfter),
    ).toEqual({ valid: false, problem: 'tampered' });
    const later = rotateLinkKeys(ring, retireAfter, newLinkKey(retireAfter), LIFETIME);
    expect(later.keys.map((key) => key.kid)).toEqual([next.kid, later.current]);
    expect(verifyAcknowledgementLink(sentBefore, CLAIMS.noticeId, later, justBefore)).toEqual({
      valid: false,
      problem: 'tampered',
      unknownKid: LEGACY_KID,
    });
  });

  it('a retried rotation (the same new key) changes nothing', () => {
    const next = newLinkKey(NOW);
    const once = rotateLinkKeys(parseLinkKeyring(LEGACY_SECRET), NOW, next, LIFETIME);
    expect(rotateLinkKeys(once, new Date(NOW.getTime() + DAY_MS), next, LIFETIME)).toBe(once);
  });

  it('property: after any rotations, every link signed by a key still in the ring verifies until it expires', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 400 }),
        fc.nat({ max: 11 }),
        fc.integer({ min: 0, max: LIFETIME }),
        (rotations, stepDays, pick, livesDays) => {
          // Keys in the order they became current, each with the instant it stopped signing.
          let ring = parseLinkKeyring(LEGACY_SECRET);
          let at = NOW;
          const history: { kid: string; secret: string; signedUntil: Date }[] = [];
          for (let index = 0; index < rotations; index++) {
            const before = signingKey(ring);
            at = new Date(at.getTime() + stepDays * DAY_MS);
            ring = rotateLinkKeys(ring, at, newLinkKey(at), LIFETIME);
            history.push({ kid: before.kid, secret: before.secret, signedUntil: at });
          }
          const signer = history[pick % history.length]!;
          // A link signed at the last moment the key signed, living as long as a link may (or less).
          const claims = { ...CLAIMS, expiresAt: signer.signedUntil.getTime() + livesDays * DAY_MS };
          const token = signAcknowledgementLink(claims, signer);
          const verdict = verifyAcknowledgementLink(token, claims.noticeId, ring, at);
          if (at.getTime() < claims.expiresAt) expect(verdict).toEqual({ valid: true, claims });
          else expect(verdict.valid).toBe(false);
          // The current key's links verify too.
          const fresh = signAcknowledgementLink(claims, signingKey(ring));
          if (at.getTime() < claims.expiresAt)
            expect(verifyAcknowledgementLink(fresh, claims.noticeId, ring, at).valid).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a rotation never loses a key that still verifies, and the ring stays bounded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 200 }),
        (rotations, stepDays) => {
          let ring = parseLinkKeyring(LEGACY_SECRET);
          let at = NOW;
          for (let index = 0; index < rotations; index++) {
            at = new Date(at.getTime() + stepDays * DAY_MS);
            const next = rotateLinkKeys(ring, at, newLinkKey(at), LIFETIME);
            expect(keysLostByRotation(ring, next, at)).toEqual([]);
            ring = next;
          }
          // One key per rotation within a lifetime, plus the current one.
          expect(ring.keys.length).toBeLessThanOrEqual(Math.ceil(LIFETIME / stepDays) + 1);
          expect(parseLinkKeyring(serializeLinkKeyring(ring))).toEqual(ring);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('property: changing any byte of a token signed by any key of the ring makes it fail', () => {
    const { ring, at } = rotated(4, 30);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(
        fc.constantFrom(...ring.keys),
        fc.nat(),
        fc.constantFrom(...alphabet),
        (key, position, replacement) => {
          const claims = { ...CLAIMS, expiresAt: at.getTime() + DAY_MS };
          const token =
            key.kid === LEGACY_KID ? legacyToken(claims, key.secret) : signAcknowledgementLink(claims, key);
          const index = position % token.length;
          fc.pre(token[index] !== replacement);
          const altered = token.slice(0, index) + replacement + token.slice(index + 1);
          expect(verifyAcknowledgementLink(altered, claims.noticeId, ring, at).valid).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a token relabelled with another key's kid, or stripped of its kid, fails", () => {
    const { ring, at } = rotated(2, 30);
    const [first, second] = ring.keys.filter((key) => key.kid !== LEGACY_KID);
    const claims = { ...CLAIMS, expiresAt: at.getTime() + DAY_MS };
    const token = signAcknowledgementLink(claims, first!);
    const [, payload, mac] = token.split('.');
    expect(verifyAcknowledgementLink(`${second!.kid}.${payload}.${mac}`, claims.noticeId, ring, at)).toEqual({
      valid: false,
      problem: 'tampered',
    });
    expect(verifyAcknowledgementLink(`${payload}.${mac}`, claims.noticeId, ring, at)).toEqual({
      valid: false,
      problem: 'tampered',
    });
  });

  it('a token naming a kid the ring does not hold is tampered, and says which kid (worth a fresh read)', () => {
    const { ring, at } = rotated(1, 30);
    const stranger = newLinkKey(at);
    const token = signAcknowledgementLink({ ...CLAIMS, expiresAt: at.getTime() + DAY_MS }, stranger);
    expect(verifyAcknowledgementLink(token, CLAIMS.noticeId, ring, at)).toEqual({
      valid: false,
      problem: 'tampered',
      unknownKid: stranger.kid,
    });
  });
});

describe('the ring as a function reads it (a cached secret)', () => {
  it('a forced read goes to the source at most once per 10 seconds, whatever the requests ask', async () => {
    const reads: boolean[] = [];
    let clock = 0;
    const source = linkKeyringSource(
      async (force) => {
        reads.push(force);
        return LEGACY_SECRET;
      },
      () => clock,
    );
    await source();
    await source({ refresh: true });
    await source({ refresh: true });
    clock += 9_999;
    await source({ refresh: true });
    clock += 1;
    await source({ refresh: true });
    expect(reads).toEqual([false, true, false, false, true]);
  });

  it('parses a ring once per distinct text, and refuses a secret that is not text', async () => {
    let text = LEGACY_SECRET;
    const source = linkKeyringSource(async () => text);
    const first = await source();
    expect(await source()).toBe(first);
    text = serializeLinkKeyring(rotated(1, 30).ring);
    expect((await source()).keys).toHaveLength(2);
    const binary = linkKeyringSource(async () => new Uint8Array([1, 2]));
    await expect(binary()).rejects.toThrow(/not a string/);
  });
});

describe('verifying a link in a function whose cached ring predates a rotation', () => {
  /**
   * A function that read the ring before a rotation (Powertools keeps it up to 5 minutes): the secret now holds
   * the rotated ring, which a forced read returns; an unforced one returns the cached, older text.
   */
  function staleFunction() {
    const before = parseLinkKeyring(LEGACY_SECRET);
    const after = rotateLinkKeys(before, NOW, newLinkKey(NOW), LIFETIME);
    const reads: boolean[] = [];
    let clock = 0;
    const deps = {
      clock: { now: () => NOW },
      acknowledgementLinkKeys: linkKeyringSource(
        async (force) => {
          reads.push(force);
          return serializeLinkKeyring(force ? after : before);
        },
        () => clock,
      ),
    } as Pick<Dependencies, 'clock' | 'acknowledgementLinkKeys'> as Dependencies;
    return { deps, after, reads, tick: (ms: number) => (clock += ms) };
  }

  it('verifies a link the new key signed, with one forced read', async () => {
    const { deps, after, reads } = staleFunction();
    const token = signAcknowledgementLink(CLAIMS, signingKey(after));
    expect(await verifyLink(deps, token, CLAIMS.noticeId)).toEqual({ valid: true, claims: CLAIMS });
    expect(reads).toEqual([false, true]);
  });

  it('verifies links of keys it holds without any forced read, and refuses a made-up kid after one', async () => {
    const { deps, reads, tick } = staleFunction();
    expect((await verifyLink(deps, legacyToken(CLAIMS, LEGACY_SECRET), CLAIMS.noticeId)).valid).toBe(true);
    expect(reads).toEqual([false]);
    const forged = signAcknowledgementLink(CLAIMS, { kid: 'k-made-up', secret: 'guess' });
    for (let index = 0; index < 5; index++)
      expect(await verifyLink(deps, forged, CLAIMS.noticeId)).toMatchObject({
        valid: false,
        problem: 'tampered',
      });
    // Five made-up kids in a row cost one read of the secret; another after 10 seconds.
    expect(reads.filter(Boolean)).toHaveLength(1);
    tick(10_000);
    await verifyLink(deps, forged, CLAIMS.noticeId);
    expect(reads.filter(Boolean)).toHaveLength(2);
  });
});
