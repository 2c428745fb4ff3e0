import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { DAY_MS } from './calendar.ts';
import type { LifecyclePolicy } from './lifecycle-policy.ts';
import { MAX_EFFECTIVE_YEARS } from './submission-rules.ts';

/**
 * The keys that sign and verify the partners' acknowledgement links (functions/domain/acknowledgement-link.ts).
 * One key signs (`current`); every key still in the ring verifies the links it signed, until `retireAfter`,
 * the moment the last of those links has expired. Rotation adds a new current key and gives the previous one
 * its `retireAfter`, so a link already sent keeps working for as long as it was promised to.
 */
export interface LinkKey {
  /** The key id every token carries: URL-safe, no dots (a token's parts are dot-separated). */
  kid: string;
  secret: string;
  /** ISO instant. */
  createdAt: string;
  /** ISO instant from which the key verifies nothing: set when it stops signing (rotated out). */
  retireAfter?: string;
}

export interface LinkKeyring {
  current: string;
  keys: LinkKey[];
}

/** The kid given to the secret that signed links before key ids existed (tokens without a kid). */
export const LEGACY_KID = 'legacy';

const kidSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a key id is 1–64 of A–Z a–z 0–9 _ -');

const linkKeyringSchema = z
  .object({
    current: kidSchema,
    keys: z
      .array(
        z.object({
          kid: kidSchema,
          secret: z.string().min(16, 'a key secret has at least 16 characters'),
          createdAt: z.iso.datetime(),
          retireAfter: z.iso.datetime().optional(),
        }),
      )
      .min(1),
  })
  .superRefine((ring, context) => {
    const kids = ring.keys.map((key) => key.kid);
    if (new Set(kids).size !== kids.length)
      context.addIssue({ code: 'custom', path: ['keys'], message: 'key ids must be unique' });
    const current = ring.keys.find((key) => key.kid === ring.current);
    if (!current)
      context.addIssue({ code: 'custom', path: ['current'], message: 'names no key of the ring' });
    else if (current.retireAfter)
      context.addIssue({ code: 'custom', path: ['current'], message: 'the current key cannot be retiring' });
  });

export class MalformedLinkKeyring extends Error {
  override name = 'MalformedLinkKeyring';
}

/**
 * Reads the link-signing secret. A JSON object must be a valid ring (anything else is an error naming what is
 * wrong, never a silently unusable ring). Any other text is the secret from before key ids (Secrets Manager
 * generated 64 letters and digits; locally a random base64url string): it becomes the one key `legacy`, so the
 * links it signed, which carry no kid, keep verifying.
 */
export function parseLinkKeyring(text: string): LinkKeyring {
  if (!text.trimStart().startsWith('{')) {
    if (text.length === 0) throw new MalformedLinkKeyring('The link-signing secret is empty');
    return {
      current: LEGACY_KID,
      keys: [{ kid: LEGACY_KID, secret: text, createdAt: new Date(0).toISOString() }],
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MalformedLinkKeyring(`The link-signing keyring is not JSON: ${(error as Error).message}`);
  }
  const parsed = linkKeyringSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(ring)'}: ${issue.message}`,
    );
    throw new MalformedLinkKeyring(`The link-signing keyring is malformed: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function serializeLinkKeyring(ring: LinkKeyring): string {
  return JSON.stringify(ring);
}

/** The key that signs new links. */
export function signingKey(ring: LinkKeyring): LinkKey {
  const key = ring.keys.find((candidate) => candidate.kid === ring.current);
  if (!key) throw new MalformedLinkKeyring(`The link-signing keyring has no current key ${ring.current}`);
  return key;
}

/** The key that verifies a token of `kid` at `now`: none when the ring has no such key or it has retired. */
export function verificationKey(ring: LinkKeyring, kid: string, now: Date): LinkKey | undefined {
  const key = ring.keys.find((candidate) => candidate.kid === kid);
  if (!key) return undefined;
  if (key.retireAfter && now.getTime() >= Date.parse(key.retireAfter)) return undefined;
  return key;
}

/**
 * The longest a link can stay valid from the moment it is signed, in days. A link expires
 * `linkValidAfterApplyDays` after its apply date (functions/notices/links.ts, functions/policy-changes/emails.ts),
 * and the apply date is at most the later of the effective date (at most MAX_EFFECTIVE_YEARS ahead of the
 * submission, functions/domain/submission-rules.ts) and delivery plus the longest notice period (plus the day
 * applyNotBefore rounds up to). Signing comes after submission, so both bounds hold from the signing instant.
 * One day more covers functions still signing with a cached ring (up to 5 minutes) after a rotation.
 */
export function maxLinkLifetimeDays(policy: LifecyclePolicy): number {
  const longestNotice = Math.max(...Object.values(policy.stages).map((stage) => stage.adverseNoticeDays));
  return Math.max(365 * MAX_EFFECTIVE_YEARS, longestNotice + 1) + policy.linkValidAfterApplyDays + 1;
}

/** A fresh key: 256 random bits, its kid naming the day it was made plus a random suffix. */
export function newLinkKey(now: Date): LinkKey {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return {
    kid: `k${day}-${randomBytes(4).toString('hex')}`,
    secret: randomBytes(32).toString('base64url'),
    createdAt: now.toISOString(),
  };
}

/**
 * One rotation: `next` becomes the current key, the previous current key stops signing and verifies until
 * every link it signed has expired (now + lifetimeDays), and keys past their retireAfter are dropped. A key
 * already in the ring (a retried rotation) changes nothing.
 */
export function rotateLinkKeys(
  ring: LinkKeyring,
  now: Date,
  next: LinkKey,
  lifetimeDays: number,
): LinkKeyring {
  if (ring.keys.some((key) => key.kid === next.kid)) return ring;
  const retireAfter = new Date(now.getTime() + lifetimeDays * DAY_MS).toISOString();
  const kept = ring.keys
    .filter((key) => !key.retireAfter || Date.parse(key.retireAfter) > now.getTime())
    .map((key) => (key.kid === ring.current && !key.retireAfter ? { ...key, retireAfter } : key));
  const { retireAfter: _none, ...fresh } = next;
  return { current: next.kid, keys: [...kept, fresh] };
}

/** Kids of the keys that `after` no longer verifies but `before` still did at `now` (must be none). */
export function keysLostByRotation(before: LinkKeyring, after: LinkKeyring, now: Date): string[] {
  return before.keys
    .filter((key) => verificationKey(before, key.kid, now))
    .filter((key) => verificationKey(after, key.kid, now)?.secret !== key.secret)
    .map((key) => key.kid);
}
