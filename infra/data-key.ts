import { Arn, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** The construct id of each stack's data key (one per stack, created on first use). */
export const DATA_KEY_ID = 'DataKey';

/**
 * The stack's customer-managed KMS key for its data at rest: the tables, the policy-manifest bucket, the
 * console's bucket, the log groups, the dead-letter queues and topics. Customer-managed rather than AWS-managed
 * so the account decides who may decrypt (the key policy, CloudTrail of every use) and can cut all access at
 * once by disabling it. Rotated yearly by KMS; retained with the data it protects (a table or log group
 * encrypted with a deleted key is unreadable). The audit digests keep their own settings
 * (infra/audit-anchoring.ts) and the S3 access-log buckets SSE-S3, the only encryption S3 log delivery writes
 * to (infra/policy-manifests.ts).
 */
export function dataKey(scope: Construct): kms.Key {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(DATA_KEY_ID);
  if (existing instanceof kms.Key) return existing;
  const key = new kms.Key(stack, DATA_KEY_ID, {
    description: `${stack.stackName}: tables, buckets, logs, queues and topics at rest`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // CloudWatch Logs encrypts a log group with the key as the service itself, not as a principal of the
  // account: the key policy must name it, and only for this account's log groups of this region (the
  // encryption context CloudWatch Logs sends names the log group).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      // In a key policy, "*" is the key itself.
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': Arn.format(
            {
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            },
            stack,
          ),
        },
      },
    }),
  );
  return key;
}

/**
 * Lets `grantee` use `key` for data it reads (kms:Decrypt) or also writes (kms:Encrypt, kms:GenerateDataKey:
 * a DynamoDB write, an S3 PutObject, an SQS SendMessage), named one by one: CDK's grantEncryptDecrypt would
 * add the `kms:ReEncrypt*` and `kms:GenerateDataKey*` wildcards, which no function here needs.
 */
export function grantKeyUse(key: kms.IKey, grantee: iam.IGrantable, access: 'read' | 'readWrite'): void {
  key.grant(
    grantee,
    ...(access === 'readWrite' ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt']),
  );
}
