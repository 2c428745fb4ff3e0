import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantKeyUse } from './data-key.ts';

/**
 * Lets `grantee` read (GetObject) or also write (PutObject) the objects of `bucket` under `keyPrefix`, and
 * list the bucket (so a missing key is NoSuchKey, not AccessDenied): no delete, no retention or ACL changes
 * (grantRead/grantReadWrite would add `s3:GetObject*`, `s3:DeleteObject*`, `s3:List*` wildcards). The keys
 * are known at run time only, so the resource ends in `*`: acknowledged for cdk-nag with `reason`.
 */
export function grantObjectAccess(
  bucket: s3.IBucket,
  grantee: iam.IGrantable,
  access: 'read' | 'readWrite',
  keyPrefix: string,
  reason: string,
): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: access === 'readWrite' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
    resourceArns: [bucket.arnForObjects(`${keyPrefix}*`)],
  });
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
  // A bucket encrypted with a customer-managed key: its objects are read (and written) through the key.
  if (bucket.encryptionKey) grantKeyUse(bucket.encryptionKey, grantee, access);
  const bucketId = Stack.of(bucket).resolve((bucket.node.defaultChild as CfnResource).logicalId) as string;
  // On the role the statement lands in (a function's role is its grant principal).
  const principal = grantee.grantPrincipal;
  if (principal instanceof Construct) {
    Validations.of(principal).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${keyPrefix}*]`,
      reason,
    });
  }
}
