import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig, startDynamoDbLocal } from '@pcn/dynamodb-local';
import { startLocalS3 } from '@pcn/local-s3';
import { createLocalStepFunctions, VirtualClock } from '@pcn/local-step-functions';
import { allTables, localExecutionsTable } from '../functions/adapters/dynamodb/table-definitions.ts';
import { tableNamesFromEnvironment } from '../functions/adapters/dynamodb/table-names.ts';
import { countingFailures } from '../functions/adapters/email/counting-mailer.ts';
import { LocalOutboxMailer } from '../functions/adapters/email/local-outbox-mailer.ts';
import type { NoticeMailer } from '../functions/adapters/email/notice-mailer.ts';
import { loopbackWebhookUrl, WebhookBus } from '../functions/adapters/events/webhook-bus.ts';
import {
  FileDigestArchive,
  MirroredDigestArchive,
  S3DigestArchive,
} from '../functions/adapters/s3/digest-archive.ts';
import { createS3Client, S3ManifestStore } from '../functions/adapters/s3/manifest-store.ts';
import { KeyFileDigestSigner } from '../functions/adapters/signing/digest-signer.ts';
import {
  createStepFunctionsClient,
  StepFunctionsWorkflowGateway,
} from '../functions/adapters/step-functions/workflow-gateway.ts';
import { sealAuditDigest } from '../functions/audit/anchoring.ts';
import { changeKinds } from '../functions/change-kinds.ts';
import { environmentVariables, serviceName } from '../functions/config/environment.ts';
import {
  type NoticeLifecycleTask,
  noticeLifecycleTasks,
  noticeLifecycleWorkflow,
  type PolicyChangeTask,
  policyChangeTasks,
  policyChangeWorkflow,
} from '../functions/config/workflows.ts';
import {
  type Dependencies,
  lifecyclePolicyFrom,
  policyEmailRateFrom,
  storesFor,
} from '../functions/dependencies.ts';
import type { LifecyclePolicy } from '../functions/domain/lifecycle-policy.ts';
import { RecordingMetrics } from '../functions/domain/product-metrics.ts';
import {
  noticeLifecycleTaskHandlers,
  policyChangeTaskHandlers,
} from '../functions/handlers/workflow-task-handlers.ts';
import { createHttpApi } from '../functions/http/api.ts';
import { type LinkKeyStore, rotateStoredLinkKeys } from '../functions/notices/link-key-rotation.ts';
import { startPendingWorkflows } from '../functions/notices/start-pending-workflows.ts';
import { realTimePace } from '../functions/policy-changes/sending.ts';
import { startPendingPolicyWorkflows } from '../functions/policy-changes/workflow.ts';
import { serveConsole } from './console-files.ts';
import { createTables, tableEnvironment } from './create-tables.ts';
import { createDevRoutes } from './dev-routes.ts';
import { LocalEventPublisher, triggerOnEvents } from './event-publisher.ts';
import { createLocalHttpServer } from './http-server.ts';
import { loadLocalSecrets, localLinkKeyStore } from './local-secrets.ts';
import { seedDemoPartners } from './seed.ts';

export const NOTICE_LIFECYCLE_STATE_MACHINE = noticeLifecycleWorkflow.name;
export const POLICY_CHANGE_STATE_MACHINE = policyChangeWorkflow.name;
/** The local S3 bucket of the policy-change manifests and round results. */
export const LOCAL_MANIFEST_BUCKET = 'pcn-policy-manifests';

/** The local S3 bucket the signed audit digests are mirrored to (beside the append-only digest file). */
export const LOCAL_AUDIT_DIGEST_BUCKET = 'pcn-audit-digests';

/** Sockets to DynamoDB Local the whole local system may hold open at once. */
const LOCAL_DYNAMODB_SOCKETS = 256;

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

