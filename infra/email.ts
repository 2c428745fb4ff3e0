import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { environmentVariables as env } from '../functions/config/environment.ts';
import { feedbackDetailTypes } from '../functions/email-feedback/ses-event.ts';
import { handlerFunction } from './functions.ts';

/**
 * Two retry layers, both ending in the one dead-letter queue. EventBridge invokes the function
 * asynchronously: its target retry policy covers an invocation Lambda did not accept (throttled, the service
 * failing), and Lambda's own asynchronous retries cover the function throwing (DynamoDB failing; an event it
 * cannot use is answered, never thrown). Lambda allows at most 2 such retries.
 */
export const FEEDBACK_DELIVERY_ATTEMPTS = 8;
export const FEEDBACK_FUNCTION_RETRIES = 2;
/** How long one feedback event is kept trying, on either layer, before the dead-letter queue. */
export const FEEDBACK_MAX_EVENT_AGE = Duration.hours(6);
/** SES event types the configuration set publishes: what ends an address's usefulness, nothing else. */
export const feedbackEventTypes = [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT];

/**
 * SES on AWS beyond the identity: the configuration set every email is sent with (SES_CONFIGURATION_SET,
 * functions/adapters/email/ses-mailer.ts) — reputation metrics on, and bounced or complained addresses put on
 * the account's suppression list so SES stops sending to them — and the feedback path: its bounces and
 * complaints go to EventBridge's default bus (the only bus an SES event destination may name), where a rule
 * matching this configuration set invokes the feedback function (functions/handlers/email-feedback.ts), which
 * marks the recipient unreachable and tells the partner's fallback contacts.
 *
 * EventBridge rather than SNS: no topic, subscription and topic policy to keep, the rule filters on the
 * event's detail-type and configuration set before anything runs, and the target has its own retry policy
 * and dead-letter queue. Reject (a virus in our own content) and delivery delays are not published: neither
 * says the address is bad, and SES's own metrics show them.
 */
export class EmailFeedback extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  /** Feedback events EventBridge could not hand to the function within its retry policy. */
  readonly deadLetters: sqs.Queue;
  private handlerFunction?: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      ),
      events: feedbackEventTypes,
    });
    this.deadLetters = new sqs.Queue(this, 'FeedbackDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue itself (of the feedback rule and function).',
    });
  }

  /** What a sending function needs: the configuration set to send with. */
  environment(): Record<string, string> {
    return { [env.sesConfigurationSet]: this.configurationSet.configurationSetName };
  }

  /**
   * SES authorizes a send with a configuration set on the set as well as on the identity: a sender without
   * this is refused (AccessDenied) however it is granted the identity.
   */
  grantSend(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: this.configurationSet.configurationSetName,
        }),
      ],
    });
  }

  /**
   * The feedback function and its rule. `environment` is a sender's (tables, link secret, sender address):
   * it sends the fallback notices, so the caller grants it what every sender gets.
   */
  receiveFeedback(environment: Record<string, string>): nodejs.NodejsFunction {
    if (this.handlerFunction) return this.handlerFunction;
    const fn = handlerFunction(this, 'Handler', {
      entry: 'functions/handlers/email-feedback.ts',
      description: 'SES bounces and complaints: marks the recipient unreachable, tells the fallback contacts',
      environment: { ...environment, ...this.environment() },
    });
    fn.configureAsyncInvoke({
      retryAttempts: FEEDBACK_FUNCTION_RETRIES,
      maxEventAge: FEEDBACK_MAX_EVENT_AGE,
      onFailure: new lambdaDestinations.SqsDestination(this.deadLetters),
    });
    new events.Rule(this, 'FeedbackRule', {
      description: 'SES bounces and complaints of the notices’ configuration set, to the feedback function',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [...feedbackDetailTypes],
        detail: {
          mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } },
        },
      },
      targets: [
        new eventTargets.LambdaFunction(fn, {
          retryAttempts: FEEDBACK_DELIVERY_ATTEMPTS,
          maxEventAge: FEEDBACK_MAX_EVENT_AGE,
          deadLetterQueue: this.deadLetters,
        }),
      ],
    });
    this.handlerFunction = fn;
    return fn;
  }
}
