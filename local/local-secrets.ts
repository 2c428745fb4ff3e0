import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type LinkKeyring,
  newLinkKey,
  parseLinkKeyring,
  serializeLinkKeyring,
} from '../functions/domain/link-keys.ts';
import type { LinkKeyStore } from '../functions/notices/link-key-rotation.ts';

/** The local mode's signing secrets (acknowledgement links, dev tokens): kept with the data so links survive a restart. */
export interface LocalSecrets {
  /** The link-signing keyring, as the AWS secret holds it (functions/domain/link-keys.ts). */
  acknowledgementLinkKeys: LinkKeyring;
  devTokenSecret: string;
}

/** The file as written before key ids: one plain link secret. */
interface StoredSecrets {
  acknowledgementLinkKeys?: unknown;
  acknowledgementLinkSecret?: string;
  devTokenSecret: string;
}

function fresh(now: Date): LocalSecrets {
  const key = newLinkKey(now);
  return {
    acknowledgementLinkKeys: { current: key.kid, keys: [key] },
    devTokenSecret: randomBytes(32).toString('base64url'),
  };
}

/**
 * The secrets of a data directory (made on first start). A file from before key ids holds a plain
 * `acknowledgementLinkSecret`: it is read as the ring of one `legacy` key, so links sent before still verify,
 * and written in the ring form at the first rotation.
 */
export async function loadLocalSecrets(filePath?: string, now: Date = new Date()): Promise<LocalSecrets> {
  if (!filePath) return fresh(now);
  try {
    const stored = JSON.parse(await readFile(filePath, 'utf8')) as StoredSecrets;
    const ringText =
      stored.acknowledgementLinkKeys !== undefined
        ? JSON.stringify(stored.acknowledgementLinkKeys)
        : (stored.acknowledgementLinkSecret ?? '');
    return { acknowledgementLinkKeys: parseLinkKeyring(ringText), devTokenSecret: stored.devTokenSecret };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secrets = fresh(now);
  await saveLocalSecrets(filePath, secrets);
  return secrets;
}

async function saveLocalSecrets(filePath: string, secrets: LocalSecrets): Promise<void> {
  await mkdir(dirname(filePath), { recursive: true });
  // Written aside and renamed: a crash mid-write never leaves a ring that verifies nothing.
  const aside = `${filePath}.${process.pid}.tmp`;
  const stored: StoredSecrets = {
    acknowledgementLinkKeys: JSON.parse(serializeLinkKeyring(secrets.acknowledgementLinkKeys)),
    devTokenSecret: secrets.devTokenSecret,
  };
  await writeFile(aside, JSON.stringify(stored), { mode: 0o600 });
  await rename(aside, filePath);
}

/** The local mode's ring: held in memory (what the functions read), written to the secrets file when rotated. */
export function localLinkKeyStore(secrets: LocalSecrets, filePath?: string): LinkKeyStore {
  return {
    read: async () => secrets.acknowledgementLinkKeys,
    write: async (ring) => {
      if (filePath) await saveLocalSecrets(filePath, { ...secrets, acknowledgementLinkKeys: ring });
      secrets.acknowledgementLinkKeys = ring;
    },
  };
}
