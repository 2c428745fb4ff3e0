import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { serviceName } from '../functions/config/environment.ts';
import {
  PRODUCT_METRICS_NAMESPACE,
  type ProductMetricName,
  productMetricNames,
} from '../functions/domain/product-metrics.ts';
import { keyAdministration } from './key-administration.ts';
import type { Tables } from './tables.ts';

/** CDK context: `-c stage=dev` or `-c stage=prod` (the default). */
export const stageContextKey = 'stage';
export const stages = ['dev', 'prod'] as const;
export type Stage = (typeof stages)[number];
/**
 * prod unless told otherwise: forgetting `-c stage=…` must never leave data deletable. A dev stack has to be
 * asked for, and only then may its non-audit resources go with it.
 */
export const defaultStage: Stage = 'prod';
/** CDK context: the address the alarms and the budget notify (`-c alarmEmail=ops@example.com`). */
export const alarmEmailContextKey = 'alarmEmail';
/** CDK context: the monthly cost budget in US dollars (`-c monthlyBudgetUsd=250`). */
export const monthlyBudgetContextKey = 'monthlyBudgetUsd';
export const defaultMonthlyBudgetUsd = 100;
/** The budget notifies at these shares of the month's amount (actual spend), and when the forecast passes 100 %. */
export const budgetThresholdsPercent = [80, 100] as const;
/** The sealer runs hourly (infra/audit-anchoring.ts): two hours without a successful run is one missed, then one more. */
export const AUDIT_SEAL_MAX_GAP = Duration.hours(2);

/**
 * The DynamoDB operations the app's stores make (the document client's Get, BatchGet, Query, Scan, Put, Update,
 * Delete, TransactWrite), plus BatchWriteItem and TransactGetItems: an alarm's math expression takes at most 10.
 */
const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.SCAN,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
  dynamodb.Operation.TRANSACT_GET_ITEMS,
];

/** The stage from the context, checked. */
export function stageOf(scope: IConstruct): Stage {
  const value = scope.node.tryGetContext(stageContextKey) ?? defaultStage;
  if (!(stages as readonly unknown[]).includes(value)) {
    throw new Error(
      `Context "${stageContextKey}" must be one of ${stages.join(', ')}, got "${String(value)}"`,
    );
  }
  return value as Stage;
}

function alarmEmailOf(scope: IConstruct): string | undefined {
  const value = scope.node.tryGetContext(alarmEmailContextKey);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    throw new Error(`Context "${alarmEmailContextKey}" must be an email address, got "${String(value)}"`);
  }
  return value;
}

function monthlyBudgetOf(scope: IConstruct): number {
  const raw = scope.node.tryGetContext(monthlyBudgetContextKey) ?? defaultMonthlyBudgetUsd;
  const amount = Number(raw);
  if (!Number.isFinite(amount) || amount <= 0) {
    throw new Error(
      `Context "${monthlyBudgetContextKey}" must be a positive number of US dollars, got "${String(raw)}"`,
    );
  }
  return amount;
}

/** One of the product's counts as CloudWatch has it: Powertools Metrics adds the service as a dimension. */
export function productMetric(name: ProductMetricName, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: PRODUCT_METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: serviceName },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
}

export interface OperationsProps {
  tables: Tables;
  /** The workflows' state machines, with the failed-executions alarm each already has (infra/workflow.ts). */
  workflows: readonly { stateMachine: sfn.StateMachine; failedAlarm: cloudwatch.Alarm }[];
}

/**
 * Operating the stack: every alarm to one KMS-encrypted SNS topic (and an email subscription when
 * `alarmEmail` is given), a dashboard of the product's counts and the alarms, and a monthly cost budget.
 * Built last in the stack: it alarms on every Lambda function of the app found in it (each NodejsFunction)
 * and every SQS queue (all dead-letter queues), so one added later is covered without a change here.
 */
