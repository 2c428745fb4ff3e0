/**
 * A local S3 endpoint for the local runtime and the tests: s3rver (an S3 emulator written for Node) run in
 * this process on a loopback port, its buckets kept as files in a directory. The ordinary `S3Client` talks
 * to it with `clientConfig()` (path-style addressing: no `<bucket>.localhost` DNS needed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** The credentials s3rver accepts (it checks signatures against this fixed key pair). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_S3_REGION = 'us-east-1';

export interface LocalS3Options {
  /** Where the buckets live; a fresh temporary directory (removed on stop) when omitted. */
  directory?: string;
  /** Loopback port; a free one when omitted. */
  port?: number;
  /** Buckets created at start (existing ones in `directory` are kept). */
  buckets?: string[];
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The directory holding the buckets. */
  readonly directory: string;
  /** A config for `new S3Client(...)` pointed at this endpoint. */
  clientConfig(): S3ClientConfig;
  /** Closes the endpoint; removes the directory if it was a temporary one created by start. */
  stop(): Promise<void>;
}

/** The client config for an s3rver endpoint (also usable for one started elsewhere). */
export function localS3ClientConfig(endpoint: string): S3ClientConfig {
  return {
    endpoint,
    region: LOCAL_S3_REGION,
    forcePathStyle: true,
    credentials: { ...LOCAL_S3_CREDENTIALS },
    maxAttempts: 1,
  };
}

export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'pcn-local-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    directory,
    clientConfig: () => localS3ClientConfig(endpoint),
    stop() {
      stopping ??= (async () => {
        try {
          await server.close();
        } finally {
          if (ownsDirectory) await rm(directory, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
}
