import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startLocalS3 } from '../src/index.ts';

describe('local S3', () => {
  it('serves the buckets it was asked for to the ordinary S3Client', async () => {
    const s3 = await startLocalS3({ buckets: ['manifests'] });
    const client = new S3Client(s3.clientConfig());
    try {
      expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { Buckets } = await client.send(new ListBucketsCommand({}));
      expect(Buckets?.map((bucket) => bucket.Name)).toEqual(['manifests']);
      await client.send(
        new PutObjectCommand({ Bucket: 'manifests', Key: 'a/b.jsonl', Body: '{"n":1}\n{"n":2}\n' }),
      );
      const object = await client.send(new GetObjectCommand({ Bucket: 'manifests', Key: 'a/b.jsonl' }));
      expect(await object.Body?.transformToString()).toBe('{"n":1}\n{"n":2}\n');
    } finally {
      client.destroy();
      await s3.stop();
    }
  });

  it('removes the temporary directory it created when stopped', async () => {
    const s3 = await startLocalS3({ buckets: ['b'] });
    expect(existsSync(s3.directory)).toBe(true);
    await s3.stop();
    expect(existsSync(s3.directory)).toBe(false);
  });

  it('keeps a given directory, and its objects, across a restart', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'local-s3-test-'));
    try {
      const first = await startLocalS3({ directory, buckets: ['kept'] });
      const writer = new S3Client(first.clientConfig());
      await writer.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k', Body: 'v' }));
      writer.destroy();
      await first.stop();
      expect(existsSync(directory)).toBe(true);

      const second = await startLocalS3({ directory });
      const reader = new S3Client(second.clientConfig());
      try {
        const object = await reader.send(new GetObjectCommand({ Bucket: 'kept', Key: 'k' }));
        expect(await object.Body?.transformToString()).toBe('v');
      } finally {
        reader.destroy();
        await second.stop();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
