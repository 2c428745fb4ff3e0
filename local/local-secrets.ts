import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The local mode's signing secrets (acknowledgement links, dev tokens): kept with the data so links survive a restart. */
export interface LocalSecrets {
  acknowledgementLinkSecret: string;
  devTokenSecret: string;
}

function fresh(): LocalSecrets {
  return {
    acknowledgementLinkSecret: randomBytes(32).toString('base64url'),
    devTokenSecret: randomBytes(32).toString('base64url'),
  };
}

export async function loadLocalSecrets(filePath?: string): Promise<LocalSecrets> {
  if (!filePath) return fresh();
  try {
    return JSON.parse(await readFile(filePath, 'utf8')) as LocalSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secrets = fresh();
  await mkdir(dirname(filePath), { recursive: true });
  await writeFile(filePath, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}
