import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, type CfnResource, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { consoleDistDir } from '../functions/config/console-build.ts';
import { environmentVariables as env } from '../functions/config/environment.ts';
import {
  type FunctionTableAccess,
  handlerTableAccess,
  mergeTableAccess,
  sesMailerTableAccess,
  taskTableAccess,
} from '../functions/config/table-access.ts';
import {
  type NoticeLifecycleTask,
  noticeLifecycleWorkflow,
  type PolicyChangeTask,
  policyChangeWorkflow,
  type WorkflowTask,
} from '../functions/config/workflows.ts';
import { DEFAULT_POLICY_EMAIL_RATE } from '../functions/dependencies.ts';
import { Api, Auth } from './api.ts';
import { AuditAnchoring } from './audit-anchoring.ts';
import { Console, consoleLocalCallbacksContextKey } from './console.ts';
import { dataKey } from './data-key.ts';
import { EmailFeedback } from './email.ts';
import { LifecycleEvents } from './events.ts';
import { handlerFunction, repoRoot } from './functions.ts';
import { LinkKeyRotation } from './link-keys.ts';
import { Operations } from './operations.ts';
import { PolicyManifests } from './policy-manifests.ts';
import { Tables } from './tables.ts';
import { mapBatchingOf, policyChangeDefinitionPath, WorkflowStateMachine } from './workflow.ts';

/** CDK context key for the address notices are sent from (`cdk deploy -c noticeSenderEmail=...`). */
export const noticeSenderEmailContextKey = 'noticeSenderEmail';
export const defaultNoticeSenderEmail = 'partner-notices@example.com';
/** CDK context key for the emails per second the policy-change rounds may send (`-c policyEmailRate=...`). */
export const policyEmailRateContextKey = 'policyEmailRate';
/**
 * 14 emails a second unless the context says otherwise: a modest rate for an account just out of the SES
 * sandbox (which allows 1 a second and 200 a day). SES sets each account's rate by its use case: set this to
 * the account's own ("Sending quota" in the SES console), shared by every batch of a round.
 */
export const defaultPolicyEmailRate = DEFAULT_POLICY_EMAIL_RATE;

/**
 * A batch sender spaces its sends by its share of the rate (rate ÷ MaxConcurrency, functions/policy-changes/
 * sending.ts), so a full batch takes MaxItemsPerBatch × MaxConcurrency ÷ rate seconds. Its function's timeout
 * is its state's TimeoutSeconds; the pacing may use at most this share of it, the rest is for the bounded
 * back-offs of the sends a provider refused. At the workflow's 25 × 10 and 300 s: at least 1.04 emails a second.
 */
export const BATCH_PACING_SHARE_OF_TIMEOUT = 0.8;

/** The policy workflow's batch sender's timeout, and the error when the rate cannot fit a batch in it. */
export function policyBatchSending(definition: string, emailRate: number): { timeoutSeconds: number } {
  const batching = mapBatchingOf(definition, 'SendPolicyBatchFunctionArn');
  const pacingSeconds = (batching.maxItemsPerBatch * batching.maxConcurrency) / emailRate;
  const budgetSeconds = batching.taskTimeoutSeconds * BATCH_PACING_SHARE_OF_TIMEOUT;
  if (pacingSeconds > budgetSeconds) {
    const minimum = (batching.maxItemsPerBatch * batching.maxConcurrency) / budgetSeconds;
    throw new Error(
      `Context "${policyEmailRateContextKey}" ${emailRate}/s is too slow: a batch of ${batching.maxItemsPerBatch} ` +
        `with ${batching.maxConcurrency} batches side by side would take ${Math.ceil(pacingSeconds)} s, more than ` +
        `${Math.floor(budgetSeconds)} s of its ${batching.taskTimeoutSeconds} s; the rate must be at least ` +
        `${minimum.toFixed(2)}/s (or lower MaxConcurrency in the workflow)`,
    );
  }
  return { timeoutSeconds: batching.taskTimeoutSeconds };
}

