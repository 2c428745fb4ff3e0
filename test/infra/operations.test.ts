/**
 * Operating the stack (infra/operations.ts), checked on the synthesized template: every alarm to one
 * KMS-encrypted topic, the alarms themselves (per workflow, per function, per table, the dead letters, the
 * product's counts, the audit sealer), the dashboard, the budget, and the stages. One synth per stage, bundling
 * skipped (only the template matters here).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditTrailTable, deployedTables } from '../../functions/adapters/dynamodb/table-definitions.ts';
import { serviceName } from '../../functions/config/environment.ts';
import { PRODUCT_METRICS_NAMESPACE, productMetricNames } from '../../functions/domain/product-metrics.ts';
import { alarmEmailContextKey, monthlyBudgetContextKey, stageContextKey } from '../../infra/operations.ts';
import {
  type TemplateResource as Resource,
  logicalIdAt as resourceAt,
  SKIP_BUNDLING,
  synthesize,
} from '../support/cdk-app.ts';

const ALARM_EMAIL = 'ops@example.com';
const BUDGET_USD = 250;

function synthesizedResources(context: Record<string, unknown>): Record<string, Resource> {
  return synthesize({ ...SKIP_BUNDLING, ...context }).template.toJSON().Resources;
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

const logicalIdAt = (resources: Record<string, Resource>, path: string) =>
  resourceAt(resources, `${path}/Resource`);

describe('operations (prod, the default stage)', () => {
  let resources: Record<string, Resource>;
  let alarms: [string, Resource][];
  let topicId: string;

  /** The alarms on a product metric (namespace and service dimension as Powertools Metrics writes them). */
  function productAlarms(metricName: string): Resource[] {
    return alarms
      .map(([, alarm]) => alarm)
      .filter(
        (alarm) =>
          alarm.Properties.Namespace === PRODUCT_METRICS_NAMESPACE &&
          alarm.Properties.MetricName === metricName &&
          JSON.stringify(alarm.Properties.Dimensions) ===
            JSON.stringify([{ Name: 'service', Value: serviceName }]),
      );
  }
  /** The alarms whose JSON mentions `text` (a logical id, a metric name). */
  function alarmsMentioning(text: string, metricName?: string): Resource[] {
    return alarms
      .map(([, alarm]) => alarm)
      .filter(
        (alarm) =>
          JSON.stringify(alarm.Properties).includes(text) &&
          (metricName === undefined || JSON.stringify(alarm.Properties).includes(`"${metricName}"`)),
      );
  }

  beforeAll(() => {
    resources = synthesizedResources({
      [alarmEmailContextKey]: ALARM_EMAIL,
      [monthlyBudgetContextKey]: String(BUDGET_USD),
    });
    alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
    topicId = logicalIdAt(resources, 'Operations/AlarmTopic');
  }, 180_000);

  describe('the alarm topic', () => {
    it('is encrypted with its own rotated KMS key that CloudWatch and AWS Budgets may use', () => {
      const topic = resources[topicId]!;
      const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
      const key = resources[keyId]!;
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
      const publishers = (key.Properties.KeyPolicy.Statement as { Sid?: string; Principal: unknown }[]).find(
        (statement) => statement.Sid === 'PublishersEncrypt',
      );
      expect(publishers?.Principal).toEqual({
        Service: ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'],
      });
    });

    it('lets AWS Budgets publish, over TLS only', () => {
      const [[, policy]] = ofType(resources, 'AWS::SNS::TopicPolicy') as [[string, Resource]];
      const statements = policy.Properties.PolicyDocument.Statement as Record<string, unknown>[];
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'budgets.amazonaws.com' },
          Action: 'sns:Publish',
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('emails the address given as alarmEmail', () => {
      const subscriptions = ofType(resources, 'AWS::SNS::Subscription').map(([, s]) => s.Properties);
      expect(subscriptions).toEqual([
        expect.objectContaining({ Protocol: 'email', Endpoint: ALARM_EMAIL, TopicArn: { Ref: topicId } }),
      ]);
    });
  });

  describe('alarms', () => {
    it('sends every alarm, and its return to OK, to the topic', () => {
      expect(alarms.length).toBeGreaterThan(0);
      for (const [id, alarm] of alarms) {
        expect(alarm.Properties.AlarmActions, id).toContainEqual({ Ref: topicId });
        expect(alarm.Properties.OKActions, id).toContainEqual({ Ref: topicId });
      }
    });

    it('alarms on a failed execution of each workflow', () => {
      for (const path of ['NoticeLifecycle/StateMachine', 'PolicyChange/StateMachine']) {
        const machine = logicalIdAt(resources, path);
        expect(alarmsMentioning(machine, 'ExecutionsFailed'), path).toHaveLength(1);
      }
    });

    it('alarms on an overdue acknowledgement (a change held unacknowledged), within the hour', () => {
      expect(productAlarms('AcknowledgementsOverdue')).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({ Period: 3600, Threshold: 1, Statistic: 'Sum' }),
        }),
      ]);
    });

    it('alarms on email failures', () => {
      expect(productAlarms('EmailFailures')).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({ Period: 900, Threshold: 5, Statistic: 'Sum' }),
        }),
      ]);
    });

    it('alarms when no audit seal run succeeded in 2 hours, no data counting as none', () => {
      expect(productAlarms('AuditSealRuns')).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            Period: 7200,
            Threshold: 1,
            ComparisonOperator: 'LessThanThreshold',
            TreatMissingData: 'breaching',
          }),
        }),
      ]);
    });

    it('alarms on errors and throttles of every function of the app', () => {
      const appFunctions = ofType(resources, 'AWS::Lambda::Function').filter(
        ([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === serviceName,
      );
      // The workflows' ten tasks, the HTTP API, the sweep, the publisher and the sealer at least.
      expect(appFunctions.length).toBeGreaterThanOrEqual(14);
      for (const [id] of appFunctions) {
        const onIt = alarms
          .map(([, alarm]) => alarm.Properties)
          .filter(
            (alarm) =>
              JSON.stringify(alarm.Dimensions) ===
              JSON.stringify([{ Name: 'FunctionName', Value: { Ref: id } }]),
          );
        expect(onIt.map((alarm) => alarm.MetricName).sort(), id).toEqual(['Errors', 'Throttles']);
      }
    });

    it('alarms on throttled requests of every table, and on DynamoDB user errors', () => {
      for (const definition of deployedTables) {
        const table = logicalIdAt(resources, `Tables/${definition.logicalName}`);
        expect(alarmsMentioning(table, 'ThrottledRequests'), definition.logicalName).toHaveLength(1);
      }
      expect(
        alarms.filter(
          ([, alarm]) =>
            alarm.Properties.MetricName === 'UserErrors' && alarm.Properties.Namespace === 'AWS/DynamoDB',
        ),
      ).toHaveLength(1);
    });

    it("alarms on any message in every dead-letter queue (the events publisher's among them)", () => {
      const queues = ofType(resources, 'AWS::SQS::Queue').map(([id]) => id);
      expect(queues).toContain(logicalIdAt(resources, 'LifecycleEvents/PublisherDeadLetters'));
      for (const queue of queues) {
        expect(alarmsMentioning(queue, 'ApproximateNumberOfMessagesVisible'), queue).toEqual([
          expect.objectContaining({
            Properties: expect.objectContaining({ Threshold: 1, Statistic: 'Maximum' }),
          }),
        ]);
      }
    });
  });

  describe('the dashboard', () => {
    it("graphs the product's counts and shows every alarm", () => {
      const dashboards = ofType(resources, 'AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      const body = JSON.stringify(dashboards[0]![1].Properties.DashboardBody);
      for (const name of productMetricNames) expect(body, name).toContain(`\\"${name}\\"`);
      for (const [id] of alarms) expect(body, id).toContain(`"${id}"`);
    });
  });

  describe('the budget', () => {
    it('is a monthly cost budget of the amount given, to the topic and the email at 80 %, 100 % and forecast 100 %', () => {
      const budgets = ofType(resources, 'AWS::Budgets::Budget');
      expect(budgets).toHaveLength(1);
      const { Budget, NotificationsWithSubscribers } = budgets[0]![1].Properties;
      expect(Budget).toEqual({
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: BUDGET_USD, Unit: 'USD' },
      });
      const notified = (
        NotificationsWithSubscribers as {
          Notification: { NotificationType: string; Threshold: number };
          Subscribers: unknown[];
        }[]
      ).map(({ Notification, Subscribers }) => {
        expect(Subscribers).toEqual([
          { SubscriptionType: 'SNS', Address: { Ref: topicId } },
          { SubscriptionType: 'EMAIL', Address: ALARM_EMAIL },
        ]);
        return `${Notification.NotificationType} ${Notification.Threshold}`;
      });
      expect(notified).toEqual(['ACTUAL 80', 'ACTUAL 100', 'FORECASTED 100']);
    });
  });

  it('retains every table, with deletion protection', () => {
    for (const definition of deployedTables) {
      const table = resources[logicalIdAt(resources, `Tables/${definition.logicalName}`)]!;
      expect(table.DeletionPolicy, definition.logicalName).toBe('Retain');
      expect(table.Properties.Replicas[0].DeletionProtectionEnabled, definition.logicalName).toBe(true);
    }
  });
});

