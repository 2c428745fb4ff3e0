import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AcknowledgementLinkClaims,
  signAcknowledgementLink,
  verifyAcknowledgementLink,
} from '../../functions/domain/acknowledgement-link.ts';
import type { LinkKey, LinkKeyring } from '../../functions/domain/link-keys.ts';

const KEY: LinkKey = { kid: 'k1', secret: 'link-secret-for-tests', createdAt: '2026-01-01T00:00:00.000Z' };
/** A ring of one key: the ring's rules (several keys, retirement) are test/unit/link-keys.test.ts's. */
const ringOf = (key: LinkKey): LinkKeyring => ({ current: key.kid, keys: [key] });
const RING = ringOf(KEY);
const NOW = new Date('2026-03-10T12:00:00.000Z');
const CLAIMS: AcknowledgementLinkClaims = {
  changeId: 'chg_001',
  noticeId: 'ntc_001',
  contactId: 'contact-42',
  expiresAt: NOW.getTime() + 30 * 86_400_000,
};

const idArb = fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' });
const claimsArb: fc.Arbitrary<AcknowledgementLinkClaims> = fc.record({
  changeId: idArb,
  noticeId: idArb,
  contactId: idArb,
  expiresAt: fc.integer({ min: NOW.getTime() + 1, max: NOW.getTime() + 400 * 86_400_000 }),
});
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.%~ ';

describe('acknowledgement links', () => {
  it('property: a signed link verifies for its notice and returns exactly its claims', () => {
    fc.assert(
      fc.property(claimsArb, fc.string({ minLength: 1, maxLength: 40 }), (claims, secret) => {
        const key = { ...KEY, secret };
        const token = signAcknowledgementLink(claims, key);
        expect(token).toMatch(/^k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/); // its kid, and safe in a URL as is
        expect(verifyAcknowledgementLink(token, claims.noticeId, ringOf(key), NOW)).toEqual({
          valid: true,
          claims,
        });
      }),
      { numRuns: 100 },
    );
  });

  it('property: changing any single character of the token makes it tampered', () => {
    const token = signAcknowledgementLink(CLAIMS, KEY);
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...TOKEN_ALPHABET),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const altered = token.slice(0, index) + replacement + token.slice(index + 1);
          expect(verifyAcknowledgementLink(altered, CLAIMS.noticeId, RING, NOW)).toMatchObject({
            valid: false,
            problem: 'tampered',
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('every single-character change at every position is tampered (exhaustive over the token alphabet)', () => {
    const token = signAcknowledgementLink(CLAIMS, KEY);
    const accepted: string[] = [];
    for (let index = 0; index < token.length; index++) {
      for (const replacement of TOKEN_ALPHABET) {
        if (token[index] === replacement) continue;
        const altered = token.slice(0, index) + replacement + token.slice(index + 1);
        if (verifyAcknowledgementLink(altered, CLAIMS.noticeId, RING, NOW).valid)
          accepted.push(`${index}:${replacement}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('claims re-signed without the secret (swapped payload) are tampered', () => {
    const mine = signAcknowledgementLink(CLAIMS, KEY);
    const other = signAcknowledgementLink({ ...CLAIMS, noticeId: 'ntc_002', contactId: 'contact-7' }, KEY);
    const forged = `${other.split('.').slice(0, 2).join('.')}.${mine.split('.')[2]}`;
    expect(verifyAcknowledgementLink(forged, 'ntc_002', RING, NOW)).toMatchObject({
      valid: false,
      problem: 'tampered',
    });
  });

  it.each(['', '.', 'abc', 'abc.', '.abc', 'k1.b.c', '..', 'k1..', `${'x'.repeat(10)}..`, 'a.b.c.d'])(
    'a malformed token %j is tampered',
    (token) => {
      expect(verifyAcknowledgementLink(token, CLAIMS.noticeId, RING, NOW)).toEqual({
        valid: false,
        problem: 'tampered',
      });
    },
  );

  it('a token with extra segments appended is tampered', () => {
    const token = signAcknowledgementLink(CLAIMS, KEY);
    expect(verifyAcknowledgementLink(`${token}.extra`, CLAIMS.noticeId, RING, NOW)).toMatchObject({
      problem: 'tampered',
    });
  });

  it('a genuine token presented for another notice is foreign', () => {
    const token = signAcknowledgementLink(CLAIMS, KEY);
    const verdict = verifyAcknowledgementLink(token, 'ntc_999', RING, NOW);
    expect(verdict).toEqual({ valid: false, problem: 'foreign', claims: CLAIMS });
  });

  it('expires at its expiry instant, not a millisecond later', () => {
    const token = signAcknowledgementLink(CLAIMS, KEY);
    expect(
      verifyAcknowledgementLink(token, CLAIMS.noticeId, RING, new Date(CLAIMS.expiresAt - 1)).valid,
    ).toBe(true);
    expect(verifyAcknowledgementLink(token, CLAIMS.noticeId, RING, new Date(CLAIMS.expiresAt))).toEqual({
      valid: false,
      problem: 'expired',
      claims: CLAIMS,
    });
  });

  it('property: any instant past expiry is expired', () => {
    fc.assert(
      fc.property(claimsArb, fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (claims, after) => {
        const token = signAcknowledgementLink(claims, KEY);
        const verdict = verifyAcknowledgementLink(
          token,
          claims.noticeId,
          RING,
          new Date(claims.expiresAt + after),
        );
        expect(verdict).toMatchObject({ valid: false, problem: 'expired' });
      }),
      { numRuns: 100 },
    );
  });

  it('a token verified with another secret is tampered, and reveals no claims', () => {
    const token = signAcknowledgementLink(CLAIMS, KEY);
    expect(
      verifyAcknowledgementLink(token, CLAIMS.noticeId, ringOf({ ...KEY, secret: `${KEY.secret}x` }), NOW),
    ).toEqual({
      valid: false,
      problem: 'tampered',
    });
    expect(
      verifyAcknowledgementLink(token, CLAIMS.noticeId, ringOf({ ...KEY, secret: 'another' }), NOW),
    ).toEqual({
      valid: false,
      problem: 'tampered',
    });
  });

  it('binds every claim: changing the contact or the change gives a different token', () => {
    const base = signAcknowledgementLink(CLAIMS, KEY);
    expect(signAcknowledgementLink({ ...CLAIMS, contactId: 'contact-43' }, KEY)).not.toBe(base);
    expect(signAcknowledgementLink({ ...CLAIMS, changeId: 'chg_002' }, KEY)).not.toBe(base);
    expect(signAcknowledgementLink({ ...CLAIMS, expiresAt: CLAIMS.expiresAt + 1 }, KEY)).not.toBe(base);
  });
});
