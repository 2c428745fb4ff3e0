import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';

/**
 * Signs the audit digests (functions/domain/audit-digest.ts) with ECDSA P-256 / SHA-256, the signature DER
 * encoded: what AWS KMS's ECDSA_SHA_256 produces, so a digest signed in AWS and one signed locally verify
 * the same way, with the exported public key alone (no AWS credentials).
 */
export interface DigestSigner {
  /** Names the key in each digest (a KMS key ARN in AWS; `local:<SPKI fingerprint>` locally). */
  keyId(): Promise<string>;
  sign(bytes: Buffer): Promise<Buffer>;
  /** The public key as SPKI PEM, for auditors (GET /api/audit/public-key). */
  publicKeyPem(): Promise<string>;
}

/** The SPKI fingerprint a local key is named by: the first 16 hex digits of its DER's SHA-256. */
function fingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/**
 * Local mode's signer: a P-256 key kept as a PKCS#8 PEM file (created on first use, mode 0600, never
 * overwritten: `wx`), so digests sealed before a restart still verify after it.
 */
export class KeyFileDigestSigner implements DigestSigner {
  private key: Promise<KeyObject> | undefined;

  constructor(private readonly path: string) {}

  private privateKey(): Promise<KeyObject> {
    this.key ??= this.load();
    return this.key;
  }

  private async load(): Promise<KeyObject> {
    try {
      return createPrivateKey(await readFile(this.path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await mkdir(dirname(this.path), { recursive: true });
    try {
      await writeFile(this.path, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        flag: 'wx',
        mode: 0o600,
      });
      return privateKey;
    } catch (error) {
      // Another process created it first: use that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return createPrivateKey(await readFile(this.path, 'utf8'));
    }
  }

  async keyId(): Promise<string> {
    return `local:${fingerprint(createPublicKey(await this.privateKey()))}`;
  }

  async sign(bytes: Buffer): Promise<Buffer> {
    return sign('sha256', bytes, { key: await this.privateKey(), dsaEncoding: 'der' });
  }

  async publicKeyPem(): Promise<string> {
    return createPublicKey(await this.privateKey())
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }
}

/** KMS's limit on a RAW message to Sign: larger input must be sent as its digest. */
const KMS_RAW_MESSAGE_LIMIT = 4096;

/**
 * AWS's signer: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY); the private key never leaves KMS. The
 * digest body is hashed here and sent as MessageType DIGEST, which signs exactly what RAW would.
 */
export class KmsDigestSigner implements DigestSigner {
  private publicKey: Promise<string> | undefined;

  constructor(
    private readonly client: KMSClient,
    private readonly kmsKeyId: string,
  ) {}

  async keyId(): Promise<string> {
    return this.kmsKeyId;
  }

  async sign(bytes: Buffer): Promise<Buffer> {
    const raw = bytes.length <= KMS_RAW_MESSAGE_LIMIT;
    const { Signature } = await this.client.send(
      new SignCommand({
        KeyId: this.kmsKeyId,
        Message: raw ? bytes : createHash('sha256').update(bytes).digest(),
        MessageType: raw ? 'RAW' : 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!Signature) throw new Error(`KMS returned no signature for key ${this.kmsKeyId}`);
    return Buffer.from(Signature);
  }

  publicKeyPem(): Promise<string> {
    this.publicKey ??= this.client
      .send(new GetPublicKeyCommand({ KeyId: this.kmsKeyId }))
      .then(({ PublicKey }) => {
        if (!PublicKey) throw new Error(`KMS returned no public key for key ${this.kmsKeyId}`);
        return createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
      });
    return this.publicKey;
  }
}
