import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** Where the policy-change rounds keep their manifests and the Distributed Map its results. */
export interface ManifestStore {
  readonly bucket: string;
  /** Writes one JSON line per item (the Distributed Map's ItemReader reads `InputType: JSONL`). */
  writeLines(key: string, items: readonly unknown[]): Promise<void>;
  readJson(key: string): Promise<unknown>;
}

export class S3ManifestStore implements ManifestStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async writeLines(key: string, items: readonly unknown[]): Promise<void> {
    const body = items.map((item) => JSON.stringify(item)).join('\n');
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body.length > 0 ? `${body}\n` : '',
        ContentType: 'application/x-ndjson',
      }),
    );
  }

  async readJson(key: string): Promise<unknown> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return JSON.parse((await object.Body?.transformToString('utf8')) ?? 'null') as unknown;
  }
}

/** The S3 client: AWS's by default, or a local S3-compatible endpoint (path-style, as s3rver serves). */
export function createS3Client(endpoint?: string): S3Client {
  return new S3Client(
    endpoint
      ? {
          endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }
      : {},
  );
}
