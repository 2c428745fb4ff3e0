/**
 * The link-signing keys' rotation in AWS (infra/link-keys.ts), checked on the synthesized template: the
 * schedule, the rotation function, and that nothing else can write the secret. One synth for the file (it is
 * slow); bundling is skipped (the bundles are checked in test/infra/stack.test.ts).
 */
import type { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LINK_KEY_ROTATION_INTERVAL } from '../../infra/link-keys.ts';
import {
  type TemplateResource as Resource,
  logicalIdAt as resourceAt,
  SKIP_BUNDLING,
  STACK,
  type TemplateStatement as Statement,
  synthesize,
} from '../support/cdk-app.ts';

/** Does an IAM action pattern (`secretsmanager:*`, `*`) cover `action`? IAM matches case-insensitively. */
function covers(pattern: string, action: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i').test(action);
}

/** Every Allow statement of every identity policy, managed policy, inline role policy and the secret's own policy, with the roles it applies to. */
function allowStatements(
  resources: Record<string, Resource>,
): { statement: Statement; roles: string[]; in: string }[] {
  const found: { statement: Statement; roles: string[]; in: string }[] = [];
  const add = (id: string, statements: Statement[] | undefined, roles: unknown[]) => {
    for (const statement of statements ?? [])
      if (statement.Effect === 'Allow')
        found.push({ statement, roles: roles.map((role) => JSON.stringify(role)), in: id });
  };
  for (const [id, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
      add(id, properties.PolicyDocument?.Statement, properties.Roles ?? []);
    if (resource.Type === 'AWS::IAM::Role')
      for (const policy of properties.Policies ?? []) add(id, policy.PolicyDocument.Statement, [{ Ref: id }]);
    if (resource.Type === 'AWS::SecretsManager::ResourcePolicy')
      add(id, properties.ResourcePolicy?.Statement, []);
  }
  return found;
}

describe('link-signing key rotation', () => {
  let app: App;
  let template: Template;
  let resources: Record<string, Resource>;

  const logicalIdAt = (path: string) => resourceAt(resources, path);
  const secretId = () => logicalIdAt('AckLinkSecret/Resource');
  const rotationFunctionId = () => logicalIdAt('LinkKeyRotation/RotateLinkKeys/Resource');
  const rotationRoleId = () => resources[rotationFunctionId()]!.Properties.Role['Fn::GetAtt'][0] as string;

  beforeAll(() => {
    ({ app, template } = synthesize(SKIP_BUNDLING));
    resources = template.toJSON().Resources;
  }, 180_000);

  it(`rotates the link secret every ${LINK_KEY_ROTATION_INTERVAL.toDays()} days with the rotation function`, () => {
    expect(LINK_KEY_ROTATION_INTERVAL.toDays()).toBe(30);
    const schedules = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::SecretsManager::RotationSchedule',
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.Properties).toMatchObject({
      SecretId: { Ref: secretId() },
      RotationLambdaARN: { 'Fn::GetAtt': [rotationFunctionId(), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    // Secrets Manager, and only Secrets Manager, may invoke it.
    const permissions = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(resource.Properties.FunctionName).includes(rotationFunctionId()),
    );
    expect(permissions.map((permission) => permission.Properties.Principal)).toEqual([
      'secretsmanager.amazonaws.com',
    ]);
  });

  it('keeps the secret where it was (same logical id, generated value): replacing it would break every link sent', () => {
    expect(secretId()).toMatch(/^AckLinkSecret[0-9A-F]{8}$/);
    expect(resources[secretId()]!.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
  });

  it('lets only the rotation function write the secret or move its staging labels', () => {
    const secret = secretId();
    for (const action of [
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:UpdateSecret',
      'secretsmanager:RotateSecret',
      'secretsmanager:DeleteSecret',
    ]) {
      const writers = allowStatements(resources).filter(
        ({ statement }) =>
          [statement.Action].flat().some((pattern) => covers(pattern, action)) &&
          [statement.Resource]
            .flat()
            .some((resource) => resource === '*' || JSON.stringify(resource).includes(secret)),
      );
      for (const writer of writers)
        expect(
          writer.roles.length > 0 && writer.roles.every((role) => role.includes(rotationRoleId())),
          `${action} granted in ${writer.in} to ${writer.roles.join(', ')}`,
        ).toBe(true);
      if (action === 'secretsmanager:PutSecretValue' || action === 'secretsmanager:UpdateSecretVersionStage')
        expect(writers.length, action).toBeGreaterThan(0);
    }
  });

  it('gives the rotation function nothing but the secret: no table, no other environment', () => {
    const grants = allowStatements(resources).filter(({ roles }) =>
      roles.some((role) => role.includes(rotationRoleId())),
    );
    const actions = grants.flatMap(({ statement }) => [statement.Action].flat());
    // Besides the secret and X-Ray: its own log group's streams (the role handlerFunction gives each function).
    expect(
      actions.filter(
        (action) =>
          !/^(secretsmanager|xray):/.test(action) &&
          !['logs:CreateLogStream', 'logs:PutLogEvents'].includes(action),
      ),
    ).toEqual([]);
    const environment = resources[rotationFunctionId()]!.Properties.Environment?.Variables ?? {};
    expect(Object.keys(environment).sort()).toEqual(['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME']);
  });

  it('leaves no cdk-nag (AWS Solutions) finding on the rotation function or the secret unacknowledged', () => {
    const findings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map(
          (resource) =>
            `${violation.ruleName} ${(resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId}`,
        ),
      )
      .filter(
        (finding) =>
          finding.includes(`${STACK}/LinkKeyRotation/`) || finding.includes(`${STACK}/AckLinkSecret`),
      );
    expect(findings).toEqual([]);
  });
});
