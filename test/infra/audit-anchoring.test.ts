/**
 * The audit anchoring's AWS side (infra/audit-anchoring.ts), checked on the synthesized template: the Object
 * Lock bucket, the signing key, the hourly sealer and who may do what with them. Bundling is skipped: the
 * bundles are checked in test/infra/stack.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditTrailTable } from '../../functions/adapters/dynamodb/table-definitions.ts';
import { AUDIT_DIGEST_RETENTION_DAYS } from '../../infra/audit-anchoring.ts';
import {
  type TemplateResource as Resource,
  logicalIdAt as resourceAt,
  SKIP_BUNDLING,
  STACK,
  type TemplateStatement as Statement,
  synthesize,
} from '../support/cdk-app.ts';

/** An Allow statement and where it is: an identity policy (with the roles it is attached to) or a resource's. */
interface Grant {
  statement: Statement;
  /** The policy's logical id. */
  in: string;
  /** The roles an identity policy is attached to (JSON of each); empty for a resource policy. */
  roles: string[];
  /** A KMS key policy's statement (`in` is the key). */
  keyPolicy?: boolean;
}

/** Does an IAM action pattern (`s3:*`, `kms:Get*`, `*`) cover `action`? IAM matches case-insensitively. */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(action);
}

/**
 * Every Allow statement of the template: identity policies (IAM::Policy, a role's inline policies, managed
 * policies) and resource policies (bucket policies, key policies), so that a grant cannot hide in either.
 */
function allowStatements(resources: Record<string, Resource>): Grant[] {
  const grants: Grant[] = [];
  const add = (id: string, statements: Statement[] | undefined, roles: unknown[] = [], keyPolicy = false) => {
    for (const statement of statements ?? [])
      if (statement.Effect === 'Allow')
        grants.push({ statement, in: id, roles: roles.map((role) => JSON.stringify(role)), keyPolicy });
  };
  for (const [id, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
      add(id, properties.PolicyDocument?.Statement, properties.Roles ?? []);
    if (resource.Type === 'AWS::IAM::Role')
      for (const policy of properties.Policies ?? []) add(id, policy.PolicyDocument.Statement, [{ Ref: id }]);
    if (resource.Type === 'AWS::S3::BucketPolicy') add(id, properties.PolicyDocument.Statement);
    if (resource.Type === 'AWS::KMS::Key') add(id, properties.KeyPolicy.Statement, [], true);
  }
  return grants;
}

/**
 * The grants whose actions cover `action` on a resource that is `*` or mentions `resourceMention`. In a key
 * policy `*` is that key alone: another key's policy (the data key's, infra/data-key.ts) grants nothing here.
 */
function grantsOf(grants: Grant[], action: string, resourceMention: string): Grant[] {
  return grants.filter(
    (grant) =>
      [grant.statement.Action].flat().some((pattern) => covers(pattern, action)) &&
      [grant.statement.Resource]
        .flat()
        .some(
          (resource) =>
            (resource === '*' && !(grant.keyPolicy && grant.in !== resourceMention)) ||
            JSON.stringify(resource).includes(resourceMention),
        ),
  );
}

/** Is this grant the seal function's: its role's identity policy, or a key-policy statement naming its role? */
function isSealFunctions(grant: Grant, sealRoleId: string): boolean {
  const onlyItsRole = grant.roles.length > 0 && grant.roles.every((role) => role.includes(sealRoleId));
  const namesItsRole =
    JSON.stringify(grant.statement.Principal ?? null) ===
    JSON.stringify({
      AWS: { 'Fn::GetAtt': [sealRoleId, 'Arn'] },
    });
  return onlyItsRole || namesItsRole;
}

/** What nobody may do with a digest: delete one (or a version), shorten its lock, bypass it, unlock the bucket. */
const forbiddenOnDigests = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectRetention',
  's3:BypassGovernanceRetention',
  's3:PutObjectLegalHold',
  's3:PutBucketObjectLockConfiguration',
  's3:DeleteBucket',
  's3:PutLifecycleConfiguration',
];