export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmEmail = alarmEmailOf(this);

    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the alarm topic: CloudWatch alarms and AWS Budgets publish to it',
      enableKeyRotation: true,
      // Retained in every stage: its policy gives no one kms:ScheduleKeyDeletion (see below), so CloudFormation
      // could not delete it anyway.
      removalPolicy: RemovalPolicy.RETAIN,
      // Written out instead of CDK's default (`kms:*` for the account), as for the audit signing key
      // (infra/audit-anchoring.ts, whose template test refuses kms:Sign or kms:ScheduleKeyDeletion on any `*`):
      // the account administers the key, and the two services that publish may use it to encrypt.
      policy: new iam.PolicyDocument({
        statements: [
          keyAdministration('Administer', new iam.AccountRootPrincipal()),
          new iam.PolicyStatement({
            sid: 'PublishersEncrypt',
            principals: [
              new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
              new iam.ServicePrincipal('budgets.amazonaws.com'),
            ],
            actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
          }),
        ],
      }),
    });
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Partner Change Notice alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BudgetsPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    if (alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
    const action = new cloudwatchActions.SnsAction(this.topic);

    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      options: Omit<cloudwatch.CreateAlarmOptions, 'evaluationPeriods'> & { evaluationPeriods?: number },
    ): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      this.alarms.push(created);
      return created;
    };

    // The workflows' own alarms (one per state machine), now to the topic as well.
    for (const { failedAlarm } of props.workflows) {
      failedAlarm.addAlarmAction(action);
      failedAlarm.addOkAction(action);
    }

    alarm('AcknowledgementsOverdueAlarm', productMetric('AcknowledgementsOverdue', Duration.hours(1)), {
      alarmDescription:
        'An adverse change reached its apply date unacknowledged and is held: its alliance manager follows up.',
      threshold: 1,
    });
    alarm('EmailFailuresAlarm', productMetric('EmailFailures', Duration.minutes(15)), {
      alarmDescription:
        'The email provider refused 5 or more sends in 15 minutes: check SES (sending quota, suppression, identity).',
      threshold: 5,
    });
    alarm('AuditDigestNotSealedAlarm', productMetric('AuditSealRuns', AUDIT_SEAL_MAX_GAP), {
      alarmDescription:
        'No successful audit seal run in 2 hours: the digests stop vouching for the audit trail. Check the sealer.',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is the failure itself: a sealer that never runs writes nothing.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const functions = stack.node
      .findAll()
      .filter((construct): construct is nodejs.NodejsFunction => construct instanceof nodejs.NodejsFunction);
    for (const fn of functions) {
      const name = idOf(stack, fn);
      alarm(
        `${name}ErrorsAlarm`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        {
          alarmDescription: `${name} failed an invocation (an error its caller retries, or a 500).`,
          threshold: 1,
        },
      );
      alarm(
        `${name}ThrottlesAlarm`,
        fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        {
          alarmDescription: `${name} was throttled: the account's or its reserved concurrency is used up.`,
          threshold: 1,
        },
      );
    }

    for (const { definition, table } of props.tables.all) {
      alarm(
        `${definition.logicalName}ThrottlesAlarm`,
        table.metricThrottledRequestsForOperations({
          operations: TABLE_OPERATIONS,
          period: Duration.minutes(5),
        }),
        {
          alarmDescription: `DynamoDB throttled requests on the ${definition.logicalName} table (on-demand: a burst above its limits).`,
          threshold: 1,
        },
      );
    }
    const firstTable = props.tables.all[0]?.table;
    if (firstTable) {
      // UserErrors is per account and Region (no table dimension): requests DynamoDB refused as malformed or
      // unauthorized. The product's own conditional writes are not counted here (ConditionalCheckFailedRequests).
      alarm(
        'DynamoDbUserErrorsAlarm',
        firstTable.metricUserErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        {
          alarmDescription:
            'DynamoDB refused 10 or more requests as client errors in 5 minutes, 3 periods running: a missing grant or a bad request.',
          threshold: 10,
          evaluationPeriods: 3,
        },
      );
    }

    // Every queue of the stack is a dead-letter queue (the app has no work queues): the events publisher's, and
    // any added later, found as the functions are.
    const queues = stack.node
      .findAll()
      .filter((construct): construct is sqs.Queue => construct instanceof sqs.Queue);
    for (const queue of queues) {
      alarm(
        `${idOf(stack, queue)}Alarm`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        {
          alarmDescription: `Messages in the dead-letter queue ${idOf(stack, queue)}: what its consumer could not handle after its retries. Look at why, then redrive or purge.`,
          threshold: 1,
        },
      );
    }

    for (const created of this.alarms) {
      created.addAlarmAction(action);
      created.addOkAction(action);
    }

    const everyAlarm = [...props.workflows.map((workflow) => workflow.failedAlarm), ...this.alarms];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Notices',
            width: 12,
            left: (['NoticesSent', 'NoticesAcknowledged'] as const).map((name) =>
              productMetric(name, Duration.hours(1)),
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Follow-up',
            width: 12,
            left: productMetricNames
              .filter((name) => name !== 'NoticesSent' && name !== 'NoticesAcknowledged')
              .map((name) => productMetric(name, Duration.hours(1))),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Workflow executions',
            width: 12,
            left: props.workflows.flatMap(({ stateMachine }) => [
              stateMachine.metricStarted({ period: Duration.hours(1) }),
              stateMachine.metricFailed({ period: Duration.hours(1) }),
              stateMachine.metricTimedOut({ period: Duration.hours(1) }),
            ]),
          }),
          new cloudwatch.GraphWidget({
            title: 'Lambda errors and throttles',
            width: 12,
            left: functions.map((fn) =>
              fn.metricErrors({ period: Duration.minutes(5), label: `${idOf(stack, fn)} errors` }),
            ),
            right: functions.map((fn) =>
              fn.metricThrottles({ period: Duration.minutes(5), label: `${idOf(stack, fn)} throttles` }),
            ),
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, height: 8, alarms: everyAlarm })],
      ],
    });

    const budget = new budgets.CfnBudget(this, 'MonthlyBudget', {
      budget: {
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: monthlyBudgetOf(this), unit: 'USD' },
      },
      notificationsWithSubscribers: [
        ...budgetThresholdsPercent.map((threshold) => ({ threshold, notificationType: 'ACTUAL' })),
        { threshold: 100, notificationType: 'FORECASTED' },
      ].map(({ threshold, notificationType }) => ({
        notification: {
          notificationType,
          comparisonOperator: 'GREATER_THAN',
          threshold,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [
          { subscriptionType: 'SNS', address: this.topic.topicArn },
          ...(alarmEmail ? [{ subscriptionType: 'EMAIL', address: alarmEmail }] : []),
        ],
      })),
    });
    // AWS Budgets checks at creation that it may publish to the topic: its policy first.
    budget.node.addDependency(this.topic);
  }
}

/** A construct's path in the stack as an id: `AuditAnchoring/SealAuditDigest` → `AuditAnchoringSealAuditDigest`. */
function idOf(stack: Stack, construct: IConstruct): string {
  return construct.node.path.slice(stack.node.path.length + 1).replace(/[^A-Za-z0-9]/g, '');
}
