import { join } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { consoleDistDir } from '../functions/config/console-build.ts';
import { environmentVariables as env } from '../functions/config/environment.ts';
import { type NoticeLifecycleTask, noticeLifecycleWorkflow } from '../functions/config/workflows.ts';
import { Api, Auth } from './api.ts';
import { Console, consoleLocalCallbacksContextKey } from './console.ts';
import { LifecycleEvents } from './events.ts';
import { handlerFunction, repoRoot } from './functions.ts';
import { Tables } from './tables.ts';
import { NoticeLifecycleStateMachine } from './workflow.ts';

/** CDK context key for the address notices are sent from (`cdk deploy -c noticeSenderEmail=...`). */
export const noticeSenderEmailContextKey = 'noticeSenderEmail';
export const defaultNoticeSenderEmail = 'partner-notices@example.com';

export interface PartnerChangeNoticeStackProps extends StackProps {
  /** The console's build output; defaults to the repository's console/dist. Tests point it at a fixture. */
  consoleDistDir?: string;
}

/**
 * Partner Change Notice on AWS: the tables, the Lambda functions (one per workflow task, the HTTP API, the
 * sweep), the notice-lifecycle workflow, the HTTP API behind Cognito (plus the partners' public notice
 * pages), the link-signing secret, the SES sender identity, the staff console (CloudFront + S3) and the
 * lifecycle events' bus with its publisher.
 */
export class PartnerChangeNoticeStack extends Stack {
  constructor(scope: Construct, id: string, props?: PartnerChangeNoticeStackProps) {
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
    const staffConsole = new Console(this, 'Console', {
      distDir: props?.consoleDistDir ?? join(repoRoot, consoleDistDir),
      apiBaseUrl: api.endpoint,
      auth,
      allowLocalCallbacks: isTrue(this.node.tryGetContext(consoleLocalCallbacksContextKey)),
    });

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
      [env.ackLinkSecretArn]: ackLinkSecret.secretArn,
      [env.publicBaseUrl]: api.endpoint,
      [env.noticeSenderEmail]: noticeSenderEmail,
    };
    const sendsEmail: nodejs.NodejsFunction[] = [];

    // One function per task of the workflow, as its one description says (functions/config/workflows.ts).
    const taskEntries = Object.entries(noticeLifecycleWorkflow.tasks) as [
      NoticeLifecycleTask,
      (typeof noticeLifecycleWorkflow.tasks)[NoticeLifecycleTask],
    ][];
    const taskFunctions = Object.fromEntries(
      taskEntries.map(([placeholder, task]) => {
        const fn = handlerFunction(this, task.id, {
          entry: task.entry,
          description: task.description,
          environment: { ...tables.environment(), ...(task.sendsEmail ? emailEnvironment : {}) },
        });
        if (task.sendsEmail) sendsEmail.push(fn);
        return [placeholder, fn];
      }),
    ) as Record<NoticeLifecycleTask, nodejs.NodejsFunction>;

    const workflow = new NoticeLifecycleStateMachine(this, 'NoticeLifecycle', { tasks: taskFunctions });
    const { stateMachine } = workflow;

    const httpApi = handlerFunction(this, 'HttpApiHandler', {
      entry: 'functions/handlers/http-api.ts',
      description: 'HTTP API: staff endpoints (/api) and the partners’ notice pages (/notices)',
      environment: {
        ...tables.environment(),
        ...emailEnvironment,
        [env.stateMachineArn]: stateMachine.stateMachineArn,
      },
    });
    sendsEmail.push(httpApi);
    api.routeTo(httpApi);

    // A change is recorded before its workflow starts, an email committed before it is sent: if a crash came
    // in between, this sweep starts the workflow and delivers the email.
    const startPendingWorkflows = handlerFunction(this, 'StartPendingWorkflows', {
      entry: 'functions/handlers/start-pending-workflows.ts',
      description: 'Schedule: starts workflows whose own start failed, delivers emails left queued',
      environment: {
        ...tables.environment(),
        ...emailEnvironment,
        [env.stateMachineArn]: stateMachine.stateMachineArn,
      },
    });
    sendsEmail.push(startPendingWorkflows);
    new events.Rule(this, 'StartPendingWorkflowsSchedule', {
      description: 'Every 5 minutes: start workflows of changes left pending, deliver emails left queued',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new eventTargets.LambdaFunction(startPendingWorkflows)],
    });

    for (const fn of [httpApi, startPendingWorkflows, ...Object.values(taskFunctions)]) {
      tables.grantReadWriteAll(fn);
    }
    for (const fn of sendsEmail) {
      ackLinkSecret.grantRead(fn);
      senderIdentity.grant(fn, 'ses:SendEmail');
    }
    stateMachine.grantStartExecution(httpApi);
    stateMachine.grantStartExecution(startPendingWorkflows);
    stateMachine.grantExecution(httpApi, 'states:DescribeExecution');
    stateMachine.grantTaskResponse(httpApi);
    // The state machine invokes the task functions, so granting on the state machine through a function's
    // default policy (which the function depends on) would be a dependency cycle. A separate policy attached
    // to its role breaks it.
    for (const [placeholder, task] of taskEntries) {
      if (!task.answersTaskTokens) continue;
      new iam.Policy(this, `${task.id}TaskResponse`, {
        roles: [taskFunctions[placeholder].role!],
        statements: [
          new iam.PolicyStatement({
            actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
            resources: [stateMachine.stateMachineArn],
          }),
        ],
      });
    }

    const lifecycleEvents = new LifecycleEvents(this, 'LifecycleEvents', { tables });

    new CfnOutput(this, 'ApiUrl', { value: api.endpoint, description: 'HTTP API endpoint' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: auth.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'ConsoleUrl', { value: staffConsole.url, description: 'Staff console' });
    new CfnOutput(this, 'EventBusName', {
      value: lifecycleEvents.bus.eventBusName,
      description: 'EventBridge bus of the lifecycle events (schemas in events/schemas/)',
    });
    new CfnOutput(this, 'HostedUiUrl', {
      value: staffConsole.hostedUiUrl,
      description: 'Cognito hosted UI (staff sign-in)',
    });
  }
}

/** A context flag: `-c flag=true` arrives as the string "true", cdk.json may hold a boolean. */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
