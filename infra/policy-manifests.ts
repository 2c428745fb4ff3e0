import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { dataKey } from './data-key.ts';
import { grantObjectAccess } from './object-grants.ts';

/**
 * How long a round's manifest and its results are kept. They are the evidence of who was sent what in a
 * round (and which batches failed), useful while a policy change runs and for a while after; the audit trail
 * (append-only, in DynamoDB) keeps the facts for good. 400 days covers the longest notice period (90 days),
 * its follow-ups and a yearly review of the year before.
 */
export const POLICY_MANIFEST_RETENTION_DAYS = 400;
/**
 * Server access logs of the manifest bucket (and of the audit digest bucket, infra/audit-anchoring.ts, under
 * its own prefix): who read or wrote a manifest or a digest, for an investigation.
 */
export const POLICY_MANIFEST_ACCESS_LOG_RETENTION_DAYS = 90;

/**
 * The bucket of the policy-change rounds (workflows/policy-change.asl.json): PlanRound writes each round's
 * manifest (one JSON line per partner), the Distributed Map reads it and its ResultWriter writes the round's
 * results beside it. Private, TLS only, encrypted with the data key, retained like the tables (the stack's data is
 * never deleted with it), with its server access logs in a bucket of their own.
 */
export class PolicyManifests extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // SSE-S3, not the data key: S3 server access log delivery writes only to a bucket whose default
      // encryption is SSE-S3 (AWS: SSE-KMS is not supported for the target bucket).
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(POLICY_MANIFEST_ACCESS_LOG_RETENTION_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself: logging its own access would log forever.',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // The stack's data key (infra/data-key.ts); a bucket key keeps KMS requests to one per object batch.
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: dataKey(this),
      bucketKeyEnabled: true,
      enforceSSL: true,
      // Unversioned: a manifest is rewritten only by a retry of the same round, with the same content.
      versioned: false,
      lifecycleRules: [
        {
          expiration: Duration.days(POLICY_MANIFEST_RETENTION_DAYS),
          // ResultWriter writes with multipart uploads: one interrupted must not linger unseen.
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'policy-manifests/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets a task read (GetObject) or also write (PutObject) the bucket's objects: exactly what a round does
   * with a manifest or a result file (infra/object-grants.ts). The objects' keys are the rounds' names.
   */
  grantObjects(grantee: iam.IGrantable, access: 'read' | 'readWrite'): void {
    grantObjectAccess(
      this.bucket,
      grantee,
      access,
      '',
      "A round's manifest and result keys are known at run time only: the objects of this one bucket.",
    );
  }
}
