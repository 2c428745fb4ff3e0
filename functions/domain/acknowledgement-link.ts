import { createHmac, timingSafeEqual } from 'node:crypto';

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
  | { valid: false; problem: 'tampered' | 'foreign' | 'expired'; claims?: AcknowledgementLinkClaims };

function signature(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

export function signAcknowledgementLink(claims: AcknowledgementLinkClaims, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify([claims.changeId, claims.noticeId, claims.contactId, claims.expiresAt]),
  ).toString('base64url');
  return `${payload}.${signature(payload, secret).toString('base64url')}`;
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

/**
 * Checks a token presented for `noticeId`. A bad signature is "tampered"; a valid signature for another
 * notice is "foreign"; a valid one past its expiry is "expired".
 */
export function verifyAcknowledgementLink(
  token: string,
  noticeId: string,
  secret: string,
  now: Date,
): LinkVerdict {
  const [payload, mac, ...rest] = token.split('.');
  if (!payload || !mac || rest.length > 0) return { valid: false, problem: 'tampered' };
  // Compare the encoded text, not the decoded bytes: base64url decoding ignores the last character's spare bits
  // and accepts '+' and '/' for '-' and '_', so several spellings of one signature would otherwise verify.
  const expected = Buffer.from(signature(payload, secret).toString('base64url'));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { valid: false, problem: 'tampered' };
  const claims = decodeClaims(payload);
  if (!claims) return { valid: false, problem: 'tampered' };
  if (claims.noticeId !== noticeId) return { valid: false, problem: 'foreign', claims };
  if (now.getTime() >= claims.expiresAt) return { valid: false, problem: 'expired', claims };
  return { valid: true, claims };
}
