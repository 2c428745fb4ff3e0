/**
 * The CDK app, checked on its synthesized CloudFormation template. The stack is synthesized once (with every
 * handler really bundled by esbuild) and shared by all assertions; the few extra stacks skip bundling.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allTables,
  auditTrailTable,
  deployedTables,
  eventsTable,
  type KeyAttribute,
  trustLedgerTable,
} from '../../functions/adapters/dynamodb/table-definitions.ts';
import {
  type FunctionTableAccess,
  handlerTableAccess,
  mergeTableAccess,
  sesMailerTableAccess,
  type TableGrant,
  tableActionsFor,
  taskTableAccess,
} from '../../functions/config/table-access.ts';
import { noticeLifecycleWorkflow, policyChangeWorkflow } from '../../functions/config/workflows.ts';
import { userGroups } from '../../infra/api.ts';
import { EVENT_ARCHIVE_RETENTION_DAYS, STREAM_RETRY_ATTEMPTS } from '../../infra/events.ts';
import { defaultNoticeSenderEmail } from '../../infra/partner-change-notice-stack.ts';
import { noticeLifecycleDefinitionPath } from '../../infra/workflow.ts';
import {
  type TemplateResource as Resource,
  logicalIdAt as resourceAt,
  SKIP_BUNDLING,
  STACK,
  type TemplateStatement as Statement,
  synthesize,
} from '../support/cdk-app.ts';

/** The workflows' task functions (from their one description) and the two others: construct ids in the stack. */
const taskIds = Object.values(noticeLifecycleWorkflow.tasks).map((task) => task.id);
const policyTaskIds = Object.values(policyChangeWorkflow.tasks).map((task) => task.id);
type TaskId = (typeof noticeLifecycleWorkflow.tasks)[keyof typeof noticeLifecycleWorkflow.tasks]['id'];
type PolicyTaskId = (typeof policyChangeWorkflow.tasks)[keyof typeof policyChangeWorkflow.tasks]['id'];
type FunctionId =
  | TaskId
  | PolicyTaskId
  | 'HttpApiHandler'
  | 'StartPendingWorkflows'
  | 'EmailFeedback/Handler'
  | 'PublishEvents'
  | 'AuditAnchoring/SealAuditDigest';
/**
 * The functions of the product's steps (the events publisher and the audit sealer, with their own narrow
 * grants, apart: the sealer's in test/infra/audit-anchoring.test.ts).
 */
const functionIds: FunctionId[] = [
  'HttpApiHandler',
  'StartPendingWorkflows',
  'EmailFeedback/Handler',
  ...taskIds,
  ...policyTaskIds,
];
const allFunctionIds: FunctionId[] = [...functionIds, 'PublishEvents', 'AuditAnchoring/SealAuditDigest'];
const emailTasks = [
  ...Object.values(noticeLifecycleWorkflow.tasks),
  ...Object.values(policyChangeWorkflow.tasks),
]
  .filter((task) => task.sendsEmail)
  .map((task) => task.id);

/** A function's declared table access (functions/config/table-access.ts), with SES delivery's if it emails. */
function declaredAccessOf(id: FunctionId): FunctionTableAccess {
  if (id === 'HttpApiHandler') return mergeTableAccess(handlerTableAccess.httpApi, sesMailerTableAccess);
  if (id === 'StartPendingWorkflows') {
    return mergeTableAccess(handlerTableAccess.startPendingWorkflows, sesMailerTableAccess);
  }
  if (id === 'EmailFeedback/Handler') {
    return mergeTableAccess(handlerTableAccess.emailFeedback, sesMailerTableAccess);
  }
  const tasks = { ...noticeLifecycleWorkflow.tasks, ...policyChangeWorkflow.tasks };
  const found = (
    Object.entries(tasks) as [keyof typeof taskTableAccess, { id: string; sendsEmail: boolean }][]
  ).find(([, task]) => task.id === id);
  if (!found) throw new Error(`No declared table access for ${id}`);
  const [placeholder, task] = found;
  return task.sendsEmail
    ? mergeTableAccess(taskTableAccess[placeholder], sesMailerTableAccess)
    : taskTableAccess[placeholder];
}

