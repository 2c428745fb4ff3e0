/**
 * The policy-change workflow on AWS (infra/workflow.ts, infra/policy-manifests.ts), checked on the synthesized
 * template: the ASL file deployed verbatim with its Distributed Map over the manifest bucket, every placeholder
 * filled with its task function, the bucket's settings, the IAM a Distributed Map needs (child executions of
 * itself, the manifest read, the results written) and cdk-nag. Synthesized without bundling: the bundles are
 * checked with every other function's in test/infra/stack.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { policyChangeWorkflow, policyRoundConcurrency } from '../../functions/config/workflows.ts';
import { repoRoot } from '../../infra/functions.ts';
import {
  BATCH_PACING_SHARE_OF_TIMEOUT,
  defaultPolicyEmailRate,
  policyBatchSending,
  policyManifestAccess,
} from '../../infra/partner-change-notice-stack.ts';
import { POLICY_MANIFEST_RETENTION_DAYS } from '../../infra/policy-manifests.ts';
import {
  distributedMapStates,
  mapBatchingOf,
  policyChangeDefinitionPath,
  WorkflowStateMachine,
} from '../../infra/workflow.ts';
import {
  type TemplateResource as Resource,
  logicalIdAt as resourceAt,
  SKIP_BUNDLING,
  STACK,
  type TemplateStatement as Statement,
  synthesize,
} from '../support/cdk-app.ts';

interface AslState {
  Type: string;
  Resource?: string;
  ItemReader?: {
    Resource: string;
    ReaderConfig?: { InputType?: string };
    Parameters?: Record<string, string>;
  };
  ItemBatcher?: { MaxItemsPerBatch?: number; BatchInput?: Record<string, string> };
  MaxConcurrency?: number;
  ToleratedFailurePercentage?: number;
  ResultWriter?: { Resource: string; Parameters?: Record<string, string> };
  ItemProcessor?: {
    ProcessorConfig?: { Mode?: string; ExecutionType?: string };
    StartAt: string;
    States: Record<string, AslState>;
  };
  Parameters?: Record<string, unknown>;
}

const policyTaskIds = Object.values(policyChangeWorkflow.tasks).map((task) => task.id);
const FAKE_ACCOUNT_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:';

describe('policy-change workflow on AWS', () => {
  let app: App;
  let template: Template;
  let resources: Record<string, Resource>;

  const logicalIdAt = (path: string) => resourceAt(resources, `${path}/Resource`);
  const stateMachineId = () => logicalIdAt('PolicyChange/StateMachine');
  const bucketId = () => logicalIdAt('PolicyManifests/Bucket');
  const stateMachine = () => resources[stateMachineId()]!.Properties;
  /** The definition as CloudFormation will deploy it: each placeholder replaced by a made-up function ARN. */
  function filledDefinition(): { States: Record<string, AslState> } {
    const { DefinitionString: definition, DefinitionSubstitutions: substitutions } = stateMachine();
    const filled = Object.keys(substitutions).reduce(
      (text, key) => text.replaceAll(`\${${key}}`, `${FAKE_ACCOUNT_ARN}${key}`),
      definition as string,
    );
    return JSON.parse(filled) as { States: Record<string, AslState> };
  }
  function statementsOfRole(roleId: string): Statement[] {
    return Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  }
  const functionRoleId = (id: string) =>
    resources[logicalIdAt(id)]!.Properties.Role['Fn::GetAtt'][0] as string;
  const statementsOf = (id: string) => statementsOfRole(functionRoleId(id));
  const stateMachineStatements = () => statementsOfRole(stateMachine().RoleArn['Fn::GetAtt'][0] as string);
  /** The Allow statements giving `action`, each resource rendered as JSON. */
  function resourcesAllowed(statements: Statement[], action: string): string[] {
    return statements
      .filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes(action))
      .flatMap((s) => [s.Resource].flat().map((resource) => JSON.stringify(resource)));
  }
  const bucketObjects = () =>
    JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/*']] });

  beforeAll(() => {
    ({ app, template } = synthesize(SKIP_BUNDLING));
    resources = template.toJSON().Resources;
  }, 120_000);

  describe('state machine', () => {
    it('deploys the workflow file verbatim as a STANDARD, traced, fully logged state machine', () => {
      const properties = stateMachine();
      expect(JSON.parse(properties.DefinitionString)).toEqual(
        JSON.parse(readFileSync(policyChangeDefinitionPath, 'utf8')),
      );
      expect(properties.StateMachineType).toBe('STANDARD');
      expect(properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    });

    it('sends each round as a Distributed Map over the JSONL manifest: batches of 25, 10 at a time, 10 % tolerated, results written to S3', () => {
      const round = filledDefinition().States.SendRound!;
      expect(round.Type).toBe('Map');
      expect(round.ItemProcessor?.ProcessorConfig).toEqual({
        Mode: 'DISTRIBUTED',
        ExecutionType: 'STANDARD',
      });
      expect(round.ItemReader).toEqual({
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSONL' },
        Parameters: { 'Bucket.$': '$.plan.round.bucket', 'Key.$': '$.plan.round.manifestKey' },
      });
      expect(round.ItemBatcher?.MaxItemsPerBatch).toBe(25);
      // The batch sender paces itself at rate ÷ policyRoundConcurrency: the ASL must run that many at once.
      expect(round.MaxConcurrency).toBe(policyRoundConcurrency);
      expect(round.ToleratedFailurePercentage).toBe(10);
      expect(round.ResultWriter).toEqual({
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { 'Bucket.$': '$.plan.round.bucket', 'Prefix.$': '$.plan.round.resultsPrefix' },
      });
      expect(distributedMapStates(stateMachine().DefinitionString as string)).toHaveLength(1);
    });

    it('reads and writes the manifest bucket: the round names the bucket PlanRound was given', () => {
      // The ItemReader and ResultWriter take the bucket from the plan ($.plan.round.bucket), which
      // PlanPolicyRound fills from its POLICY_MANIFEST_BUCKET: that must be this bucket.
      const planEnvironment = resources[logicalIdAt('PlanPolicyRound')]!.Properties.Environment.Variables;
      expect(planEnvironment.POLICY_MANIFEST_BUCKET).toEqual({ Ref: bucketId() });
      for (const id of policyTaskIds) {
        expect(
          resources[logicalIdAt(id)]!.Properties.Environment.Variables.POLICY_MANIFEST_BUCKET,
          id,
        ).toEqual({
          Ref: bucketId(),
        });
      }
    });

    it("runs each child's batch on the SendPolicyBatch function", () => {
      const round = filledDefinition().States.SendRound!;
      const child = round.ItemProcessor!;
      expect(child.StartAt).toBe('SendBatch');
      expect(child.States.SendBatch!.Resource).toBe(`${FAKE_ACCOUNT_ARN}SendPolicyBatchFunctionArn`);
      expect(stateMachine().DefinitionSubstitutions.SendPolicyBatchFunctionArn).toEqual({
        'Fn::GetAtt': [logicalIdAt('SendPolicyBatch'), 'Arn'],
      });
    });

    it('fills every substitution placeholder with the ARN of its own task function, leaving none', () => {
      const { DefinitionString: definition, DefinitionSubstitutions: substitutions } = stateMachine();
      const placeholders = new Set(
        [...(definition as string).matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]),
      );
      expect([...placeholders].sort()).toEqual(Object.keys(policyChangeWorkflow.tasks).sort());
      expect(Object.keys(substitutions).sort()).toEqual(Object.keys(policyChangeWorkflow.tasks).sort());
      for (const [placeholder, task] of Object.entries(policyChangeWorkflow.tasks)) {
        expect(substitutions[placeholder], placeholder).toEqual({
          'Fn::GetAtt': [logicalIdAt(task.id), 'Arn'],
        });
      }
      expect(JSON.stringify(filledDefinition())).not.toContain('${');
      // The awaiting task names its function inside the Parameters of a waitForTaskToken call.
      expect(filledDefinition().States.AwaitPolicyEvent!.Parameters?.FunctionName).toBe(
        `${FAKE_ACCOUNT_ARN}AwaitPolicyEventFunctionArn`,
      );
    });

    it('alarms on any failed execution within 5 minutes', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineId() } }],
        Period: 300,
        Threshold: 1,
      });
    });

    it('outputs the state machine ARN and the bucket name', () => {
      template.hasOutput('PolicyStateMachineArn', { Value: { Ref: stateMachineId() } });
      template.hasOutput('PolicyManifestBucketName', { Value: { Ref: bucketId() } });
    });
  });

  describe('manifest bucket', () => {
    it('is private, TLS only, encrypted with the data key, unversioned, expires objects after 400 days, retained, access-logged', () => {
      const bucket = resources[bucketId()]!;
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
            },
          },
        ],
      });
      expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
      expect(POLICY_MANIFEST_RETENTION_DAYS).toBe(400);
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
        expect.objectContaining({
          Status: 'Enabled',
          ExpirationInDays: POLICY_MANIFEST_RETENTION_DAYS,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        }),
      ]);
      // Like the tables: the stack's data outlives the stack.
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
      expect(bucket.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logicalIdAt('PolicyManifests/AccessLogs') },
        LogFilePrefix: 'policy-manifests/',
      });
      expect(bucket.Properties.BucketName).toBeUndefined();
    });

    it('refuses any request without TLS', () => {
      const policies = Object.values(resources).filter(
        (r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties.Bucket).includes(bucketId()),
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
  });

  describe('IAM', () => {
    it('lets the state machine start child executions of itself, and describe, stop and redrive only those', () => {
      const statements = stateMachineStatements();
      expect(resourcesAllowed(statements, 'states:StartExecution')).toEqual([
        JSON.stringify({ Ref: stateMachineId() }),
      ]);
      const executions = (suffix: string) =>
        JSON.stringify({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':execution:',
              { 'Fn::GetAtt': [stateMachineId(), 'Name'] },
              suffix,
            ],
          ],
        });
      for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
        expect(resourcesAllowed(statements, action), action).toEqual([executions('/*')]);
      }
      expect(resourcesAllowed(statements, 'states:RedriveExecution')).toEqual([executions('/SendRound:*')]);
    });

    it('lets the state machine read the manifests and write the results in the manifest bucket only', () => {
      const statements = stateMachineStatements();
      for (const action of [
        's3:GetObject',
        's3:PutObject',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ]) {
        expect(resourcesAllowed(statements, action), action).toEqual([bucketObjects()]);
      }
      expect(resourcesAllowed(statements, 's3:DeleteObject')).toEqual([]);
    });

    it('lets the state machine invoke the policy task functions, and no other', () => {
      const invoked = resourcesAllowed(stateMachineStatements(), 'lambda:InvokeFunction').join(' ');
      for (const id of policyTaskIds) expect(invoked, id).toContain(logicalIdAt(id));
      for (const other of ['HttpApiHandler', 'SendNotice', 'Advance']) {
        expect(invoked, other).not.toContain(logicalIdAt(other));
      }
    });

    it('lets each task do with the bucket exactly what its round step needs', () => {
      const expected = { readWrite: ['s3:GetObject', 's3:PutObject'], read: ['s3:GetObject'], none: [] };
      for (const [placeholder, access] of Object.entries(policyManifestAccess)) {
        const { id } = policyChangeWorkflow.tasks[placeholder as keyof typeof policyChangeWorkflow.tasks];
        const statements = statementsOf(id);
        const s3Actions = statements
          .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')))
          .flatMap((s) => [s.Action].flat());
        expect(s3Actions.filter((a) => a !== 's3:ListBucket').sort(), id).toEqual(expected[access]);
        for (const action of expected[access]) {
          expect(resourcesAllowed(statements, action), `${id} ${action}`).toEqual([bucketObjects()]);
        }
      }
      expect(policyManifestAccess.PlanPolicyRoundFunctionArn).toBe('readWrite');
      expect(policyManifestAccess.CompletePolicyRoundFunctionArn).toBe('read');
    });

    it('lets the HTTP API start and resume policy changes, the sweep start them, the awaiting task answer its token', () => {
      const machine = JSON.stringify({ Ref: stateMachineId() });
      const httpApi = statementsOf('HttpApiHandler');
      for (const action of ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure']) {
        expect(resourcesAllowed(httpApi, action), action).toContain(machine);
      }
      expect(resourcesAllowed(statementsOf('StartPendingWorkflows'), 'states:StartExecution')).toContain(
        machine,
      );
      expect(resourcesAllowed(statementsOf('StartPendingWorkflows'), 'states:SendTaskSuccess')).not.toContain(
        machine,
      );
      expect(resourcesAllowed(statementsOf('AwaitPolicyEvent'), 'states:SendTaskSuccess')).toEqual([machine]);
      for (const id of ['HttpApiHandler', 'StartPendingWorkflows']) {
        expect(
          resources[logicalIdAt(id)]!.Properties.Environment.Variables.POLICY_STATE_MACHINE_ARN,
          id,
        ).toEqual({
          Ref: stateMachineId(),
        });
      }
    });
  });

  describe('email rate', () => {
    const rateOf = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function'))
        .map((fn) => (fn as Resource).Properties.Environment?.Variables?.POLICY_EMAIL_RATE)
        .filter((rate) => rate !== undefined);

    it('gives the batch sender 14 emails a second unless the context says otherwise', () => {
      expect(defaultPolicyEmailRate).toBe(14);
      expect(rateOf(template)).toEqual(['14']);
      expect(rateOf(synthesize({ ...SKIP_BUNDLING, policyEmailRate: '40' }).template)).toEqual(['40']);
    });

    it("gives the batch sender its state's timeout, and refuses a rate too slow for a batch to fit in it", () => {
      const definition = readFileSync(policyChangeDefinitionPath, 'utf8');
      const batching = mapBatchingOf(definition, 'SendPolicyBatchFunctionArn');
      expect(batching).toEqual({ maxItemsPerBatch: 25, maxConcurrency: 10, taskTimeoutSeconds: 300 });
      expect(resources[logicalIdAt('SendPolicyBatch')]!.Properties.Timeout).toBe(batching.taskTimeoutSeconds);
      // A full batch at its share of the rate: 25 × 10 ÷ rate seconds, within 80 % of 300 s.
      const minimumRate = 250 / (300 * BATCH_PACING_SHARE_OF_TIMEOUT);
      expect(policyBatchSending(definition, minimumRate)).toEqual({ timeoutSeconds: 300 });
      expect(() => policyBatchSending(definition, minimumRate * 0.99)).toThrow(/at least 1\.04\/s/);
      expect(policyBatchSending(definition, defaultPolicyEmailRate)).toEqual({ timeoutSeconds: 300 });
      // The SES sandbox's 1 a second cannot send a segment's round in time (nor to unverified partners).
      expect(() => synthesize({ ...SKIP_BUNDLING, policyEmailRate: '1' })).toThrow(
        /policyEmailRate.*too slow/,
      );
    });

    it('rejects a rate that is not a positive number', () => {
      for (const rate of ['0', '-3', 'fast']) {
        expect(() => synthesize({ ...SKIP_BUNDLING, policyEmailRate: rate }), rate).toThrow(
          /policyEmailRate/,
        );
      }
    });
  });

  describe('cdk-nag (AWS Solutions)', () => {
    const workflowPaths = [
      `${STACK}/PolicyChange/`,
      `${STACK}/PolicyManifests/`,
      `${STACK}/NoticeLifecycle/`,
    ];
    function findings(scope: App | Stack): string[] {
      return new AwsSolutionsChecks()
        .validateScope(scope)
        .violations.flatMap((violation) =>
          violation.violatingResources.map(
            (resource) =>
              `${violation.ruleName} ${(resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId}`,
          ),
        );
    }
    /** Findings in the workflows' own resources, or naming the manifest bucket wherever they are. */
    const workflowFindings = (all: string[], manifestBucketId: string) =>
      all.filter(
        (finding) =>
          workflowPaths.some((path) => finding.split(' ')[1]!.startsWith(path)) ||
          finding.includes(manifestBucketId),
      );

    it('finds nothing unacknowledged in the workflows, their bucket or the grants on it', () => {
      expect(workflowFindings(findings(app), bucketId())).toEqual([]);
    });

    it('the check catches an unacknowledged finding', () => {
      const stack = new Stack(new App(), STACK);
      new s3.Bucket(new Construct(stack, 'PolicyManifests'), 'Bucket', { enforceSSL: true });
      expect(workflowFindings(findings(stack), 'none')).toContain(
        `AwsSolutions-S1 ${STACK}/PolicyManifests/Bucket/Resource`,
      );
    });
  });
});