describe('the dev stage', () => {
  let resources: Record<string, Resource>;

  beforeAll(() => {
    resources = synthesizedResources({ [stageContextKey]: 'dev' });
  }, 180_000);

  it('may delete its tables with the stack, except the audit trail, which is always retained and protected', () => {
    for (const definition of deployedTables) {
      const table = resources[logicalIdAt(resources, `Tables/${definition.logicalName}`)]!;
      const audit = definition.logicalName === auditTrailTable.logicalName;
      expect(table.DeletionPolicy, definition.logicalName).toBe(audit ? 'Retain' : 'Delete');
      expect(table.Properties.Replicas[0].DeletionProtectionEnabled, definition.logicalName).toBe(audit);
    }
  });

  it('has no email subscription without alarmEmail, and the default budget of 100 USD', () => {
    expect(ofType(resources, 'AWS::SNS::Subscription')).toEqual([]);
    const [[, budget]] = ofType(resources, 'AWS::Budgets::Budget') as [[string, Resource]];
    expect(budget.Properties.Budget.BudgetLimit).toEqual({ Amount: 100, Unit: 'USD' });
  });

  it('refuses a stage it does not know', () => {
    expect(() => synthesize({ ...SKIP_BUNDLING, [stageContextKey]: 'staging' })).toThrow(/stage/);
  });
});