/** A product rule: `/dev/...` endpoints exist in local mode only, never in the deployed API. */
function devRouteKeys(template: Template): string[] {
  return routeKeys(template).filter((key) => /\/dev\b/i.test(key));
}

function routeKeys(template: Template): string[] {
  return Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
    (route) => (route as Resource).Properties.RouteKey as string,
  );
}

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute) {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
  ];
}

describe('PartnerChangeNotice stack', () => {
  let app: App;
  let template: Template;
  let resources: Record<string, Resource>;

  /** Logical id of the resource a construct path (below the stack) points at. */
  const logicalIdAt = (path: string) => resourceAt(resources, `${path}/Resource`);
  const functionLogicalId = (id: FunctionId) => logicalIdAt(id);
  const tableLogicalId = (logicalName: string) => logicalIdAt(`Tables/${logicalName}`);
  const stateMachineLogicalId = () => logicalIdAt('NoticeLifecycle/StateMachine');
  const dataKeyId = () => logicalIdAt('DataKey');

  function functionProperties(id: FunctionId) {
    return resources[functionLogicalId(id)]!.Properties;
  }
  function environmentOf(id: FunctionId): Record<string, unknown> {
    return functionProperties(id).Environment.Variables;
  }
  /** Every IAM statement attached to the function's role, whichever policy holds it. */
  function statementsOf(id: FunctionId): Statement[] {
    const roleId = functionProperties(id).Role['Fn::GetAtt'][0] as string;
    return Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) =>
        (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role).includes(roleId)),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  }
  /** Does some Allow statement give `action` on a resource whose JSON mentions `resourceMention`? */
  function allows(statements: Statement[], action: string, resourceMention: string): boolean {
    return statements.some(
      (statement) =>
        statement.Effect === 'Allow' &&
        [statement.Action].flat().includes(action) &&
        [statement.Resource].flat().some((resource) => JSON.stringify(resource).includes(resourceMention)),
    );
  }

  beforeAll(() => {
    ({ app, template } = synthesize());
    resources = template.toJSON().Resources;
  }, 300_000);

  describe('tables', () => {
    it('builds exactly one table per deployed definition, none for local-only ones', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', deployedTables.length);
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      for (const local of allTables.filter((table) => table.localOnly)) {
        const paths = Object.values(resources).map((resource) => resource.Metadata?.['aws:cdk:path'] ?? '');
        expect(paths.filter((path) => path.includes(local.logicalName))).toEqual([]);
      }
    });

    it.each(deployedTables.map((definition) => [definition.logicalName, definition] as const))(
      '%s: key schema, GSIs, TTL, on-demand, PITR, encrypted with the data key, retained and deletion-protected',
      (logicalName, definition) => {
        const table = resources[tableLogicalId(logicalName)]!;
        const indexes = definition.globalSecondaryIndexes ?? [];
        expect(table.Properties.KeySchema).toEqual(keySchema(definition.partitionKey, definition.sortKey));
        const keyAttributes = [
          definition.partitionKey,
          definition.sortKey,
          ...indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
        ];
        for (const key of keyAttributes.filter((k) => k !== undefined)) {
          expect(table.Properties.AttributeDefinitions).toContainEqual({
            AttributeName: key.name,
            AttributeType: key.type,
          });
        }
        expect(table.Properties.GlobalSecondaryIndexes ?? []).toEqual(
          indexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' },
          })),
        );
        expect(table.Properties.TimeToLiveSpecification).toEqual(
          definition.timeToLiveAttribute
            ? { AttributeName: definition.timeToLiveAttribute, Enabled: true }
            : undefined,
        );
        expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
        expect(table.Properties.Replicas).toEqual([
          expect.objectContaining({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
            SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [dataKeyId(), 'Arn'] } },
          }),
        ]);
        expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
        expect(table.Properties.TableName).toBeUndefined();
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.UpdateReplacePolicy).toBe('Retain');
      },
    );

    it('gives every function every table name in the variable its definition names', () => {
      for (const id of functionIds) {
        for (const definition of deployedTables) {
          expect(
            environmentOf(id)[definition.environmentVariable],
            `${id} ${definition.environmentVariable}`,
          ).toEqual({
            Ref: tableLogicalId(definition.logicalName),
          });
        }
      }
    });

    it('grants each function exactly the tables, indexes and actions its declaration lists, on named ARNs', () => {
      for (const id of functionIds) {
        const granted: Record<string, string[]> = {};
        for (const statement of statementsOf(id)) {
          const actions = [statement.Action].flat().filter((action) => action.startsWith('dynamodb:'));
          if (actions.length === 0) continue;
          for (const resource of [statement.Resource].flat()) {
            // No `*`, no `index/*`: each table by its ARN, each index by its name.
            const text = JSON.stringify(resource);
            expect(text, id).not.toContain('*');
            const tableId = /"Fn::GetAtt":\["(\w+)","Arn"\]/.exec(text)?.[1];
            const index = /\/index\/(\w+)/.exec(text)?.[1];
            const key = `${tableId}${index ? `/index/${index}` : ''}`;
            granted[key] = [...new Set([...(granted[key] ?? []), ...actions])].sort();
          }
        }
        const expected: Record<string, string[]> = {};
        for (const [table, grant] of Object.entries(declaredAccessOf(id)) as [string, TableGrant][]) {
          const actions = tableActionsFor(table, grant);
          expected[tableLogicalId(table)] = actions;
          for (const index of grant.indexes ?? [])
            expected[`${tableLogicalId(table)}/index/${index}`] = actions;
        }
        expect(granted, id).toEqual(expected);
      }
    });

    it('lets nobody delete from the append-only tables (the audit trail, the trust ledger)', () => {
      for (const definition of [auditTrailTable, trustLedgerTable]) {
        const table = tableLogicalId(definition.logicalName);
        for (const id of allFunctionIds) {
          const statements = statementsOf(id);
          expect(allows(statements, 'dynamodb:DeleteItem', table), id).toBe(false);
          expect(allows(statements, 'dynamodb:BatchWriteItem', table), id).toBe(false);
        }
      }
      expect(allows(statementsOf('HttpApiHandler'), 'dynamodb:PutItem', tableLogicalId('AuditTrail'))).toBe(
        true,
      );
      expect(allows(statementsOf('HttpApiHandler'), 'dynamodb:DeleteItem', tableLogicalId('Changes'))).toBe(
        true,
      );
    });
  });

  describe('the data key', () => {
    it('is customer-managed, rotated, retained, and lets CloudWatch Logs use it for this account’s log groups only', () => {
      const key = resources[dataKeyId()]!;
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
      const logsStatement = (key.Properties.KeyPolicy.Statement as Record<string, unknown>[]).find(
        (statement) => statement.Sid === 'CloudWatchLogsOfThisAccount',
      );
      expect(JSON.stringify(logsStatement?.Principal)).toContain('logs.');
      expect(JSON.stringify(logsStatement?.Condition)).toContain('kms:EncryptionContext:aws:logs:arn');
    });

    it('encrypts every log group, the manifest and console buckets, the dead-letter queue and the secret', () => {
      const keyArn = { 'Fn::GetAtt': [dataKeyId(), 'Arn'] };
      const logGroups = Object.values(resources).filter(
        (resource) => resource.Type === 'AWS::Logs::LogGroup',
      );
      expect(logGroups.length).toBeGreaterThanOrEqual(allFunctionIds.length);
      for (const group of logGroups) expect(group.Properties.KmsKeyId).toEqual(keyArn);
      for (const path of ['PolicyManifests/Bucket', 'Console/Bucket']) {
        expect(
          resources[logicalIdAt(path)]!.Properties.BucketEncryption.ServerSideEncryptionConfiguration,
          path,
        ).toEqual([
          expect.objectContaining({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
          }),
        ]);
      }
      // S3 server access log delivery writes only to SSE-S3 buckets; the digests keep their own settings.
      for (const path of [
        'PolicyManifests/AccessLogs',
        'Console/AccessLogs',
        'AuditAnchoring/DigestBucket',
      ]) {
        expect(
          resources[logicalIdAt(path)]!.Properties.BucketEncryption.ServerSideEncryptionConfiguration,
          path,
        ).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
      }
      expect(
        resources[logicalIdAt('LifecycleEvents/PublisherDeadLetters')]!.Properties.KmsMasterKeyId,
      ).toEqual(keyArn);
      expect(resources[logicalIdAt('AckLinkSecret')]!.Properties.KmsKeyId).toEqual(keyArn);
    });

    it('lets a function use the key only as its access needs: decrypt, and encrypt where it writes, never ReEncrypt', () => {
      for (const id of functionIds) {
        const keyActions = statementsOf(id)
          .filter((statement) => JSON.stringify(statement.Resource).includes(dataKeyId()))
          .flatMap((statement) => [statement.Action].flat());
        expect(new Set(keyActions), id).toEqual(
          new Set(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']),
        );
      }
    });
  });

  describe('functions', () => {
    it("has exactly one function per workflow task plus the HTTP API, the sweep and the email feedback, on Node.js 22 / arm64, traced, 512 MB, 30 s (the batch sender its state's 300 s)", () => {
      expect(functionIds).toHaveLength(13);
      // Beside ours, only aws-cdk-lib's BucketDeployment handler (it uploads the console).
      const others = Object.values(resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((resource) => resource.Metadata?.['aws:cdk:path'] ?? '')
        .filter((path) => !functionIds.some((id) => path === `${STACK}/${id}/Resource`));
      expect(others.sort()).toEqual([
        // aws-cdk-lib's custom resource that sets the example rule's log-group resource policy.
        expect.stringMatching(new RegExp(`^${STACK}/AWS679f53fac002430cb0da5b7982bd2287/Resource$`)),
        // The audit sealer, checked in test/infra/audit-anchoring.test.ts.
        `${STACK}/AuditAnchoring/SealAuditDigest/Resource`,
        expect.stringMatching(new RegExp(`^${STACK}/Custom::CDKBucketDeployment\\w+/Resource$`)),
        // The link-signing keys' rotation, checked in test/infra/link-keys.test.ts.
        `${STACK}/LinkKeyRotation/RotateLinkKeys/Resource`,
        // The events publisher, checked in 'lifecycle events' below.
        `${STACK}/PublishEvents/Resource`,
      ]);
      for (const id of allFunctionIds) {
        expect(functionProperties(id)).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: 512,
          // The batch sender is paced by the email rate: its state's timeout (test/infra/policy-workflow.test.ts).
          Timeout: id === 'SendPolicyBatch' ? 300 : 30,
          TracingConfig: { Mode: 'Active' },
        });
      }
    });

    it('logs each function to its own log group with a retention', () => {
      for (const id of allFunctionIds) {
        const logGroupRef = functionProperties(id).LoggingConfig.LogGroup.Ref as string;
        expect(resources[logGroupRef]).toMatchObject({
          Type: 'AWS::Logs::LogGroup',
          Properties: { RetentionInDays: expect.any(Number) },
        });
      }
    });

    it('bundles each handler as an ESM bundle with the createRequire shim', () => {
      for (const id of allFunctionIds) {
        const s3Key = functionProperties(id).Code.S3Key as string;
        const bundle = join(app.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
        expect(existsSync(bundle), `${id}: ${bundle}`).toBe(true);
        const code = readFileSync(bundle, 'utf8');
        expect(code.startsWith('import { createRequire as __pcnCreateRequire }')).toBe(true);
        expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      }
    });

    it('gives each function exactly its environment variables', () => {
      const tableVariables = deployedTables.map((definition) => definition.environmentVariable);
      const common = [...tableVariables, 'POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS'];
      const email = [
        'ACK_LINK_SECRET_ARN',
        'PUBLIC_BASE_URL',
        'NOTICE_SENDER_EMAIL',
        'SES_CONFIGURATION_SET',
      ];
      const expected: Record<FunctionId, string[]> = {
        // And the audit digests' bucket and key, for GET /api/audit/verify, /digests, /public-key.
        HttpApiHandler: [
          ...common,
          ...email,
          'STATE_MACHINE_ARN',
          'POLICY_STATE_MACHINE_ARN',
          'AUDIT_DIGEST_BUCKET',
          'AUDIT_SIGNING_KEY_ID',
        ],
        StartPendingWorkflows: [...common, ...email, 'STATE_MACHINE_ARN', 'POLICY_STATE_MACHINE_ARN'],
        // Bounces and complaints: it sends the fallback contacts the notice (test/infra/email.test.ts).
        'EmailFeedback/Handler': [...common, ...email],
        Advance: [...common, ...email],
        SendNotice: [...common, ...email],
        AwaitEvent: common,
        ApplyChange: common,
        RecordFailure: common,
        // The policy workflow's tasks: its manifest bucket; the one that sends, the email settings and rate.
        PlanPolicyRound: [...common, 'POLICY_MANIFEST_BUCKET'],
        SendPolicyBatch: [...common, ...email, 'POLICY_MANIFEST_BUCKET', 'POLICY_EMAIL_RATE'],
        CompletePolicyRound: [...common, 'POLICY_MANIFEST_BUCKET'],
        AwaitPolicyEvent: [...common, 'POLICY_MANIFEST_BUCKET'],
        RecordPolicyFailure: [...common, 'POLICY_MANIFEST_BUCKET'],
        PublishEvents: [],
        'AuditAnchoring/SealAuditDigest': [],
      };
      for (const id of functionIds) {
        expect(Object.keys(environmentOf(id)).sort(), id).toEqual([...expected[id]].sort());
        expect(environmentOf(id).POWERTOOLS_SERVICE_NAME).toBe('partner-change-notice');
      }
      expect(environmentOf('HttpApiHandler').STATE_MACHINE_ARN).toEqual({ Ref: stateMachineLogicalId() });
      const apiId = logicalIdAt('Api/HttpApi');
      for (const id of ['SendNotice', 'Advance', 'HttpApiHandler'] as const) {
        expect(JSON.stringify(environmentOf(id).PUBLIC_BASE_URL)).toContain(apiId);
        expect(environmentOf(id).NOTICE_SENDER_EMAIL).toBe(defaultNoticeSenderEmail);
      }
    });

    it('lets the HTTP API start and inspect executions and answer task tokens', () => {
      const stateMachine = stateMachineLogicalId();
      const httpApi = statementsOf('HttpApiHandler');
      for (const action of [
        'states:StartExecution',
        'states:SendTaskSuccess',
        'states:SendTaskFailure',
        'states:SendTaskHeartbeat',
      ]) {
        expect(allows(httpApi, action, stateMachine), action).toBe(true);
      }
      // DescribeExecution is granted on the machine's executions (arn:...:execution:<name>:*).
      expect(httpApi.some((s) => [s.Action].flat().includes('states:DescribeExecution'))).toBe(true);
      expect(allows(statementsOf('StartPendingWorkflows'), 'states:StartExecution', stateMachine)).toBe(true);
      expect(allows(statementsOf('StartPendingWorkflows'), 'states:SendTaskSuccess', stateMachine)).toBe(
        false,
      );
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: Match.arrayWith([
          Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdAt('StartPendingWorkflows'), 'Arn'] } }),
        ]),
      });
      const awaitEvent = statementsOf('AwaitEvent');
      for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']) {
        expect(allows(awaitEvent, action, stateMachine), action).toBe(true);
      }
      for (const id of [
        'SendNotice',
        'Advance',
        'ApplyChange',
        'RecordFailure',
        'PlanPolicyRound',
        'SendPolicyBatch',
        'CompletePolicyRound',
        'RecordPolicyFailure',
      ] as const) {
        expect(
          statementsOf(id).some((s) => [s.Action].flat().some((a) => a.startsWith('states:'))),
          id,
        ).toBe(false);
      }
    });

    it('lets only the email-sending functions read the link secret and send from the SES identity', () => {
      const secret = logicalIdAt('AckLinkSecret');
      const senderIdentity = logicalIdAt('NoticeSender');
      const configurationSet = logicalIdAt('EmailFeedback/ConfigurationSet');
      template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: defaultNoticeSenderEmail });
      for (const id of functionIds) {
        const statements = statementsOf(id);
        // The API and the sweep email too (approval requests, withdrawals, emails a crash left queued).
        const sendsEmail =
          (emailTasks as string[]).includes(id) ||
          id === 'HttpApiHandler' ||
          id === 'StartPendingWorkflows' ||
          id === 'EmailFeedback/Handler';
        const signsLinks = sendsEmail;
        expect(allows(statements, 'secretsmanager:GetSecretValue', secret), id).toBe(signsLinks);
        expect(environmentOf(id).ACK_LINK_SECRET_ARN, id).toEqual(signsLinks ? { Ref: secret } : undefined);
        const sesStatements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ses:')));
        expect(sesStatements.length > 0, id).toBe(sendsEmail);
        for (const statement of sesStatements) {
          // Scoped to the sender identity (its Ref is the address) or the configuration set sent with, never "*".
          expect(JSON.stringify(statement.Resource)).toMatch(
            new RegExp(
              `:identity/",\\{"Ref":"${senderIdentity}"\\}|:configuration-set/",\\{"Ref":"${configurationSet}"\\}`,
            ),
          );
        }
      }
    });
  });

  describe('lifecycle events', () => {
    const ofType = (type: string) =>
      Object.entries(resources).filter(([, resource]) => resource.Type === type) as [string, Resource][];
    const busId = () => logicalIdAt('LifecycleEvents/Bus');

    it('lets every step write its events with its audit entry, and streams the Events table’s new items', () => {
      const table = tableLogicalId(eventsTable.logicalName);
      expect(resources[table]!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
      // Each step that commits events with its audit entries (its declaration says which), and only those.
      for (const id of functionIds) {
        const writesEvents = declaredAccessOf(id).Events?.access === 'readWrite';
        expect(allows(statementsOf(id), 'dynamodb:PutItem', table), id).toBe(writesEvents);
      }
      expect(allows(statementsOf('SendNotice'), 'dynamodb:PutItem', table)).toBe(true);
    });

    it('has one bus, an archive of every event kept for a year, and the example rule to a log group', () => {
      expect(ofType('AWS::Events::EventBus')).toHaveLength(1);
      template.hasResourceProperties('AWS::Events::Archive', {
        SourceArn: { 'Fn::GetAtt': [busId(), 'Arn'] },
        RetentionDays: EVENT_ARCHIVE_RETENTION_DAYS,
        EventPattern: { source: ['partner-change-notice'] },
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: busId() },
        EventPattern: { source: ['partner-change-notice'], 'detail-type': ['notice.acknowledged'] },
        Targets: [Match.objectLike({ Arn: Match.anyValue() })],
      });
    });

    it('publishes from the table’s stream (new items only), bisecting a failing batch, retries bounded, then a DLQ', () => {
      const publisher = functionLogicalId('PublishEvents');
      const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, mapping]) =>
        JSON.stringify(mapping.Properties.FunctionName).includes(publisher),
      );
      expect(mappings).toHaveLength(1);
      const [, mapping] = mappings[0]!;
      expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain(tableLogicalId('Events'));
      expect(mapping.Properties).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
      });
      const dlq = logicalIdAt('LifecycleEvents/PublisherDeadLetters');
      expect(mapping.Properties.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      });
      // And the five-minute sweep over the unpublished index, as the safety net.
      const sweeps = ofType('AWS::Events::Rule').filter(
        ([, rule]) =>
          rule.Properties.ScheduleExpression === 'rate(5 minutes)' &&
          JSON.stringify(rule.Properties.Targets).includes(publisher),
      );
      expect(sweeps).toHaveLength(1);
    });

    it('gives the publisher only its bus and the Events table to read and mark', () => {
      const environment = environmentOf('PublishEvents');
      expect(Object.keys(environment).sort()).toEqual(
        ['EVENTS_TABLE', 'EVENT_BUS_NAME', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME'].sort(),
      );
      expect(environment.EVENT_BUS_NAME).toEqual({ Ref: busId() });
      const statements = statementsOf('PublishEvents');
      const putEvents = statements.filter((statement) =>
        [statement.Action].flat().includes('events:PutEvents'),
      );
      expect(putEvents.map((statement) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [busId(), 'Arn'] }]);
      const table = tableLogicalId('Events');
      for (const action of ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'])
        expect(allows(statements, action, table), action).toBe(true);
      for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'])
        expect(allows(statements, action, table), action).toBe(false);
      for (const other of deployedTables.filter((definition) => definition !== eventsTable)) {
        const otherId = tableLogicalId(other.logicalName);
        expect(
          statements.some((statement) => JSON.stringify(statement.Resource).includes(otherId)),
          other.logicalName,
        ).toBe(false);
      }
    });
  });

  describe('workflow', () => {
    const fileText = readFileSync(noticeLifecycleDefinitionPath, 'utf8');

    function stateMachine() {
      return resources[stateMachineLogicalId()]!.Properties;
    }

    it('deploys the workflow file verbatim as a STANDARD, traced, fully logged state machine', () => {
      // This one and the policy change's (test/infra/policy-workflow.test.ts).
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
      const properties = stateMachine();
      expect(typeof properties.DefinitionString).toBe('string');
      expect(JSON.parse(properties.DefinitionString)).toEqual(JSON.parse(fileText));
      const states = Object.keys(JSON.parse(properties.DefinitionString).States);
      for (const name of ['Advance', 'Route', 'AwaitEvent', 'SendNotice', 'ApplyChange', 'RecordFailure']) {
        expect(states).toContain(name);
      }
      expect(properties.StateMachineType).toBe('STANDARD');
      expect(properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(properties.LoggingConfiguration).toMatchObject({
        Level: 'ALL',
        Destinations: [expect.anything()],
      });
    });

    it('fills every substitution placeholder with the ARN of the matching function', () => {
      const { DefinitionString: definition, DefinitionSubstitutions: substitutions } = stateMachine();
      const placeholders = new Set(
        [...(definition as string).matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]),
      );
      expect([...placeholders].sort()).toEqual(Object.keys(substitutions).sort());
      expect(Object.keys(substitutions).sort()).toEqual(Object.keys(noticeLifecycleWorkflow.tasks).sort());
      for (const [placeholder, value] of Object.entries(substitutions)) {
        const id = placeholder.replace(/FunctionArn$/, '') as FunctionId;
        expect(value, placeholder).toEqual({ 'Fn::GetAtt': [functionLogicalId(id), 'Arn'] });
      }
      // What CloudFormation does at deploy time: nothing may be left unfilled.
      const filled = Object.keys(substitutions).reduce(
        (text, key) => text.replaceAll(`\${${key}}`, `arn:aws:lambda:eu-west-1:123456789012:function:${key}`),
        definition as string,
      );
      expect(filled).not.toMatch(/\$\{/);
      expect(() => JSON.parse(filled)).not.toThrow();
    });

    it('lets the state machine invoke the task functions, and only those (a string definition infers no role)', () => {
      const roleId = stateMachine().RoleArn['Fn::GetAtt'][0] as string;
      const statements = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
        .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
      for (const id of taskIds) {
        expect(allows(statements, 'lambda:InvokeFunction', functionLogicalId(id)), id).toBe(true);
      }
      expect(allows(statements, 'lambda:InvokeFunction', functionLogicalId('HttpApiHandler'))).toBe(false);
    });

    it('alarms on any failed execution within 5 minutes', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineLogicalId() } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });
  });

  describe('HTTP API', () => {
    it('has exactly the staff proxy and the public routes, all on the http-api function', () => {
      expect(routeKeys(template).sort()).toEqual(
        [
          'ANY /api/{proxy+}',
          'GET /notices/{proxy+}',
          'HEAD /notices/{proxy+}',
          'GET /openapi.json',
          'POST /notices/{proxy+}',
          'GET /policy-notices/{proxy+}',
          'HEAD /policy-notices/{proxy+}',
          'POST /policy-notices/{proxy+}',
        ].sort(),
      );
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      expect(Object.keys(integrations)).toHaveLength(1);
      expect(JSON.stringify(integrations)).toContain(functionLogicalId('HttpApiHandler'));
    });

    it('protects /api with the Cognito JWT authorizer and leaves the notice links public', () => {
      const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer', {
        Properties: {
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: {
            // The CLI's client and the console's (test/infra/console.test.ts checks the latter's settings).
            Audience: [
              { Ref: logicalIdAt('Auth/UserPool/AppClient') },
              { Ref: logicalIdAt('Auth/UserPool/ConsoleClient') },
            ],
            Issuer: { 'Fn::GetAtt': [logicalIdAt('Auth/UserPool'), 'ProviderURL'] },
          },
        },
      });
      const [authorizerId] = Object.keys(authorizers);
      expect(authorizerId).toBeDefined();
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'ANY /api/{proxy+}',
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
      for (const routeKey of [
        'GET /openapi.json',
        'GET /notices/{proxy+}',
        'HEAD /notices/{proxy+}',
        'POST /notices/{proxy+}',
        'GET /policy-notices/{proxy+}',
        'HEAD /policy-notices/{proxy+}',
        'POST /policy-notices/{proxy+}',
      ]) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: routeKey,
          AuthorizationType: 'NONE',
          AuthorizerId: Match.absent(),
        });
      }
    });

    it('has no /dev route (dev endpoints exist in local mode only)', () => {
      expect(devRouteKeys(template)).toEqual([]);
    });

    it('the /dev check catches a dev route', () => {
      const stack = new Stack(new App(), 'WithDevRoute');
      const api = new apigw.HttpApi(stack, 'Api');
      const integration = new HttpUrlIntegration('Url', 'https://example.com');
      api.addRoutes({ path: '/dev/clock/advance', methods: [apigw.HttpMethod.POST], integration });
      api.addRoutes({ path: '/api/dev/{proxy+}', methods: [apigw.HttpMethod.GET], integration });
      api.addRoutes({ path: '/api/devices', methods: [apigw.HttpMethod.GET], integration });
      expect(devRouteKeys(Template.fromStack(stack)).sort()).toEqual([
        'GET /api/dev/{proxy+}',
        'POST /dev/clock/advance',
      ]);
    });

    it('has a user pool with the app client, the console client and one group per role', () => {
      template.resourceCountIs('AWS::Cognito::UserPool', 1);
      template.resourceCountIs('AWS::Cognito::UserPoolClient', 2);
      template.resourceCountIs('AWS::Cognito::UserPoolGroup', userGroups.length);
      for (const group of ['finance', 'approver', 'partner-manager', 'compliance']) {
        template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
      }
    });
  });

  it('has the link-signing secret, generated', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: Match.anyValue() }),
    });
  });

  it('outputs the API URL, state machine ARN, user pool and client ids', () => {
    template.hasOutput('ApiUrl', { Value: Match.objectLike({}) });
    expect(JSON.stringify(template.findOutputs('ApiUrl'))).toContain(logicalIdAt('Api/HttpApi'));
    template.hasOutput('StateMachineArn', { Value: { Ref: stateMachineLogicalId() } });
    template.hasOutput('UserPoolId', { Value: { Ref: logicalIdAt('Auth/UserPool') } });
    template.hasOutput('UserPoolClientId', { Value: { Ref: logicalIdAt('Auth/UserPool/AppClient') } });
  });
});

describe('noticeSenderEmail context', () => {
  it('sets the sender address and its SES identity', () => {
    const { template } = synthesize({ ...SKIP_BUNDLING, noticeSenderEmail: 'notices@partners.example.org' });
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'notices@partners.example.org',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NOTICE_SENDER_EMAIL: 'notices@partners.example.org' }) },
    });
  });

  it('rejects something that is not an email address', () => {
    expect(() => synthesize({ ...SKIP_BUNDLING, noticeSenderEmail: 'not-an-address' })).toThrow(
      /noticeSenderEmail/,
    );
  });
});
