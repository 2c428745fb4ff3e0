import type { LifecyclePolicy } from '../domain/lifecycle-policy.ts';
import { type LinkKeyring, maxLinkLifetimeDays, newLinkKey, rotateLinkKeys } from '../domain/link-keys.ts';

/** Where a ring is kept, for rotating it: the local secrets file (AWS rotates through infra/link-keys.ts). */
export interface LinkKeyStore {
  read(): Promise<LinkKeyring>;
  write(ring: LinkKeyring): Promise<void>;
}

export interface LinkKeyRotation {
  /** The new current key's kid. */
  current: string;
  /** The key that stopped signing, and until when it verifies. */
  retiring?: { kid: string; retireAfter: string };
  /** Keys dropped: every link they signed had expired. */
  dropped: string[];
  /** Every kid left in the ring. */
  kids: string[];
}

/** The ring after one rotation, and what changed (no secrets). */
export function rotationOf(before: LinkKeyring, after: LinkKeyring): LinkKeyRotation {
  const retired = after.keys.find((key) => key.kid === before.current);
  return {
    current: after.current,
    ...(retired?.retireAfter ? { retiring: { kid: retired.kid, retireAfter: retired.retireAfter } } : {}),
    dropped: before.keys.map((key) => key.kid).filter((kid) => !after.keys.some((key) => key.kid === kid)),
    kids: after.keys.map((key) => key.kid),
  };
}

/** Rotates the ring now: a new current key, the previous one retiring, the expired ones dropped. */
export async function rotateStoredLinkKeys(
  store: LinkKeyStore,
  now: Date,
  policy: LifecyclePolicy,
): Promise<LinkKeyRotation> {
  const before = await store.read();
  const after = rotateLinkKeys(before, now, newLinkKey(now), maxLinkLifetimeDays(policy));
  await store.write(after);
  return rotationOf(before, after);
}