/**
 * What each policy-change task may do with the manifest bucket. Every task is listed (the type says so): a new
 * task cannot get access, or go without it, unseen. PlanRound writes each round's manifest (and reads it back
 * when a retry finds it written); CompleteRound reads the ResultWriter's files; the Distributed Map's own
 * reads and writes are the state machine's (infra/workflow.ts).
 */
export const policyManifestAccess: Record<PolicyChangeTask, 'readWrite' | 'read' | 'none'> = {
  PlanPolicyRoundFunctionArn: 'readWrite',
  SendPolicyBatchFunctionArn: 'none',
  CompletePolicyRoundFunctionArn: 'read',
  AwaitPolicyEventFunctionArn: 'none',
  RecordPolicyFailureFunctionArn: 'none',
};

export interface PartnerChangeNoticeStackProps extends StackProps {
  /** The console's build output; defaults to the repository's console/dist. Tests point it at a fixture. */
  consoleDistDir?: string;
}

/**
 * Partner Change Notice on AWS: the tables, the Lambda functions (one per workflow task, the HTTP API, the
 * sweep), the notice-lifecycle and policy-change workflows (the latter with its manifest bucket), the HTTP API behind Cognito (plus the partners' public notice
 * pages), the link-signing secret, the SES sender identity, the staff console (CloudFront + S3) and the
 * lifecycle events' bus with its publisher, and the audit anchoring (hourly signed digests of the audit chains'
 * heads in an Object Lock bucket).
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
    const policyEmailRate = Number(
      this.node.tryGetContext(policyEmailRateContextKey) ?? defaultPolicyEmailRate,
    );
    if (!Number.isFinite(policyEmailRate) || policyEmailRate <= 0) {
      throw new Error(
        `Context "${policyEmailRateContextKey}" must be a positive number of emails per second, got "${String(
          this.node.tryGetContext(policyEmailRateContextKey),
        )}"`,
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
      encryptionKey: dataKey(this),
    });

    // Signs the partners' acknowledgement links (a keyring of HMAC keys), rotated by infra/link-keys.ts.
    const ackLinkSecret = new secretsmanager.Secret(this, 'AckLinkSecret', {
      description: 'Key that signs partner acknowledgement links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      encryptionKey: dataKey(this),
    });
    new LinkKeyRotation(this, 'LinkKeyRotation', { secret: ackLinkSecret });
    // SES verifies this address (a confirmation email is sent to it) before it can send.
    const senderIdentity = new ses.EmailIdentity(this, 'NoticeSender', {
      identity: ses.Identity.email(noticeSenderEmail),
    });

    const email = new EmailFeedback(this, 'EmailFeedback');
    const emailEnvironment = {
      [env.ackLinkSecretArn]: ackLinkSecret.secretArn,
      [env.publicBaseUrl]: api.endpoint,
      [env.noticeSenderEmail]: noticeSenderEmail,
      ...email.environment(),
    };
    const emailFeedback = email.receiveFeedback({ ...tables.environment(), ...emailEnvironment });
    const sendsEmail: nodejs.NodejsFunction[] = [emailFeedback];

    /** One function per task of a workflow, as its one description says (functions/config/workflows.ts). */
    const taskFunctionsOf = <Task extends string>(
      tasks: Readonly<Record<Task, WorkflowTask>>,
      environmentOf: (task: WorkflowTask) => Record<string, string>,
      timeoutOf: (placeholder: Task) => Duration | undefined = () => undefined,
    ): Record<Task, nodejs.NodejsFunction> => {
      const entries = Object.entries(tasks) as [Task, WorkflowTask][];
      return Object.fromEntries(
        entries.map(([placeholder, task]) => {
          const fn = handlerFunction(this, task.id, {
            entry: task.entry,
            description: task.description,
            environment: { ...tables.environment(), ...environmentOf(task) },
            timeout: timeoutOf(placeholder),
          });
          if (task.sendsEmail) sendsEmail.push(fn);
          return [placeholder, fn];
        }),
      ) as Record<Task, nodejs.NodejsFunction>;
    };

    const taskFunctions = taskFunctionsOf<NoticeLifecycleTask>(noticeLifecycleWorkflow.tasks, (task) =>
      task.sendsEmail ? emailEnvironment : {},
    );
    const workflow = new WorkflowStateMachine(this, noticeLifecycleWorkflow.name, {
      workflow: noticeLifecycleWorkflow,
      tasks: taskFunctions,
      failedAlarmDescription:
        'A notice-lifecycle execution failed: a change is marked workflow-failed and waits for an operator.',
    });
    const { stateMachine } = workflow;

    const manifests = new PolicyManifests(this, policyChangeWorkflow.manifestBucket.id);
    const batchSending = policyBatchSending(
      readFileSync(policyChangeDefinitionPath, 'utf8'),
      policyEmailRate,
    );
    const policyTaskFunctions = taskFunctionsOf<PolicyChangeTask>(
      policyChangeWorkflow.tasks,
      (task) => ({
        [env.policyManifestBucket]: manifests.bucket.bucketName,
        ...(task.sendsEmail ? { ...emailEnvironment, [env.policyEmailRate]: String(policyEmailRate) } : {}),
      }),
      // Its state's TimeoutSeconds, not the 30 s default: a batch is paced at its share of the email rate.
      (placeholder) =>
        placeholder === 'SendPolicyBatchFunctionArn'
          ? Duration.seconds(batchSending.timeoutSeconds)
          : undefined,
    );
    const policyWorkflow = new WorkflowStateMachine(this, policyChangeWorkflow.name, {
      workflow: policyChangeWorkflow,
      tasks: policyTaskFunctions,
      failedAlarmDescription:
        'A policy-change execution failed: the policy change is marked workflow-failed and waits for an operator.',
      itemBucket: manifests.bucket,
    });
    const policyStateMachine = policyWorkflow.stateMachine;
    for (const [placeholder, access] of Object.entries(policyManifestAccess) as [
      PolicyChangeTask,
      (typeof policyManifestAccess)[PolicyChangeTask],
    ][]) {
      if (access !== 'none') manifests.grantObjects(policyTaskFunctions[placeholder], access);
    }

    const auditAnchoring = new AuditAnchoring(this, 'AuditAnchoring', {
      tables,
      accessLogs: manifests.accessLogs,
    });

    const httpApi = handlerFunction(this, 'HttpApiHandler', {
      entry: 'functions/handlers/http-api.ts',
      description: 'HTTP API: staff endpoints (/api) and the partners’ notice pages (/notices)',
      environment: {
        ...tables.environment(),
        ...emailEnvironment,
        [env.stateMachineArn]: stateMachine.stateMachineArn,
        [env.policyStateMachineArn]: policyStateMachine.stateMachineArn,
        ...auditAnchoring.environment(),
      },
    });
    sendsEmail.push(httpApi);
    api.routeTo(httpApi);
    // GET /api/audit/verify, /digests and /public-key read the digests and the public key; sealing is the
    // schedule's alone (infra/audit-anchoring.ts), so the API never signs.
    auditAnchoring.grantVerify(httpApi);

    // A change is recorded before its workflow starts, an email committed before it is sent: if a crash came
    // in between, this sweep starts the workflow and delivers the email.
    const startPendingWorkflows = handlerFunction(this, 'StartPendingWorkflows', {
      entry: 'functions/handlers/start-pending-workflows.ts',
      description: 'Schedule: starts workflows whose own start failed, delivers emails left queued',
      environment: {
        ...tables.environment(),
        ...emailEnvironment,
        [env.stateMachineArn]: stateMachine.stateMachineArn,
        [env.policyStateMachineArn]: policyStateMachine.stateMachineArn,
      },
    });
    sendsEmail.push(startPendingWorkflows);
    new events.Rule(this, 'StartPendingWorkflowsSchedule', {
      description: 'Every 5 minutes: start workflows of changes left pending, deliver emails left queued',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new eventTargets.LambdaFunction(startPendingWorkflows)],
    });

    // Each function gets the tables, indexes and access its declaration lists (functions/config/table-access.ts,
    // checked against the tasks' real code by test/e2e/table-access.e2e.test.ts), nothing else; one that
    // sends email also what SES delivery writes.
    const declaredTableAccess: [nodejs.NodejsFunction, FunctionTableAccess][] = [
      [httpApi, handlerTableAccess.httpApi],
      [startPendingWorkflows, handlerTableAccess.startPendingWorkflows],
      [emailFeedback, handlerTableAccess.emailFeedback],
      ...(Object.entries(taskFunctions) as [NoticeLifecycleTask, nodejs.NodejsFunction][]).map(
        ([task, fn]): [nodejs.NodejsFunction, FunctionTableAccess] => [fn, taskTableAccess[task]],
      ),
      ...(Object.entries(policyTaskFunctions) as [PolicyChangeTask, nodejs.NodejsFunction][]).map(
        ([task, fn]): [nodejs.NodejsFunction, FunctionTableAccess] => [fn, taskTableAccess[task]],
      ),
    ];
    for (const [fn, access] of declaredTableAccess) {
      tables.grantDeclared(
        fn,
        sendsEmail.includes(fn) ? mergeTableAccess(access, sesMailerTableAccess) : access,
      );
    }
    for (const fn of sendsEmail) {
      ackLinkSecret.grantRead(fn);
      senderIdentity.grant(fn, 'ses:SendEmail');
      email.grantSend(fn);
    }
    stateMachine.grantStartExecution(httpApi);
    stateMachine.grantStartExecution(startPendingWorkflows);
    stateMachine.grantExecution(httpApi, 'states:DescribeExecution');
    Validations.of(httpApi.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.resolve((stateMachine.node.defaultChild as CfnResource).logicalId)}"}]}]}:*]`,
      reason:
        "An execution's ARN is known at run time only (named after its change): the executions of this state machine only.",
    });
    stateMachine.grantTaskResponse(httpApi);
    // A policy change's workflow starts on approval and is resumed (its parked task token answered) when it is
    // revised or withdrawn; the sweep starts those whose own start failed.
    policyStateMachine.grantStartExecution(httpApi);
    policyStateMachine.grantStartExecution(startPendingWorkflows);
    policyStateMachine.grantTaskResponse(httpApi);
    // The state machine invokes the task functions, so granting on the state machine through a function's
    // default policy (which the function depends on) would be a dependency cycle. A separate policy attached
    // to its role breaks it.
    const answerTaskTokens = <Task extends string>(
      tasks: Readonly<Record<Task, WorkflowTask>>,
      functions: Record<Task, nodejs.NodejsFunction>,
      machine: sfn.IStateMachine,
    ) => {
      for (const [placeholder, task] of Object.entries(tasks) as [Task, WorkflowTask][]) {
        if (!task.answersTaskTokens) continue;
        new iam.Policy(this, `${task.id}TaskResponse`, {
          roles: [functions[placeholder].role!],
          statements: [
            new iam.PolicyStatement({
              actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
              resources: [machine.stateMachineArn],
            }),
          ],
        });
      }
    };
    answerTaskTokens(noticeLifecycleWorkflow.tasks, taskFunctions, stateMachine);
    answerTaskTokens(policyChangeWorkflow.tasks, policyTaskFunctions, policyStateMachine);

    const lifecycleEvents = new LifecycleEvents(this, 'LifecycleEvents', { tables });
    // Last: its alarms cover every function and queue built above (infra/operations.ts).
    new Operations(this, 'Operations', {
      tables,
      workflows: [workflow, policyWorkflow],
    });

    new CfnOutput(this, 'ApiUrl', { value: api.endpoint, description: 'HTTP API endpoint' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'PolicyStateMachineArn', { value: policyStateMachine.stateMachineArn });
    new CfnOutput(this, 'PolicyManifestBucketName', {
      value: manifests.bucket.bucketName,
      description: "Policy-change rounds' manifests and results",
    });
    new CfnOutput(this, 'AuditDigestBucketName', {
      value: auditAnchoring.bucket.bucketName,
      description: 'Signed audit digests (S3 Object Lock, compliance mode)',
    });
    new CfnOutput(this, 'AuditSigningKeyArn', {
      value: auditAnchoring.signingKey.keyArn,
      description: 'KMS key the audit digests are signed with (public key: GET /api/audit/public-key)',
    });
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