describe('WorkflowStateMachine', () => {
  const placeholder = (name: string) => `\${${name}}`;
  const mapDefinition = (processor: object) =>
    JSON.stringify({
      StartAt: 'Round',
      States: {
        Round: {
          Type: 'Map',
          Label: 'Round',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            Parameters: { 'Bucket.$': '$.b', 'Key.$': '$.k' },
          },
          ItemProcessor: {
            ProcessorConfig: processor,
            StartAt: 'Work',
            States: { Work: { Type: 'Task', Resource: placeholder('WorkFunctionArn'), End: true } },
          },
          End: true,
        },
      },
    });

  function withDefinition<T>(definition: string, run: (definitionFile: string) => T): T {
    const dir = mkdtempSync(join(tmpdir(), 'workflow-'));
    try {
      writeFileSync(join(dir, 'workflow.asl.json'), definition);
      return run(relative(repoRoot, join(dir, 'workflow.asl.json')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const build = (definitionFile: string, itemBucket?: (stack: Stack) => s3.IBucket) => {
    const stack = new Stack(new App(), 'Workflow');
    const work = new lambda.Function(stack, 'Work', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({});'),
    });
    const task = { id: 'Work', entry: 'x.ts', description: 'x', sendsEmail: false, answersTaskTokens: false };
    new WorkflowStateMachine(stack, 'Machine', {
      workflow: { name: 'Test', definitionFile, tasks: { WorkFunctionArn: task } },
      tasks: { WorkFunctionArn: work },
      failedAlarmDescription: 'failed',
      ...(itemBucket ? { itemBucket: itemBucket(stack) } : {}),
    });
    return stack;
  };

  it('reads the batching of the map calling a function, and refuses a map that does not say it', () => {
    const definition = (fields: object) =>
      JSON.stringify({
        StartAt: 'Round',
        States: {
          Round: {
            Type: 'Map',
            ...fields,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED' },
              StartAt: 'Work',
              States: {
                Work: {
                  Type: 'Task',
                  Resource: placeholder('WorkFunctionArn'),
                  TimeoutSeconds: 60,
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      });
    expect(
      mapBatchingOf(
        definition({ ItemBatcher: { MaxItemsPerBatch: 5 }, MaxConcurrency: 2 }),
        'WorkFunctionArn',
      ),
    ).toEqual({
      maxItemsPerBatch: 5,
      maxConcurrency: 2,
      taskTimeoutSeconds: 60,
    });
    expect(() => mapBatchingOf(definition({ MaxConcurrency: 2 }), 'WorkFunctionArn')).toThrow(
      /MaxItemsPerBatch/,
    );
    expect(() =>
      mapBatchingOf(definition({ ItemBatcher: { MaxItemsPerBatch: 5 } }), 'WorkFunctionArn'),
    ).toThrow(/MaxConcurrency/);
    expect(() => mapBatchingOf(definition({}), 'OtherFunctionArn')).toThrow(/No Distributed Map/);
  });

  it('finds Distributed Maps, not inline ones', () => {
    expect(distributedMapStates(mapDefinition({ Mode: 'DISTRIBUTED' }))).toHaveLength(1);
    expect(distributedMapStates(mapDefinition({ Mode: 'INLINE' }))).toHaveLength(0);
  });

  it('refuses a Distributed Map reading S3 without the bucket to grant', () => {
    withDefinition(mapDefinition({ Mode: 'DISTRIBUTED' }), (file) => {
      expect(() => build(file)).toThrow(/itemBucket/);
      expect(() => build(file, (stack) => new s3.Bucket(stack, 'Items'))).not.toThrow();
    });
  });

  it('grants child executions to a state machine with a Distributed Map only', () => {
    const actions = (stack: Stack) =>
      JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    withDefinition(mapDefinition({ Mode: 'INLINE' }), (file) => {
      expect(actions(build(file))).not.toContain('states:StartExecution');
    });
    withDefinition(mapDefinition({ Mode: 'DISTRIBUTED' }), (file) => {
      expect(actions(build(file, (stack) => new s3.Bucket(stack, 'Items')))).toContain(
        'states:StartExecution',
      );
    });
  });
});
