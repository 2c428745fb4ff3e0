import type { UserManager } from 'oidc-client-ts';
import {
  type ConsoleConfig,
  consoleCallbackPath,
  consoleSignedOutPath,
} from '../../functions/config/console-config.ts';
import { isRole, type Role } from '../../functions/config/roles.ts';

/** Who is signed in: the bearer token the API gets, and what the console reads from it. */
export interface Session {
  token: string;
  userId: string;
  roles: Role[];
  /** Epoch ms; the console signs out when it passes. */
  expiresAt: number;
}

const SESSION_KEY = 'pcn.session';

/**
 * The token's claims, read without checking the signature: the API checks it on every call (the JWT authorizer
 * in AWS, the local server's check locally). The console only decides what to show from them.
 */
export function sessionFromToken(token: string): Session | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as Record<string, unknown>;
    const userId = claims['cognito:username'] ?? claims.username ?? claims.sub;
    const groups = claims['cognito:groups'];
    const exp = claims.exp;
    if (typeof userId !== 'string' || typeof exp !== 'number') return undefined;
    const roles = Array.isArray(groups)
      ? groups.filter((g): g is Role => typeof g === 'string' && isRole(g))
      : [];
    return { token, userId, roles, expiresAt: exp * 1000 };
  } catch {
    return undefined;
  }
}

export function storedSession(now = Date.now()): Session | undefined {
  const token = sessionStorage.getItem(SESSION_KEY);
  const session = token ? sessionFromToken(token) : undefined;
  if (!session || session.expiresAt <= now) {
    sessionStorage.removeItem(SESSION_KEY);
    return undefined;
  }
  return session;
}

export function storeSession(token: string): Session | undefined {
  const session = sessionFromToken(token);
  if (session) sessionStorage.setItem(SESSION_KEY, token);
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

type CognitoAuth = Extract<ConsoleConfig['auth'], { mode: 'cognito' }>;

/**
 * The Cognito hosted UI through oidc-client-ts: authorization code with PKCE (S256), the state and verifier in
 * sessionStorage. Cognito's logout is not the OIDC end-session endpoint, so it is given explicitly.
 */
export async function cognitoUserManager(auth: CognitoAuth): Promise<UserManager> {
  // Loaded only where Cognito signs people in: local mode never downloads it.
  const { UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  const origin = window.location.origin;
  const logout = new URL('/logout', auth.hostedUiUrl);
  logout.searchParams.set('client_id', auth.clientId);
  logout.searchParams.set('logout_uri', `${origin}${consoleSignedOutPath}`);
  return new UserManager({
    authority: auth.authority,
    client_id: auth.clientId,
    redirect_uri: `${origin}${consoleCallbackPath}`,
    post_logout_redirect_uri: `${origin}${consoleSignedOutPath}`,
    response_type: 'code',
    scope: auth.scopes.join(' '),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    metadataSeed: { end_session_endpoint: logout.toString() },
  });
}
