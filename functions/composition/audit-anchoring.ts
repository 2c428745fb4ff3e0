import { KMSClient } from '@aws-sdk/client-kms';
import { S3DigestArchive } from '../adapters/s3/digest-archive.ts';
import { createS3Client } from '../adapters/s3/manifest-store.ts';
import { KmsDigestSigner } from '../adapters/signing/digest-signer.ts';
import { environmentVariables as env } from '../config/environment.ts';
import { type Pieces, required } from '../dependencies.ts';

/** The audit digests in their Object Lock bucket, signed with the KMS key. */
export const s3AndKmsAnchoring: Pieces['anchoring'] = ({ environment, traced }) => {
  let kmsSigner: KmsDigestSigner | undefined;
  // Built on first use: only the sealing and verifying functions are given the key.
  const signer = () => {
    kmsSigner ??= new KmsDigestSigner(
      traced(new KMSClient({})),
      required(environment, env.auditSigningKeyId),
    );
    return kmsSigner;
  };
  return {
    digests: new S3DigestArchive(
      traced(createS3Client(environment[env.s3Endpoint])),
      environment[env.auditDigestBucket] ?? '',
    ),
    digestSigner: {
      keyId: () => signer().keyId(),
      sign: (bytes) => signer().sign(bytes),
      publicKeyPem: () => signer().publicKeyPem(),
    },
  };
};
