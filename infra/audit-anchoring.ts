import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { auditTrailTable } from '../functions/adapters/dynamodb/table-definitions.ts';
import { environmentVariables as env } from '../functions/config/environment.ts';
import { handlerFunction } from './functions.ts';
import { keyAdministration } from './key-administration.ts';
import { grantObjectAccess } from './object-grants.ts';
import type { Tables } from './tables.ts';

/**
 * How long S3 Object Lock keeps each signed audit digest undeletable and unchangeable: 7 years (2557 days,
 * two of them leap days), the retention usual for financial records (commission rates and their changes are
 * such records: e.g. 7 years under SEC rule 17a-4 or the UK's HMRC, 6–10 years elsewhere). Compliance mode:
 * until then nobody, the account's root user included, can delete or overwrite a digest version or shorten
 * its retention.
 */
export const AUDIT_DIGEST_RETENTION_DAYS = 2557;

/** How often the chain heads are sealed into a new digest: the longest a tampering can go unanchored. */
export const AUDIT_SEAL_INTERVAL = Duration.hours(1);

/** Where the digests are written (functions/adapters/s3/digest-archive.ts `digestObjectKey`). */
const DIGEST_KEY_PREFIX = 'digests/';

/** The audit table's index that lists every stream's head (functions/adapters/dynamodb/audit-store.ts). */
const HEADS_INDEX = 'heads';

export interface AuditAnchoringProps {
  tables: Tables;
  /** The stack's bucket of S3 server access logs; the digest bucket logs under its own prefix. */
  accessLogs: s3.IBucket;
}

/**
 * Audit anchoring in AWS (functions/audit/anchoring.ts): every hour the seal function reads every audit
 * stream's head, signs the next digest with an asymmetric KMS key whose private half never leaves KMS, and
 * writes it once (If-None-Match) into a bucket under Object Lock in compliance mode. A writer of the audit
 * table can rewrite a chain but not the digests that vouch for its heads; an auditor checks them with the
 * public key alone. Nothing here can delete a digest, shorten its lock or delete the key.
 */
export class AuditAnchoring extends Construct {
  readonly bucket: s3.Bucket;
  readonly signingKey: kms.Key;
  readonly sealFunction: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: AuditAnchoringProps) {
    super(scope, id);
    const account = new iam.AccountRootPrincipal();

    this.bucket = new s3.Bucket(this, 'DigestBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Object Lock needs versioning: an overwrite would only add a version, and each version is locked.
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
        Duration.days(AUDIT_DIGEST_RETENTION_DAYS),
      ),
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'audit-digests/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Object Lock keeps every version, but an unconditional PutObject on a digest's key would make a new
    // current version, the one readers get: the bucket refuses any write that is not create-only
    // (If-None-Match, as functions/adapters/s3/digest-archive.ts writes), whoever makes it.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CreateOnlyWrites',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'Signs the audit digests (ECDSA P-256, SHA-256): the public key verifies them',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      alias: `alias/${Stack.of(this).stackName}/audit-digest-signing`,
      removalPolicy: RemovalPolicy.RETAIN,
      // Written out instead of CDK's default (`kms:*` for the account): the account administers the key
      // but is not given kms:ScheduleKeyDeletion (a digest is worth its signature only while the key's public
      // half can still be fetched and trusted). KMS's lockout check requires kms:PutKeyPolicy to stay, so an
      // administrator could add it back, deliberately and in CloudTrail; deletion then still waits 7–30 days.
      policy: new iam.PolicyDocument({
        statements: [keyAdministration('AdministerWithoutDeletion', account, ['kms:DeleteAlias'])],
      }),
    });

    this.sealFunction = handlerFunction(this, 'SealAuditDigest', {
      entry: 'functions/handlers/seal-audit-digest.ts',
      description:
        'Schedule: seals every audit stream’s head into the next signed digest (Object Lock bucket)',
      environment: {
        // Every table's name, though it reads the audit trail only: the handlers' composition requires them
        // all (functions/adapters/dynamodb/table-names.ts). Names, not access: its grants are below.
        ...props.tables.environment(),
        ...this.environment(),
      },
      // Digests are numbered consecutively: one sealer at a time (a second would only lose the If-None-Match
      // race, but would still have signed a digest for nothing).
      reservedConcurrentExecutions: 1,
    });
    new events.Rule(this, 'SealSchedule', {
      description: 'Every hour: seal the audit chain heads into the next signed digest',
      schedule: events.Schedule.rate(AUDIT_SEAL_INTERVAL),
      targets: [new eventTargets.LambdaFunction(this.sealFunction)],
    });

    // The seal function: reads every head (a Query per shard of the `heads` index), the latest digest, and
    // writes the next one; signs with the key. Nothing else.
    props.tables.grantQuery(this.sealFunction, auditTrailTable, [HEADS_INDEX]);
    this.grantDigests(this.sealFunction, 'readWrite');
    iam.Grant.addToPrincipal({
      grantee: this.sealFunction,
      actions: ['kms:Sign', 'kms:GetPublicKey'],
      resourceArns: [this.signingKey.keyArn],
    });
    // The key policy names the seal function's role for kms:Sign (the account is not delegated Sign): no
    // other principal of the account can sign a digest, whatever its IAM policies say.
    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SignDigests',
        principals: [this.sealFunction.role!],
        actions: ['kms:Sign'],
        resources: ['*'],
      }),
    );
  }

  /** `{ AUDIT_DIGEST_BUCKET, AUDIT_SIGNING_KEY_ID }` for the functions that seal or verify. */
  environment(): Record<string, string> {
    return {
      [env.auditDigestBucket]: this.bucket.bucketName,
      [env.auditSigningKeyId]: this.signingKey.keyArn,
    };
  }

  /**
   * Lets a verifier (the HTTP API: GET /api/audit/verify, /api/audit/digests, /api/audit/public-key) list and
   * read the digests and fetch the public key. Never kms:Sign.
   */
  grantVerify(grantee: iam.IGrantable): void {
    this.grantDigests(grantee, 'read');
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:GetPublicKey'],
      resourceArns: [this.signingKey.keyArn],
    });
  }

  /** GetObject (and PutObject for the sealer) on the digests' keys, ListBucket to find the latest. */
  private grantDigests(grantee: iam.IGrantable, access: 'read' | 'readWrite'): void {
    grantObjectAccess(
      this.bucket,
      grantee,
      access,
      DIGEST_KEY_PREFIX,
      "A digest's key is its number, known at run time only: the digests of this one bucket.",
    );
  }
}