export interface LocalSystemOptions {
  /** Where DynamoDB data, the clock and secrets persist; in memory (nothing survives) when omitted. */
  dataDir?: string;
  /** HTTP port; 0 picks a free one. */
  port?: number;
  /** Freeze the virtual clock at this instant (tests and benchmarks); otherwise it flows with real time. */
  frozenAt?: Date;
  /** Overrides of the lifecycle policy (tests); LIFECYCLE_POLICY in the environment works too. */
  policy?: Partial<LifecyclePolicy>;
  /** Retry failed tasks at once instead of after their real-time intervals (tests). */
  instantRetries?: boolean;
  /** Powertools log level for the handlers (default WARN: local mode is for people, not log lines). */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * A loopback URL every public event is POSTed to (default: PCN_WEBHOOK_URL); any other host is refused at
   * start-up. Without one, events land only in the event log (GET /dev/events).
   */
  webhookUrl?: string;
  /**
   * Emails per second the policy rounds may send in all (default: POLICY_EMAIL_RATE, else unlimited: the
   * local outbox has no quota). Paced in real time, as SES is.
   */
  policyEmailRate?: number;
  /** Test only: fault injection into the product's clients, mailer and task handlers (see LocalFaults). */
  faults?: LocalFaults;
  /**
   * A long-lived system (`npm start`, the bench): DynamoDB Local compiles hot code fully, writing faster once
   * warm at the cost of a slower start (DynamoDbLocalOptions.optimizingCompiler). Tests leave it off.
   */
  longLived?: boolean;
  /**
   * Seal the audit heads into a signed digest this often, in real time (`npm start`: see local/start.ts), as
   * the schedule does in AWS. Unset: only on demand (POST /dev/audit/seal), so tests decide when.
   */
  auditSealEveryMs?: number;
}

/** A workflow task's handler, as the local Step Functions runtime calls it. */
export type LocalTaskHandler = (input: unknown) => Promise<unknown>;

/**
 * Test-only hooks (test/reliability/faults.test.ts) that let a test make a dependency misbehave — DynamoDB
 * throttle, the mailer fail, a task throw, Step Functions refuse — while the real engines run, to see the
 * product cope; the bench uses the same hooks to meter what the product does (bench/support.ts). `npm start`
 * never sets them. Each hook reaches only what the product itself uses: the
 * emulators' own bookkeeping (Step Functions' executions, the outbox standing in for SES) stays untouched.
 */
export interface LocalFaults {
  /** Called once with the product's DynamoDB client (e.g. to add a middleware to its stack). */
  dynamodb?: (client: DynamoDBClient) => void;
  /** Called once with the product's Step Functions client (StartExecution, SendTaskSuccess). */
  stepFunctions?: (client: SFNClient) => void;
  /** Wraps the mailer the product sends through. */
  mailer?: (mailer: NoticeMailer) => NoticeMailer;
  /** Wraps each workflow task's handler (of either workflow). */
  task?: (task: NoticeLifecycleTask | PolicyChangeTask, handler: LocalTaskHandler) => LocalTaskHandler;
  /** Wraps the HTTP API's handler (the bench times each request's handler, as Lambda would bill it). */
  httpApi?: (handler: ReturnType<typeof createHttpApi>) => ReturnType<typeof createHttpApi>;
}

export interface LocalSystem {
  baseUrl: string;
  dynamodbEndpoint: string;
  stepFunctionsEndpoint: string;
  /** The notice-lifecycle state machine's ARN on the local Step Functions endpoint. */
  stateMachineArn: string;
  /** The policy-change state machine's ARN on the local Step Functions endpoint. */
  policyStateMachineArn: string;
  /** The local S3 endpoint (the policy rounds' manifests and results). */
  s3Endpoint: string;
  clock: VirtualClock;
  deps: Dependencies;
  /** The link-signing keyring (in the data directory's secrets.json): rotated by POST /dev/link-keys/rotate. */
  linkKeys: LinkKeyStore;
  /** What the product counted (NoticesSent, EmailFailures …): deps.metrics, readable. */
  metrics: RecordingMetrics;
  outbox: LocalOutboxMailer;
  /** Resolves when every workflow has done all it can at the current virtual time, and its events are out. */
  settle(): Promise<void>;
  /** The loopback webhook every public event is POSTed to, if one is set. */
  webhookUrl?: string;
  /** Resolves when the event publisher has nothing left to do (every event published, or left for a retry). */
  eventsPublished(): Promise<void>;
  /** Moves the virtual clock forward, letting every workflow act at each moment on the way. */
  advanceAndSettle(ms: number): Promise<Date>;
  resumed: { executions: number; submittedChanges: number; emailsDelivered: number };
  stop(): Promise<void>;
}

