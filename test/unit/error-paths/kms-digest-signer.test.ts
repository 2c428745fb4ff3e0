/**
 * KmsDigestSigner with a mocked KMS (there is no KMS emulator): what it sends for small and large digests, and
 * that a KMS answer without a signature or key is an error, never an empty signature.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsDigestSigner } from '../../../functions/adapters/signing/digest-signer.ts';

const kms = mockClient(KMSClient);
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/audit';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = () => new KmsDigestSigner(new KMSClient({ region: 'us-east-1' }), KEY);

beforeEach(() => kms.reset());

describe('KmsDigestSigner', () => {
  it('signs a digest body as RAW, and one over 4 KB as its SHA-256 (DIGEST): either verifies over the body', async () => {
    for (const size of [200, 10_000]) {
      const body = Buffer.alloc(size, 'a');
      // KMS signs a DIGEST as the hash of the message it stands for: the same signature as RAW over the body.
      kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string }) => {
        const stands =
          input.MessageType === 'RAW'
            ? Buffer.from(input.Message).equals(body)
            : Buffer.from(input.Message).equals(createHash('sha256').update(body).digest());
        if (!stands) throw new Error('the message is neither the body nor its SHA-256');
        return { Signature: sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }) };
      });
      const signature = await signer().sign(body);
      expect(verify('sha256', body, { key: publicKey, dsaEncoding: 'der' }, signature), `size ${size}`).toBe(
        true,
      );
    }
    const calls = kms.commandCalls(SignCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => [input.MessageType, input.SigningAlgorithm, input.KeyId])).toEqual([
      ['RAW', 'ECDSA_SHA_256', KEY],
      ['DIGEST', 'ECDSA_SHA_256', KEY],
    ]);
  });

  it('exports the key as SPKI PEM, asking KMS once', async () => {
    kms.on(GetPublicKeyCommand).resolves({ PublicKey: publicKey.export({ type: 'spki', format: 'der' }) });
    const one = signer();
    const pem = await one.publicKeyPem();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(createPublicKey(pem).export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }));
    await one.publicKeyPem();
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect(await one.keyId()).toBe(KEY);
  });

  it('fails loudly when KMS answers without a signature or a key', async () => {
    kms.on(SignCommand).resolves({});
    kms.on(GetPublicKeyCommand).resolves({});
    await expect(signer().sign(Buffer.from('x'))).rejects.toThrow(/no signature/);
    await expect(signer().publicKeyPem()).rejects.toThrow(/no public key/);
  });
});
