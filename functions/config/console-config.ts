import * as z from 'zod';

/**
 * What the console reads at start from `/config.json`, beside its own files: where the API is and how people
 * sign in. Written at deploy time (infra/console.ts: the API's URL and the Cognito settings) and, locally, by
 * the local server (local/dev-routes.ts). The built console never changes between the two: only this file.
 */
export const consoleConfigPath = '/config.json';

/** Where the hosted UI sends the browser back with its authorization code (one of the client's callback URLs). */
export const consoleCallbackPath = '/auth/callback';
/** Where the hosted UI sends the browser after signing out (the client's logout URL). */
export const consoleSignedOutPath = '/signed-out';

export const consoleConfigSchema = z
  .object({
    /** 'local' shows the virtual clock's date in a banner and offers the dev sign-in. */
    environment: z.enum(['local', 'aws']),
    /** The HTTP API's base URL without a trailing slash; '' when the API answers on the console's own origin. */
    apiBaseUrl: z.union([z.literal(''), z.url().regex(/[^/]$/, 'has no trailing slash')]),
    auth: z.discriminatedUnion('mode', [
      /** Local mode: pick a seeded person and a role, get a dev token from `/dev/token`. */
      z.object({ mode: z.literal('dev') }).strict(),
      /** AWS: the Cognito hosted UI, authorization code with PKCE; roles come from the token's groups. */
      z
        .object({
          mode: z.literal('cognito'),
          /** The user pool's issuer, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc. */
          authority: z.url(),
          clientId: z.string().min(1),
          /** The hosted UI's domain, e.g. https://pcn-prod.auth.eu-west-1.amazoncognito.com. */
          hostedUiUrl: z.url(),
          scopes: z.array(z.string().min(1)).min(1),
        })
        .strict(),
    ]),
  })
  .strict();

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
