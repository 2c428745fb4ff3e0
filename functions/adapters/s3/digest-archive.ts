import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { type SignedDigest, signedDigestSchema } from '../../domain/audit-digest.ts';

/**
 * Where the signed audit digests are kept, out of reach of the audit table's writers: an S3 bucket with Object
 * Lock in compliance mode (AWS: infra/), an append-only file plus the local S3 (local mode). Each digest is
 * written once under its number and never replaced.
 */
export interface DigestArchive {
  /** Writes a new digest; 'exists' when one with its number is already there (another sealer won). */
  append(signed: SignedDigest): Promise<'appended' | 'exists'>;
  /** Every digest kept, by number; entries that do not parse as digests are left out (and so read as missing). */
  all(): Promise<SignedDigest[]>;
  latest(): Promise<SignedDigest | undefined>;
}

/** The object key of digest `number`: zero-padded, so the keys list in number order. */
export const digestObjectKey = (number: number) => `digests/${String(number).padStart(12, '0')}.json`;

const DIGEST_PREFIX = 'digests/';

function parsed(text: string): SignedDigest | undefined {
  try {
    const result = signedDigestSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

const byNumber = (digests: SignedDigest[]) => digests.sort((a, b) => a.digest.number - b.digest.number);

export class S3DigestArchive implements DigestArchive {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async append(signed: SignedDigest): Promise<'appended' | 'exists'> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: digestObjectKey(signed.digest.number),
          Body: JSON.stringify(signed),
          ContentType: 'application/json',
          // S3's conditional write: a second sealer's digest with the same number is refused, not stored over.
          IfNoneMatch: '*',
        }),
      );
      return 'appended';
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return 'exists';
      throw error;
    }
  }

  private async keys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: DIGEST_PREFIX },
    ))
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    return keys.sort();
  }

  private async read(key: string): Promise<SignedDigest | undefined> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return parsed((await object.Body?.transformToString('utf8')) ?? '');
  }

  async all(): Promise<SignedDigest[]> {
    const digests = await Promise.all((await this.keys()).map((key) => this.read(key)));
    return byNumber(digests.filter((digest): digest is SignedDigest => digest !== undefined));
  }

  async latest(): Promise<SignedDigest | undefined> {
    const last = (await this.keys()).at(-1);
    return last ? this.read(last) : undefined;
  }
}

/** Local mode's append-only digest file: one JSON line per digest, only ever appended to. */
export class FileDigestArchive implements DigestArchive {
  /** Appends of this process, one at a time: the number check and the append must not interleave. */
  private appending: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  append(signed: SignedDigest): Promise<'appended' | 'exists'> {
    const result = this.appending.then(() => this.appendNow(signed));
    this.appending = result.catch(() => undefined);
    return result;
  }

  private async appendNow(signed: SignedDigest): Promise<'appended' | 'exists'> {
    const latest = await this.latest();
    if (latest && latest.digest.number >= signed.digest.number) return 'exists';
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(signed)}\n`, { flag: 'a' });
    return 'appended';
  }

  async all(): Promise<SignedDigest[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const digests = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(parsed);
    return byNumber(digests.filter((digest): digest is SignedDigest => digest !== undefined));
  }

  async latest(): Promise<SignedDigest | undefined> {
    return (await this.all()).at(-1);
  }
}

/**
 * Writes to every archive (local mode: the file, then the local S3) and reads from the first. A digest the
 * first refuses as existing is not written to the others.
 */
export class MirroredDigestArchive implements DigestArchive {
  private readonly primary: DigestArchive;

  constructor(private readonly archives: readonly [DigestArchive, ...DigestArchive[]]) {
    this.primary = archives[0];
  }

  async append(signed: SignedDigest): Promise<'appended' | 'exists'> {
    if ((await this.primary.append(signed)) === 'exists') return 'exists';
    for (const archive of this.archives.slice(1)) await archive.append(signed);
    return 'appended';
  }

  all(): Promise<SignedDigest[]> {
    return this.primary.all();
  }

  latest(): Promise<SignedDigest | undefined> {
    return this.primary.latest();
  }
}
