import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { Api, Auth } from './api.ts';
import { handlerFunction } from './functions.ts';
import { Tables } from './tables.ts';
import { CommissionChangeWorkflow } from './workflow.ts';

/** CDK context key for the address notices are sent from (`cdk deploy -c noticeSenderEmail=...`). */
export const noticeSenderEmailContextKey = 'noticeSenderEmail';
export const defaultNoticeSenderEmail = 'partner-notices@example.com';

/**
 * Partner Change Notice on AWS: the tables, the six Lambda functions, the commission-change workflow, the
 * HTTP API behind Cognito (plus the partners' public acknowledgement links), the link-signing secret and
 * the SES sender identity.
 */
export class PartnerChangeNoticeStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const noticeSenderEmail = String(
      this.node.tryGetContext(noticeSenderEmailContextKey) ?? defaultNoticeSenderEmail,
    );
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(noticeSenderEmail)) {
      throw new Error(
        `Context "${noticeSenderEmailContextKey}" must be an email address, got "${noticeSenderEmail}"`,
      );
    }

    const tables = new Tables(this, 'Tables');
    const auth = new Auth(this, 'Auth');
    const api = new Api(this, 'Api', { auth });

    // Signs the partners' acknowledgement links (HMAC key): rotating it invalidates links already sent.
    const ackLinkSecret = new secretsmanager.Secret(this, 'AckLinkSecret', {
      description: 'Key that signs partner acknowledgement links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    // SES verifies this address (a confirmation email is sent to it) before it can send.
    const senderIdentity = new ses.EmailIdentity(this, 'NoticeSender', {
      identity: ses.Identity.email(noticeSenderEmail),
    });

    const emailEnvironment = {
      ACK_LINK_SECRET_ARN: ackLinkSecret.secretArn,
      PUBLIC_BASE_URL: api.endpoint,
      NOTICE_SENDER_EMAIL: noticeSenderEmail,
    };
    const sendNotice = handlerFunction(this, 'SendNotice', {
      entry: 'functions/handlers/send-notice.ts',
      description: 'Workflow: renders and emails the notice with signed acknowledgement links',
      environment: { ...tables.environment(), ...emailEnvironment },
    });
    const awaitAcknowledgement = handlerFunction(this, 'AwaitAcknowledgement', {
      entry: 'functions/handlers/await-acknowledgement.ts',
      description: 'Workflow: parks the task token until the partner acknowledges',
      environment: tables.environment(),
    });
    const followUpAcknowledgement = handlerFunction(this, 'FollowUpAcknowledgement', {
      entry: 'functions/handlers/follow-up-acknowledgement.ts',
      description: 'Workflow: sends the due reminder or escalates to the alliance manager',
      environment: { ...tables.environment(), ...emailEnvironment },
    });
    const applyChange = handlerFunction(this, 'ApplyChange', {
      entry: 'functions/handlers/apply-change.ts',
      description: 'Workflow: adds the new rate as a dated schedule entry after the notice period',
      environment: tables.environment(),
    });

    const workflow = new CommissionChangeWorkflow(this, 'CommissionChange', {
      tasks: {
        SendNoticeFunctionArn: sendNotice,
        AwaitAcknowledgementFunctionArn: awaitAcknowledgement,
        FollowUpAcknowledgementFunctionArn: followUpAcknowledgement,
        ApplyChangeFunctionArn: applyChange,
      },
    });
    const { stateMachine } = workflow;

    const httpApi = handlerFunction(this, 'HttpApiHandler', {
      entry: 'functions/handlers/http-api.ts',
      description: 'HTTP API: staff endpoints (/api) and partner acknowledgement links (/notices)',
      environment: {
        ...tables.environment(),
        STATE_MACHINE_ARN: stateMachine.stateMachineArn,
        ACK_LINK_SECRET_ARN: ackLinkSecret.secretArn,
      },
    });
    api.routeTo(httpApi);

    // A change is recorded before its workflow starts; if that start failed, this sweep starts it.
    const startPendingWorkflows = handlerFunction(this, 'StartPendingWorkflows', {
      entry: 'functions/handlers/start-pending-workflows.ts',
      description: 'Schedule: starts the workflow of any recorded change whose own start failed',
      environment: { ...tables.environment(), STATE_MACHINE_ARN: stateMachine.stateMachineArn },
    });
    new events.Rule(this, 'StartPendingWorkflowsSchedule', {
      description: 'Every 5 minutes: start workflows of changes left pending',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new eventTargets.LambdaFunction(startPendingWorkflows)],
    });

    for (const fn of [
      httpApi,
      sendNotice,
      awaitAcknowledgement,
      followUpAcknowledgement,
      applyChange,
      startPendingWorkflows,
    ]) {
      tables.grantReadWriteAll(fn);
    }
    for (const fn of [httpApi, sendNotice, followUpAcknowledgement]) {
      ackLinkSecret.grantRead(fn);
    }
    for (const fn of [sendNotice, followUpAcknowledgement]) {
      senderIdentity.grant(fn, 'ses:SendEmail');
    }
    stateMachine.grantStartExecution(httpApi);
    stateMachine.grantStartExecution(startPendingWorkflows);
    stateMachine.grantExecution(httpApi, 'states:DescribeExecution');
    stateMachine.grantTaskResponse(httpApi);
    // The state machine invokes await-acknowledgement, so granting on the state machine through the
    // function's default policy (which the function depends on) would be a dependency cycle. A separate
    // policy attached to its role breaks it.
    new iam.Policy(this, 'AwaitAcknowledgementTaskResponse', {
      roles: [awaitAcknowledgement.role!],
      statements: [
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [stateMachine.stateMachineArn],
        }),
      ],
    });

    new CfnOutput(this, 'ApiUrl', { value: api.endpoint, description: 'HTTP API endpoint' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: auth.userPoolClient.userPoolClientId });
  }
}
