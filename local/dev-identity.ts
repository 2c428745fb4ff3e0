import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Role } from '../functions/config/roles.ts';

/**
 * Local stand-in for Cognito + API Gateway's JWT authorizer: HS256 tokens for dev users, verified in front of
 * the same handler, which then reads the same claims (`cognito:username`, `cognito:groups`) as in AWS.
 */
const TOKEN_LIFETIME_SECONDS = 12 * 3600;

function sign(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

export function issueDevToken(user: string, role: Role, secret: string, nowMs: number): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const issuedAt = Math.floor(nowMs / 1000);
  const payload = Buffer.from(
    JSON.stringify({
      sub: user,
      'cognito:username': user,
      'cognito:groups': [role],
      iat: issuedAt,
      exp: issuedAt + TOKEN_LIFETIME_SECONDS,
      iss: 'partner-change-notice-local',
    }),
  ).toString('base64url');
  return `${header}.${payload}.${sign(`${header}.${payload}`, secret)}`;
}

export type JwtClaims = Record<string, string | number | boolean | string[]>;

/** Claims of a valid token, or undefined (bad signature, malformed, expired). Expiry uses real time, like AWS. */
export function verifyDevToken(token: string, secret: string, nowMs: number): JwtClaims | undefined {
  const [header, payload, mac, ...rest] = token.split('.');
  if (!header || !payload || !mac || rest.length > 0) return undefined;
  const expected = Buffer.from(sign(`${header}.${payload}`, secret));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
