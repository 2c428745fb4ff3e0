import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventsTable } from '../functions/adapters/dynamodb/table-definitions.ts';
import { environmentVariables as env } from '../functions/config/environment.ts';
import { EVENT_SOURCE } from '../functions/domain/lifecycle-events.ts';
import { dataKey, grantKeyUse } from './data-key.ts';
import { handlerFunction } from './functions.ts';
import type { Tables } from './tables.ts';

/** How long the archive keeps every event for replay (a CRM integration rebuilt from scratch). */
export const EVENT_ARCHIVE_RETENTION_DAYS = 365;
/** The Events table's index of events not yet published (functions/adapters/dynamodb/event-store.ts). */
const UNPUBLISHED_INDEX = 'unpublished';
/** The construct id aws-cdk-lib gives AwsCustomResource's singleton function (at the stack's root). */
const AWS_CUSTOM_RESOURCE_SINGLETON = 'AWS679f53fac002430cb0da5b7982bd2287';
/** Attempts of one stream batch (bisected on error) before its records go to the dead-letter queue. */
export const STREAM_RETRY_ATTEMPTS = 10;

/**
 * The public events in AWS: the EventBridge bus they are published on, an archive of everything published
 * (replayable), an example rule (notice.acknowledged to a CloudWatch Logs group), and the publisher: one
 * function triggered by the Events table's stream (new events, at once) and by a five-minute sweep over the
 * unpublished index (what the stream path could not publish), with a dead-letter queue for stream batches
 * that kept failing. The publisher may only put events on this bus and read and mark the Events table.
 */
export class LifecycleEvents extends Construct {
  readonly bus: events.EventBus;
  readonly publisher: nodejs.NodejsFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: { tables: Tables }) {
    super(scope, id);
    const table = props.tables.tableOf(eventsTable);
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Partner Change Notice lifecycle events (one JSON Schema per type in events/schemas/)',
    });
    this.bus.archive('Archive', {
      description: 'Every lifecycle event, for replay',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(EVENT_ARCHIVE_RETENTION_DAYS),
    });
    const acknowledgements = new logs.LogGroup(this, 'AcknowledgementsLog', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: dataKey(this),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new events.Rule(this, 'NoticeAcknowledgedRule', {
      description: 'Example integration: every acknowledged notice, to a CloudWatch Logs group',
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: ['notice.acknowledged'] },
      // The target's log-group resource policy is set by a custom resource (aws-cdk-lib's own Lambda).
      targets: [new eventTargets.CloudWatchLogGroup(acknowledgements, { installLatestAwsSdk: false })],
    });

    this.deadLetters = new sqs.Queue(this, 'PublisherDeadLetters', {
      retentionPeriod: Duration.days(14),
      // The failed batches' records name changes and partners: encrypted with the data key.
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey(this),
      enforceSSL: true,
    });
    this.publisher = handlerFunction(scope, 'PublishEvents', {
      entry: 'functions/handlers/publish-events.ts',
      description:
        'Publishes the lifecycle events from the Events table (stream, and a sweep) to EventBridge',
      environment: {
        [eventsTable.environmentVariable]: table.tableName,
        [env.eventBusName]: this.bus.eventBusName,
      },
    });
    this.publisher.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetters),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
      }),
    );
    new events.Rule(this, 'SweepSchedule', {
      description: 'Every 5 minutes: publish events the stream trigger left unpublished',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new eventTargets.LambdaFunction(this.publisher)],
    });
    this.bus.grantPutEventsTo(this.publisher);
    for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      Validations.of(this.publisher.role!).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          'The dead-letter queue (SqsDlq) is granted through the queue key by aws-cdk-lib’s grantEncryptDecrypt: the data key only.',
      });
    }
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter destination itself: of the stream trigger (onFailure), not of another queue.',
    });
    // The CloudWatchLogGroup target sets the log group's resource policy with an aws-cdk-lib custom resource:
    // its function (a singleton at the stack's root) and policy are not ours to choose.
    const stack = Stack.of(this);
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('EventsLogGroupPolicy')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'logs:PutResourcePolicy / DeleteResourcePolicy act on the account’s resource policies, which have no ARN.',
        });
      }
      if (child.node.id === AWS_CUSTOM_RESOURCE_SINGLETON) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'aws-cdk-lib’s custom-resource function (AwsCustomResource): its logging role is aws-cdk-lib’s.',
        });
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-L1',
          reason:
            'aws-cdk-lib’s custom-resource function (AwsCustomResource): its runtime is chosen by aws-cdk-lib.',
        });
      }
    }
    // Least privilege on the table: read the unpublished index, mark events published. Never put or delete:
    // events are written only by the steps, with their audit entries. UpdateItem re-encrypts the item.
    this.publisher.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn, `${table.tableArn}/index/${UNPUBLISHED_INDEX}`],
      }),
    );
    grantKeyUse(props.tables.encryptionKey, this.publisher, 'readWrite');
  }
}