/**
 * The whole system on one machine: DynamoDB Local, the ASL workflow on the local interpreter behind a Step
 * Functions endpoint, the same handlers over HTTP, an outbox for email, a virtual clock — and on restart,
 * every in-flight change picks up where it was.
 */
export async function startLocalSystem(options: LocalSystemOptions = {}): Promise<LocalSystem> {
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  // Checked before anything starts: a webhook off the loopback is a start-up error naming the variable.
  const webhookText = options.webhookUrl ?? process.env[environmentVariables.webhookUrl];
  const webhookUrl = webhookText
    ? loopbackWebhookUrl(webhookText, options.webhookUrl ? 'webhookUrl' : environmentVariables.webhookUrl)
    : undefined;
  const dynamodb = await startDynamoDbLocal({
    ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
    optimizingCompiler: options.longLived ?? false,
  });
  const stops: (() => Promise<void>)[] = [() => dynamodb.stop()];
  try {
    const s3 = await startLocalS3({
      ...(dataDir ? { directory: join(dataDir, 's3') } : {}),
      buckets: [LOCAL_MANIFEST_BUCKET, LOCAL_AUDIT_DIGEST_BUCKET],
    });
    stops.push(() => s3.stop());
    const clientConfig = {
      ...localDynamoDbClientConfig(dynamodb.endpoint),
      // One process serves every request and runs every workflow here (a Lambda serves one at a time): the
      // SDK's default 50 sockets queued requests under load (seen with 1,000 concurrent acknowledgements).
      requestHandler: { httpAgent: { keepAlive: true, maxSockets: LOCAL_DYNAMODB_SOCKETS } },
    };
    const marshallOptions = { removeUndefinedValues: true };
    const client = new DynamoDBClient(clientConfig);
    const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions });
    // With DynamoDB faults injected, the product's requests go through a client of their own, so the faults
    // hit the product and never the emulators' bookkeeping; otherwise everything shares one client.
    let productDocumentClient = documentClient;
    let productClient = client;
    if (options.faults?.dynamodb) {
      productClient = new DynamoDBClient(clientConfig);
      options.faults.dynamodb(productClient);
      productDocumentClient = DynamoDBDocumentClient.from(productClient, { marshallOptions });
    }
    const tableNames = await createTables(client, allTables);
    const environment = tableEnvironment(tableNames, allTables);
    const tables = tableNamesFromEnvironment(environment);
    const clock = await VirtualClock.open({
      ...(dataDir ? { filePath: join(dataDir, 'clock.json') } : {}),
      ...(options.frozenAt ? { frozenAt: options.frozenAt } : {}),
    });
    stops.push(async () => clock.close());
    const stores = storesFor(productDocumentClient, tables);
    const publisher = new LocalEventPublisher(
      { events: stores.events, bus: new WebhookBus(webhookUrl), clock: clock },
      new Logger({ serviceName, logLevel: options.logLevel ?? 'WARN' }),
    );
    // Stands in for the Events table's stream: a commit that wrote events starts a publisher run. The run is
    // the publisher's own (its own function in AWS, infra/events.ts), not the committing step's: it runs in the
    // async context of the start-up, not of the request or task whose commit woke it.
    const outsideCaller = AsyncLocalStorage.snapshot();
    triggerOnEvents(productClient, tables.events, () => outsideCaller(() => publisher.kick()));
    const secretsFile = dataDir ? join(dataDir, 'secrets.json') : undefined;
    const secrets = await loadLocalSecrets(secretsFile, clock.now());
    const linkKeys = localLinkKeyStore(secrets, secretsFile);
    // The signing key and the append-only digest file: kept with the data, or in a directory of this run.
    const auditDir = dataDir ? join(dataDir, 'audit') : await mkdtemp(join(tmpdir(), 'pcn-audit-'));
    if (!dataDir) stops.push(() => rm(auditDir, { recursive: true, force: true }));
    const outbox = new LocalOutboxMailer(documentClient, tables.localOutbox!, clock);

    // The HTTP server listens first (its URL goes into the links of the emails), and answers 503 with
    // Retry-After until the seed data and the resumed workflows are in place.
    let api: ReturnType<typeof createHttpApi> | undefined;
    let settle: () => Promise<void> = async () => {};
    let advanceAndSettle: (ms: number) => Promise<Date> = (ms) => clock.advance(ms);
    let baseUrl = '';
    let ready = false;
    const server = createLocalHttpServer({
      api: () => (ready ? api : undefined),
      devRoutes: createDevRoutes({
        clock,
        outbox,
        tokenSecret: secrets.devTokenSecret,
        baseUrl: () => baseUrl,
        settle: () => settle(),
        advanceAndSettle: (ms) => advanceAndSettle(ms),
        events: stores.events,
        sealAudit: () => sealAuditDigest(deps),
        rotateLinkKeys: () => rotateStoredLinkKeys(linkKeys, clock.now(), deps.policy),
      }),
      staticFiles: (method, path) => serveConsole(method, path),
      tokenSecret: secrets.devTokenSecret,
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
    });
    stops.push(
      () =>
        new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        }),
    );
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Locally the product's counts are kept in memory (the tests read them); Lambda writes them as EMF.
    const metrics = new RecordingMetrics();
    const deps: Dependencies = {
      clock,
      documentClient: productDocumentClient,
      tables,
      ...stores,
      // Counted after the fault hook, so an injected failure counts as the provider's would.
      mailer: countingFailures(options.faults?.mailer ? options.faults.mailer(outbox) : outbox, metrics),
      // Set just below, once the Step Functions endpoint (which runs these same handlers) is up.
      workflow: undefined as unknown as Dependencies['workflow'],
      policyWorkflow: undefined as unknown as Dependencies['policyWorkflow'],
      manifests: new S3ManifestStore(createS3Client(s3.endpoint), LOCAL_MANIFEST_BUCKET),
      digests: new MirroredDigestArchive([
        new FileDigestArchive(join(auditDir, 'digests.jsonl')),
        new S3DigestArchive(createS3Client(s3.endpoint), LOCAL_AUDIT_DIGEST_BUCKET),
      ]),
      digestSigner: new KeyFileDigestSigner(join(auditDir, 'signing-key.pem')),
      emailPace: localEmailPace(options),
      acknowledgementLinkKeys: () => linkKeys.read(),
      publicBaseUrl: baseUrl,
      policy: {
        ...lifecyclePolicyFrom(
          process.env[environmentVariables.lifecyclePolicy],
          process.env[environmentVariables.trustForecastThreshold],
        ),
        ...options.policy,
      },
      kinds: changeKinds,
      logger: new Logger({ serviceName, logLevel: options.logLevel ?? 'WARN' }),
      metrics,
    };
    const stepFunctions = await createLocalStepFunctions({
      clock,
      documentClient,
      executionsTableName: tableNames[localExecutionsTable.logicalName]!,
      stateMachines: [
        {
          name: noticeLifecycleWorkflow.name,
          definitionFile: join(repositoryRoot, noticeLifecycleWorkflow.definitionFile),
          // Locally each task placeholder names the handler that serves it.
          substitutions: Object.fromEntries(noticeLifecycleTasks.map((name) => [name, name])),
          handlers: withTaskFaults(
            noticeLifecycleTasks,
            noticeLifecycleTaskHandlers(deps),
            options.faults?.task,
          ),
        },
        {
          name: policyChangeWorkflow.name,
          definitionFile: join(repositoryRoot, policyChangeWorkflow.definitionFile),
          substitutions: Object.fromEntries(policyChangeTasks.map((name) => [name, name])),
          handlers: withTaskFaults(policyChangeTasks, policyChangeTaskHandlers(deps), options.faults?.task),
        },
      ],
      s3: s3.clientConfig(),
      ...(options.instantRetries !== undefined ? { instantRetries: options.instantRetries } : {}),
    });
    stops.unshift(() => stepFunctions.stop());
    const stepFunctionsClient = createStepFunctionsClient(stepFunctions.endpoint);
    options.faults?.stepFunctions?.(stepFunctionsClient);
    const correlationId = () => deps.logger.getCorrelationId();
    deps.workflow = new StepFunctionsWorkflowGateway(
      stepFunctions.stateMachineArn(NOTICE_LIFECYCLE_STATE_MACHINE),
      stepFunctionsClient,
      'changeId',
      correlationId,
    );
    deps.policyWorkflow = new StepFunctionsWorkflowGateway(
      stepFunctions.stateMachineArn(POLICY_CHANGE_STATE_MACHINE),
      stepFunctionsClient,
      'policyChangeId',
      correlationId,
    );
    // The publisher stops before the engines it reads from, after the workflows (which may still commit).
    stops.splice(1, 0, () => publisher.stop());
    const settleAll = async () => {
      await stepFunctions.idle();
      await publisher.idle();
    };
    const advanceAll = async (ms: number) => {
      const now = await stepFunctions.advanceAndSettle(ms);
      await publisher.idle();
      return now;
    };
    settle = settleAll;
    advanceAndSettle = advanceAll;
    api = options.faults?.httpApi ? options.faults.httpApi(createHttpApi(deps)) : createHttpApi(deps);

    await seedDemoPartners(deps);
    const executions = await stepFunctions.resumeExecutions();
    // Locally there is no schedule: at start-up, whatever a crash left behind is picked up (no grace).
    const swept = await startPendingWorkflows(deps, 0);
    await startPendingPolicyWorkflows(deps);
    // Events a crash left committed but unpublished go out now.
    publisher.kick();
    ready = true;
    if (options.auditSealEveryMs) {
      const seal = () =>
        sealAuditDigest(deps).catch((error: unknown) =>
          deps.logger.error('Sealing the audit digest failed; the next run tries again', { error }),
        );
      void seal();
      const timer = setInterval(seal, options.auditSealEveryMs);
      timer.unref();
      stops.unshift(async () => clearInterval(timer));
    }

    let stopped = false;
    return {
      baseUrl,
      dynamodbEndpoint: dynamodb.endpoint,
      stepFunctionsEndpoint: stepFunctions.endpoint,
      stateMachineArn: stepFunctions.stateMachineArn(NOTICE_LIFECYCLE_STATE_MACHINE),
      policyStateMachineArn: stepFunctions.stateMachineArn(POLICY_CHANGE_STATE_MACHINE),
      s3Endpoint: s3.endpoint,
      clock,
      deps,
      linkKeys,
      metrics,
      outbox,
      ...(webhookUrl ? { webhookUrl: webhookUrl.href } : {}),
      settle: settleAll,
      eventsPublished: () => publisher.idle(),
      advanceAndSettle: advanceAll,
      resumed: { executions, submittedChanges: swept.started.length, emailsDelivered: swept.delivered },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        for (const stop of stops) await stop();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw error;
  }
}

/** The task handlers of one workflow, each wrapped by the test's fault hook when there is one. */
function withTaskFaults<Task extends NoticeLifecycleTask | PolicyChangeTask>(
  tasks: readonly Task[],
  handlers: Record<Task, LocalTaskHandler>,
  wrap: LocalFaults['task'],
): Record<Task, LocalTaskHandler> {
  if (!wrap) return handlers;
  return Object.fromEntries(tasks.map((task) => [task, wrap(task, handlers[task])])) as Record<
    Task,
    LocalTaskHandler
  >;
}

/**
 * The policy rounds' email pace locally: unlimited unless a rate is given (the outbox has no quota); back-offs
 * skipped with instantRetries, as the workflow's own retries are.
 */
function localEmailPace(options: LocalSystemOptions) {
  const text = process.env[environmentVariables.policyEmailRate];
  const rate = options.policyEmailRate ?? (text ? policyEmailRateFrom(text) : Number.POSITIVE_INFINITY);
  const pace = realTimePace(rate);
  return options.instantRetries ? { ...pace, sleep: async () => {} } : pace;
}
