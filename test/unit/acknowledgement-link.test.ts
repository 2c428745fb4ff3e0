import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AcknowledgementLinkClaims,
  signAcknowledgementLink,
  verifyAcknowledgementLink,
} from '../../functions/domain/acknowledgement-link.ts';

const SECRET = 'link-secret-for-tests';
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
        const token = signAcknowledgementLink(claims, secret);
        expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/); // safe in a URL as is
        expect(verifyAcknowledgementLink(token, claims.noticeId, secret, NOW)).toEqual({
          valid: true,
          claims,
        });
      }),
      { numRuns: 100 },
    );
  });

  it('property: changing any single character of the token makes it tampered', () => {
    const token = signAcknowledgementLink(CLAIMS, SECRET);
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...TOKEN_ALPHABET),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const altered = token.slice(0, index) + replacement + token.slice(index + 1);
          expect(verifyAcknowledgementLink(altered, CLAIMS.noticeId, SECRET, NOW)).toMatchObject({
            valid: false,
            problem: 'tampered',
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('every single-character change at every position is tampered (exhaustive over the token alphabet)', () => {
    const token = signAcknowledgementLink(CLAIMS, SECRET);
    const accepted: string[] = [];
    for (let index = 0; index < token.length; index++) {
      for (const replacement of TOKEN_ALPHABET) {
        if (token[index] === replacement) continue;
        const altered = token.slice(0, index) + replacement + token.slice(index + 1);
        if (verifyAcknowledgementLink(altered, CLAIMS.noticeId, SECRET, NOW).valid)
          accepted.push(`${index}:${replacement}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('claims re-signed without the secret (swapped payload) are tampered', () => {
    const mine = signAcknowledgementLink(CLAIMS, SECRET);
    const other = signAcknowledgementLink({ ...CLAIMS, noticeId: 'ntc_002', contactId: 'contact-7' }, SECRET);
    const forged = `${other.split('.')[0]}.${mine.split('.')[1]}`;
    expect(verifyAcknowledgementLink(forged, 'ntc_002', SECRET, NOW)).toMatchObject({
      valid: false,
      problem: 'tampered',
    });
  });

  it.each(['', '.', 'abc', 'abc.', '.abc', 'a.b.c', `${'x'.repeat(10)}..`])(
    'a malformed token %j is tampered',
    (token) => {
      expect(verifyAcknowledgementLink(token, CLAIMS.noticeId, SECRET, NOW)).toEqual({
        valid: false,
        problem: 'tampered',
      });
    },
  );

  it('a token with extra segments appended is tampered', () => {
    const token = signAcknowledgementLink(CLAIMS, SECRET);
    expect(verifyAcknowledgementLink(`${token}.extra`, CLAIMS.noticeId, SECRET, NOW)).toMatchObject({
      problem: 'tampered',
    });
  });

  it('a genuine token presented for another notice is foreign', () => {
    const token = signAcknowledgementLink(CLAIMS, SECRET);
    const verdict = verifyAcknowledgementLink(token, 'ntc_999', SECRET, NOW);
    expect(verdict).toEqual({ valid: false, problem: 'foreign', claims: CLAIMS });
  });

  it('expires at its expiry instant, not a millisecond later', () => {
    const token = signAcknowledgementLink(CLAIMS, SECRET);
    expect(
      verifyAcknowledgementLink(token, CLAIMS.noticeId, SECRET, new Date(CLAIMS.expiresAt - 1)).valid,
    ).toBe(true);
    expect(verifyAcknowledgementLink(token, CLAIMS.noticeId, SECRET, new Date(CLAIMS.expiresAt))).toEqual({
      valid: false,
      problem: 'expired',
      claims: CLAIMS,
    });
  });

  it('property: any instant past expiry is expired', () => {
    fc.assert(
      fc.property(claimsArb, fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (claims, after) => {
        const token = signAcknowledgementLink(claims, SECRET);
        const verdict = verifyAcknowledgementLink(
          token,
          claims.noticeId,
          SECRET,
          new Date(claims.expiresAt + after),
        );
        expect(verdict).toMatchObject({ valid: false, problem: 'expired' });
      }),
      { numRuns: 100 },
    );
  });

  it('a token verified with another secret is tampered, and reveals no claims', () => {
    const token = signAcknowledgementLink(CLAIMS, SECRET);
    expect(verifyAcknowledgementLink(token, CLAIMS.noticeId, `${SECRET}x`, NOW)).toEqual({
      valid: false,
      problem: 'tampered',
    });
    expect(verifyAcknowledgementLink(token, CLAIMS.noticeId, 'another', NOW)).toEqual({
      valid: false,
      problem: 'tampered',
    });
  });

  it('binds every claim: changing the contact or the change gives a different token', () => {
    const base = signAcknowledgementLink(CLAIMS, SECRET);
    expect(signAcknowledgementLink({ ...CLAIMS, contactId: 'contact-43' }, SECRET)).not.toBe(base);
    expect(signAcknowledgementLink({ ...CLAIMS, changeId: 'chg_002' }, SECRET)).not.toBe(base);
    expect(signAcknowledgementLink({ ...CLAIMS, expiresAt: CLAIMS.expiresAt + 1 }, SECRET)).not.toBe(base);
  });
});
