import { createS3Client, S3ManifestStore } from '../adapters/s3/manifest-store.ts';
import { environmentVariables as env } from '../config/environment.ts';
import type { Pieces } from '../dependencies.ts';

/** The policy rounds' manifests in their S3 bucket. */
export const s3Manifests: Pieces['manifests'] = ({ environment, traced }) => ({
  manifests: new S3ManifestStore(
    traced(createS3Client(environment[env.s3Endpoint])),
    environment[env.policyManifestBucket] ?? '',
  ),
});