describe('audit anchoring', () => {
  let template: Template;
  let resources: Record<string, Resource>;
  let app: App;

  /** Logical id of the resource a construct path (below the stack) points at. */
  const logicalIdAt = (path: string) => resourceAt(resources, `${path}/Resource`);
  const bucketId = () => logicalIdAt('AuditAnchoring/DigestBucket');
  const keyId = () => logicalIdAt('AuditAnchoring/SigningKey');
  const sealFunctionId = () => logicalIdAt('AuditAnchoring/SealAuditDigest');
  const apiFunctionId = () => logicalIdAt('HttpApiHandler');
  const roleOf = (functionId: string) => resources[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;
  /** The Allow statements of the identity policies attached to a function's role. */
  const identityGrantsOf = (functionId: string) =>
    allowStatements(resources).filter((grant) =>
      grant.roles.some((role) => role.includes(roleOf(functionId))),
    );

  beforeAll(() => {
    ({ app, template } = synthesize(SKIP_BUNDLING));
    resources = template.toJSON().Resources;
  }, 180_000);

  describe('the digest bucket', () => {
    it(`locks every digest in compliance mode for ${AUDIT_DIGEST_RETENTION_DAYS} days (7 years) by default`, () => {
      expect(AUDIT_DIGEST_RETENTION_DAYS).toBe(2557);
      const bucket = resources[bucketId()]!.Properties;
      expect(bucket.ObjectLockEnabled).toBe(true);
      expect(bucket.ObjectLockConfiguration).toEqual({
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: AUDIT_DIGEST_RETENTION_DAYS } },
      });
    });

    it('is versioned, private, TLS only, S3-encrypted, access-logged and retained', () => {
      const bucket = resources[bucketId()]!;
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logicalIdAt('PolicyManifests/AccessLogs') },
        LogFilePrefix: 'audit-digests/',
      });
      // Nothing may expire a digest (and a lifecycle rule could not delete a locked version anyway).
      expect(bucket.Properties.LifecycleConfiguration).toBeUndefined();
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
      const policies = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::S3::BucketPolicy' &&
          JSON.stringify(r.Properties.Bucket) === `{"Ref":"${bucketId()}"}`,
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]!.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    });

    it('refuses any write that would replace a digest (a PutObject without If-None-Match), whoever makes it', () => {
      const policy = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::S3::BucketPolicy' &&
          JSON.stringify(r.Properties.Bucket) === `{"Ref":"${bucketId()}"}`,
      )!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
        Sid: 'CreateOnlyWrites',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/*']] },
        Condition: { Null: { 's3:if-none-match': 'true' } },
      });
    });

    it.each(forbiddenOnDigests)('lets nobody %s on the digest bucket', (action) => {
      expect(grantsOf(allowStatements(resources), action, bucketId())).toEqual([]);
    });
  });

  describe('the signing key', () => {
    it('is an asymmetric P-256 signing key, retained, with an alias and a description', () => {
      const key = resources[keyId()]!;
      expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      expect(key.Properties.Description).toEqual(expect.stringMatching(/audit digests/));
      expect(key.Properties.EnableKeyRotation).toBeUndefined();
      expect(key.DeletionPolicy).toBe('Retain');
      expect(key.UpdateReplacePolicy).toBe('Retain');
      const aliases = Object.values(resources).filter(
        (r) => r.Type === 'AWS::KMS::Alias' && JSON.stringify(r.Properties.TargetKeyId).includes(keyId()),
      );
      expect(aliases.map((alias) => alias.Properties.AliasName)).toEqual([
        `alias/${STACK}/audit-digest-signing`,
      ]);
    });

    it('lets nobody schedule its deletion', () => {
      expect(grantsOf(allowStatements(resources), 'kms:ScheduleKeyDeletion', keyId())).toEqual([]);
    });

    it('lets the seal function, and only it, sign', () => {
      const signers = grantsOf(allowStatements(resources), 'kms:Sign', keyId());
      expect(signers.length).toBeGreaterThan(0);
      for (const grant of signers)
        expect(isSealFunctions(grant, roleOf(sealFunctionId())), grant.in).toBe(true);
      // The key policy itself names the role: the account's other principals cannot be given Sign by IAM.
      expect(
        signers.some((grant) => grant.in === keyId() && isSealFunctions(grant, roleOf(sealFunctionId()))),
      ).toBe(true);
    });
  });

  describe('the seal function', () => {
    it('runs every hour on the schedule, one run at a time', () => {
      const rules = Object.entries(resources).filter(
        ([, r]) =>
          r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.Targets).includes(sealFunctionId()),
      );
      expect(rules).toHaveLength(1);
      const [ruleId, rule] = rules[0]!;
      expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({ Arn: { 'Fn::GetAtt': [sealFunctionId(), 'Arn'] } }),
      ]);
      expect(
        Object.values(resources).some(
          (r) =>
            r.Type === 'AWS::Lambda::Permission' &&
            r.Properties.Principal === 'events.amazonaws.com' &&
            JSON.stringify(r.Properties.FunctionName).includes(sealFunctionId()) &&
            JSON.stringify(r.Properties.SourceArn).includes(ruleId),
        ),
      ).toBe(true);
      expect(resources[sealFunctionId()]!.Properties.ReservedConcurrentExecutions).toBe(1);
    });

    it('is given the bucket, the key ARN and the audit table', () => {
      const variables = resources[sealFunctionId()]!.Properties.Environment.Variables;
      expect(variables.AUDIT_DIGEST_BUCKET).toEqual({ Ref: bucketId() });
      expect(variables.AUDIT_SIGNING_KEY_ID).toEqual({ 'Fn::GetAtt': [keyId(), 'Arn'] });
      expect(variables[auditTrailTable.environmentVariable]).toEqual({
        Ref: logicalIdAt(`Tables/${auditTrailTable.logicalName}`),
      });
    });

    it('may query the audit heads, read and write digests and sign: exactly that', () => {
      const table = logicalIdAt(`Tables/${auditTrailTable.logicalName}`);
      const tableArn = { 'Fn::GetAtt': [table, 'Arn'] };
      const bucketArn = { 'Fn::GetAtt': [bucketId(), 'Arn'] };
      const statements = identityGrantsOf(sealFunctionId())
        .map(({ statement }) => statement)
        // Tracing (X-Ray accepts no resource but `*`), as every function of the app has.
        .filter((statement) => !JSON.stringify(statement.Action).includes('xray:'));
      const dataKeyArn = { 'Fn::GetAtt': [logicalIdAt('DataKey'), 'Arn'] };
      expect(statements).toEqual([
        // Its own log group's streams (infra/functions.ts).
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalIdAt('AuditAnchoring/SealAuditDigestLogs'), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/heads']] }],
        },
        // The audit table is encrypted with the data key: reading it decrypts, nothing more.
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: dataKeyArn },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [bucketArn, '/digests/*']] },
        },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn },
        {
          Effect: 'Allow',
          Action: ['kms:Sign', 'kms:GetPublicKey'],
          Resource: { 'Fn::GetAtt': [keyId(), 'Arn'] },
        },
      ]);
    });
  });

  describe('the HTTP API function', () => {
    it('is given the bucket and the key ARN', () => {
      const variables = resources[apiFunctionId()]!.Properties.Environment.Variables;
      expect(variables.AUDIT_DIGEST_BUCKET).toEqual({ Ref: bucketId() });
      expect(variables.AUDIT_SIGNING_KEY_ID).toEqual({ 'Fn::GetAtt': [keyId(), 'Arn'] });
    });

    it('may read the digests and fetch the public key, never sign or write a digest', () => {
      const grants = identityGrantsOf(apiFunctionId());
      const on = (action: string, mention: string) => grantsOf(grants, action, mention).length > 0;
      expect(on('kms:GetPublicKey', keyId())).toBe(true);
      expect(on('kms:Sign', keyId())).toBe(false);
      expect(on('s3:GetObject', bucketId())).toBe(true);
      expect(on('s3:ListBucket', bucketId())).toBe(true);
      expect(on('s3:PutObject', bucketId())).toBe(false);
    });
  });

  it('protects the audit trail table from deletion, besides retaining it and its point-in-time recovery', () => {
    const table = resources[logicalIdAt(`Tables/${auditTrailTable.logicalName}`)]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.Replicas).toEqual([
      expect.objectContaining({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    ]);
  });

  it('leaves no cdk-nag (AWS Solutions) finding on the bucket, the key, the seal function and its schedule unacknowledged', () => {
    const findings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map(
          (resource) =>
            `${violation.ruleName} ${(resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId}`,
        ),
      )
      .filter((finding) =>
        ['DigestBucket', 'SigningKey', 'SealAuditDigest', 'SealSchedule'].some((part) =>
          finding.includes(`${STACK}/AuditAnchoring/${part}`),
        ),
      );
    expect(findings).toEqual([]);
  });
});

describe('the grant checks', () => {
  /** A stack with one bucket and one key, and whatever `misgrant` grants a role on them. */
  function grantsIn(misgrant: (role: iam.Role, bucket: s3.Bucket, key: kms.Key) => void) {
    const stack = new Stack(new App(), 'Misgranted');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const bucket = new s3.Bucket(stack, 'Bucket');
    const key = new kms.Key(stack, 'Key', {
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
    });
    misgrant(role, bucket, key);
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    const id = (construct: s3.Bucket | kms.Key) =>
      stack.resolve((construct.node.defaultChild as unknown as { logicalId: string }).logicalId) as string;
    return { grants: allowStatements(resources), bucketId: id(bucket), keyId: id(key) };
  }

  it('see a delete hidden in a wildcard (s3:Delete*, s3:*)', () => {
    for (const pattern of ['s3:Delete*', 's3:*', 's3:deleteobject']) {
      const { grants, bucketId } = grantsIn((role, bucket) =>
        role.addToPolicy(
          new iam.PolicyStatement({ actions: [pattern], resources: [bucket.arnForObjects('*')] }),
        ),
      );
      expect(grantsOf(grants, 's3:DeleteObject', bucketId), pattern).toHaveLength(1);
    }
  });

  it("see CDK's default key policy (kms:* for the account) allow deletion and signing", () => {
    const { grants, keyId } = grantsIn(() => undefined);
    expect(grantsOf(grants, 'kms:ScheduleKeyDeletion', keyId)).toHaveLength(1);
    expect(grantsOf(grants, 'kms:Sign', keyId).every((grant) => isSealFunctions(grant, 'SealRole'))).toBe(
      false,
    );
  });

  it('see a role other than the sealer allowed to sign', () => {
    const { grants, keyId } = grantsIn((role, _bucket, key) => key.grantSign(role));
    const signers = grantsOf(grants, 'kms:Sign', keyId).filter((grant) => grant.roles.length > 0);
    expect(signers).toHaveLength(1);
    expect(isSealFunctions(signers[0]!, 'SealRole')).toBe(false);
  });
});
