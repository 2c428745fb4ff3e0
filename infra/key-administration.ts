import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The account's administration of a KMS key whose policy is written out instead of CDK's default (`kms:*` for
 * the account): everything an administrator does with a key except use it and schedule its deletion. KMS's
 * lockout check requires kms:PutKeyPolicy (in `kms:Put*`) to stay, so an administrator could add deletion
 * back, deliberately and in CloudTrail. `alsoAllowed`: the actions one key's administration adds.
 */
export function keyAdministration(
  sid: string,
  principal: iam.IPrincipal,
  alsoAllowed: readonly string[] = [],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [principal],
    actions: [
      'kms:Create*',
      'kms:Describe*',
      'kms:Enable*',
      'kms:List*',
      'kms:Put*',
      'kms:Update*',
      'kms:Revoke*',
      'kms:Disable*',
      'kms:Get*',
      'kms:TagResource',
      'kms:UntagResource',
      'kms:CancelKeyDeletion',
      ...alsoAllowed,
    ],
    resources: ['*'],
  });
}
