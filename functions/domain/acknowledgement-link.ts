import { createHmac, timingSafeEqual } from 'node:crypto';
import { LEGACY_KID, type LinkKey, type LinkKeyring, verificationKey } from './link-keys.ts';

/**
 * The link in a notice email: signed, expiring, scoped to one notice and one recipient. It is a bearer token
 * for acknowledging that one notice, so it names exactly what it grants and nothing else.
 */
export interface AcknowledgementLinkClaims {
  changeId: string;
  noticeId: string;
  contactId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type LinkVerdict =
  | { valid: true; claims: AcknowledgementLinkClaims }
  | {
      valid: false;
      problem: 'tampered' | 'foreign' | 'expired';
      claims?: AcknowledgementLinkClaims;
      /**
       * The token names a key this ring does not hold: a key made after the ring was read is worth one fresh
       * read (functions/notices/links.ts). To the partner it is a link we did not sign, as is a retired key's.
       */
      unknownKid?: string;
    };

function signature(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * `kid.payload.signature`: the HMAC covers the kid with the payload, so a token cannot be moved to another key
 * by editing its kid. Tokens from before key ids are `payload.signature`, signed by the `legacy` key.
 */
export function signAcknowledgementLink(
  claims: AcknowledgementLinkClaims,
  key: Pick<LinkKey, 'kid' | 'secret'>,
): string {
  const payload = Buffer.from(
    JSON.stringify([claims.changeId, claims.noticeId, claims.contactId, claims.expiresAt]),
  ).toString('base64url');
  const signed = `${key.kid}.${payload}`;
  return `${signed}.${signature(signed, key.secret).toString('base64url')}`;
}

function decodeClaims(payload: string): AcknowledgementLinkClaims | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
    const [changeId, noticeId, contactId, expiresAt] = parsed as unknown[];
    if (typeof changeId !== 'string' || typeof noticeId !== 'string' || typeof contactId !== 'string')
      return undefined;
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
    return { changeId, noticeId, contactId, expiresAt };
  } catch {
    return undefined;
  }
}

/** The token's parts: a legacy token (two parts) has no kid and was signed over its payload alone. */
function partsOf(token: string): { kid: string; payload: string; signed: string; mac: string } | undefined {
  const parts = token.split('.');
  if (parts.length === 2) {
    const [payload, mac] = parts as [string, string];
    return payload && mac ? { kid: LEGACY_KID, payload, signed: payload, mac } : undefined;
  }
  if (parts.length === 3) {
    const [kid, payload, mac] = parts as [string, string, string];
    return kid && payload && mac ? { kid, payload, signed: `${kid}.${payload}`, mac } : undefined;
  }
  return undefined;
}

/**
 * Checks a token presented for `noticeId` with the key its kid names. A bad signature, or a kid the ring
 * cannot verify with, is "tampered"; a valid signature for another notice is "foreign"; a valid one past its
 * expiry is "expired".
 */
export function verifyAcknowledgementLink(
  token: string,
  noticeId: string,
  keyring: LinkKeyring,
  now: Date,
): LinkVerdict {
  const parts = partsOf(token);
  if (!parts) return { valid: false, problem: 'tampered' };
  const { kid, payload, signed, mac } = parts;
  const key = verificationKey(keyring, kid, now);
  if (!key) {
    const inRing = keyring.keys.some((candidate) => candidate.kid === kid);
    return { valid: false, problem: 'tampered', ...(inRing ? {} : { unknownKid: kid }) };
  }
  // Compare the encoded text, not the decoded bytes: base64url decoding ignores the last character's spare bits
  // and accepts '+' and '/' for '-' and '_', so several spellings of one signature would otherwise verify.
  const expected = Buffer.from(signature(signed, key.secret).toString('base64url'));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { valid: false, problem: 'tampered' };
  const claims = decodeClaims(payload);
  if (!claims) return { valid: false, problem: 'tampered' };
  if (claims.noticeId !== noticeId) return { valid: false, problem: 'foreign', claims };
  if (now.getTime() >= claims.expiresAt) return { valid: false, problem: 'expired', claims };
  return { valid: true, claims };
}
