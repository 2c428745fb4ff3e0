/**
 * cdk-nag's AWS Solutions rules over the whole PartnerChangeNotice stack: CI's gate (it runs `npm test`), the
 * same check `cdk synth` applies (infra/app.ts). Every finding is fixed or acknowledged in code, on the
 * construct it concerns, with its reason; a new finding (an error or a warning) fails here. The one
 * acknowledgement that covers a whole kind (X-Ray's `*` resource on every function's role) is checked
 * statement by statement below, so no other `*` can hide behind it.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SKIP_BUNDLING, synthesize } from '../support/cdk-app.ts';

interface Finding {
  rule: string;
  severity: string;
  path: string;
}

function findings(scope: IConstruct): Finding[] {
  return new AwsSolutionsChecks().validateScope(scope).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      severity: String((violation as { severity?: unknown }).severity),
      path: (resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId ?? '',
    })),
  );
}

/** Every acknowledgement in `scope`: the construct it is on, the finding it names, its reason. */
function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let app: App;
let stack: Stack;
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;

beforeAll(() => {
  // The bundles do not change a finding: the template's resources and policies are the same without them.
  ({ app, stack } = synthesize(SKIP_BUNDLING));
  resources = app.synth().getStackByName(stack.stackName).template.Resources;
}, 120_000);

describe('cdk-nag (AWS Solutions) over the whole stack', () => {
  it('finds nothing unacknowledged: no error, no warning', () => {
    const all = findings(app);
    expect(all.filter((finding) => finding.severity === 'error')).toEqual([]);
    expect(all.filter((finding) => finding.severity === 'warning')).toEqual([]);
    expect(all).toEqual([]);
  });

  it('leaves no CDK error or warning annotation unacknowledged (e.g. a KMS key policy wildcard for CloudFront)', () => {
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges each finding with a reason of its own, a wildcard (IAM5) by its exact text', () => {
    const all = acknowledgements(app);
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) {
      expect(reason.length, `${path} ${id}: ${reason}`).toBeGreaterThanOrEqual(40);
      // A bare IAM5 would acknowledge every wildcard of the construct: each names the one it accepts.
      if (id.includes('AwsSolutions-IAM5')) expect(id, path).toMatch(/IAM5\[(Action|Resource)::.+\]$/);
      if (id.includes('AwsSolutions-IAM4')) expect(id, path).toMatch(/IAM4\[Policy::.+\]$/);
    }
  });

  it('allows a `*` resource in a function role only for actions that take no narrower one (X-Ray, log delivery, random passwords)', () => {
    const starStatements = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(([id, policy]) =>
        ((policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement ?? []).map(
          (statement) => ({ id, statement }),
        ),
      )
      .filter(({ statement }) => [statement.Resource].flat().includes('*'));
    expect(starStatements.length).toBeGreaterThan(0);
    const actions = new Set(starStatements.flatMap(({ statement }) => [statement.Action].flat()));
    // X-Ray (every traced function and state machine); the state machines' vended log delivery and the
    // log-group resource policy of the example rule (account-level APIs with no ARN, infra/workflow.ts and
    // infra/events.ts).
    const allowed = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'logs:DeleteResourcePolicy',
      // The link keys' rotation draws each new key from Secrets Manager (infra/link-keys.ts): an action with
      // no resource type at all.
      'secretsmanager:GetRandomPassword',
    ]);
    expect([...actions].filter((action) => !allowed.has(action))).toEqual([]);
  });

  it('catches a finding nobody acknowledged', () => {
    const other = new Stack(new App(), 'Unacknowledged');
    const bucket = new s3.Bucket(other, 'Bucket', { enforceSSL: true });
    const role = new iam.Role(other, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }),
    );
    const rules = findings(other).map((finding) => `${finding.rule} ${finding.path}`);
    expect(rules).toContain('AwsSolutions-S1 Unacknowledged/Bucket/Resource');
    expect(rules.some((rule) => rule.startsWith('AwsSolutions-IAM5[Resource::<Bucket'))).toBe(true);
  });
});
