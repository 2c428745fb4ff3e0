import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { allTables, localExecutionsTable } from '../functions/adapters/dynamodb/table-definitions.ts';
import { tableNamesFromEnvironment } from '../functions/adapters/dynamodb/table-names.ts';
import { LocalOutboxMailer } from '../functions/adapters/email/local-outbox-mailer.ts';
import { commissionChangeWorkflow } from '../functions/adapters/step-functions/workflow-definitions.ts';
import {
  createStepFunctionsClient,
  StepFunctionsWorkflowGateway,
} from '../functions/adapters/step-functions/workflow-gateway.ts';
import { startPendingWorkflows } from '../functions/commission-changes/start-pending-workflows.ts';
import type { Dependencies } from '../functions/dependencies.ts';
import { defaultStagePolicies } from '../functions/domain/relationship-stage.ts';
import { commissionChangeTaskHandlers } from '../functions/handlers/workflow-task-handlers.ts';
import { createHttpApi } from '../functions/http/api.ts';
import { createTables, tableEnvironment } from './create-tables.ts';
import { createDevRoutes } from './dev-routes.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { createLocalHttpServer } from './http-server.ts';
import { loadLocalSecrets } from './local-secrets.ts';
import { seedDemoPartners } from './seed.ts';
import { createLocalStepFunctions } from './step-functions/index.ts';
import { VirtualClock } from './virtual-clock.ts';

export const COMMISSION_CHANGE_STATE_MACHINE = commissionChangeWorkflow.name;

export interface LocalSystemOptions {
  /** Where DynamoDB data, the clock and secrets persist; in memory (nothing survives) when omitted. */
  dataDir?: string;
  /** HTTP port; 0 picks a free one. */
  port?: number;
  /** Freeze the virtual clock at this instant (tests and benchmarks); otherwise it flows with real time. */
  frozenAt?: Date;
  /** Powertools log level for the handlers (default WARN: local mode is for people, not log lines). */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

export interface LocalSystem {
  baseUrl: string;
  dynamodbEndpoint: string;
  stepFunctionsEndpoint: string;
  clock: VirtualClock;
  deps: Dependencies;
  outbox: LocalOutboxMailer;
  /** Resolves when every workflow has done all it can at the current virtual time. */
  settle(): Promise<void>;
  /** Moves the virtual clock forward, letting every workflow act at each moment on the way. */
  advanceAndSettle(ms: number): Promise<Date>;
  resumed: { executions: number; submittedChanges: number };
  stop(): Promise<void>;
}

/**
 * The whole system on one machine: DynamoDB Local, the ASL workflow on the local interpreter behind a Step
 * Functions endpoint, the same handlers over HTTP, an outbox for email, a virtual clock — and on restart,
 * every in-flight change picks up where it was.
 */
export async function startLocalSystem(options: LocalSystemOptions = {}): Promise<LocalSystem> {
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const dynamodb = await startDynamoDbLocal(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {});
  const stops: (() => Promise<void>)[] = [() => dynamodb.stop()];
  try {
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const documentClient = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const tableNames = await createTables(client, allTables);
    const environment = tableEnvironment(tableNames, allTables);
    const tables = tableNamesFromEnvironment(environment);
    const clock = await VirtualClock.open({
      ...(dataDir ? { filePath: join(dataDir, 'clock.json') } : {}),
      ...(options.frozenAt ? { frozenAt: options.frozenAt } : {}),
    });
    stops.push(async () => clock.close());
    const secrets = await loadLocalSecrets(dataDir ? join(dataDir, 'secrets.json') : undefined);
    const outbox = new LocalOutboxMailer(documentClient, tables.localOutbox!, clock);

    // The HTTP server listens first: its URL goes into the links of the emails.
    let api: ReturnType<typeof createHttpApi> | undefined;
    let settle: () => Promise<void> = async () => {};
    let advanceAndSettle: (ms: number) => Promise<Date> = (ms) => clock.advance(ms);
    let baseUrl = '';
    const server = createLocalHttpServer({
      api: () => {
        if (!api) throw new Error('The system is still starting');
        return api;
      },
      devRoutes: createDevRoutes({
        clock,
        outbox,
        tokenSecret: secrets.devTokenSecret,
        baseUrl: () => baseUrl,
        settle: () => settle(),
        advanceAndSettle: (ms) => advanceAndSettle(ms),
      }),
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

    const deps: Dependencies = {
      clock,
      documentClient,
      tables,
      mailer: outbox,
      // Set just below, once the Step Functions endpoint (which runs these same handlers) is up.
      workflow: undefined as unknown as Dependencies['workflow'],
      acknowledgementLinkSecret: async () => secrets.acknowledgementLinkSecret,
      publicBaseUrl: baseUrl,
      stagePolicies: defaultStagePolicies,
      logger: new Logger({ serviceName: 'partner-change-notice', logLevel: options.logLevel ?? 'WARN' }),
    };
    const stepFunctions = await createLocalStepFunctions({
      clock,
      documentClient,
      executionsTableName: tableNames[localExecutionsTable.logicalName]!,
      stateMachines: [
        {
          name: commissionChangeWorkflow.name,
          definitionFile: commissionChangeWorkflow.definitionFile,
          // Locally each task placeholder names the handler that serves it.
          substitutions: Object.fromEntries(
            commissionChangeWorkflow.taskPlaceholders.map((name) => [name, name]),
          ),
          handlers: commissionChangeTaskHandlers(deps),
        },
      ],
    });
    stops.unshift(() => stepFunctions.stop());
    deps.workflow = new StepFunctionsWorkflowGateway(
      stepFunctions.stateMachineArn(COMMISSION_CHANGE_STATE_MACHINE),
      createStepFunctionsClient(stepFunctions.endpoint),
    );
    settle = () => stepFunctions.idle();
    advanceAndSettle = (ms) => stepFunctions.advanceAndSettle(ms);
    api = createHttpApi(deps);

    await seedDemoPartners(deps);
    const executions = await stepFunctions.resumeExecutions();
    // Locally there is no schedule: at start-up, every change left pending gets its workflow (no grace).
    const submittedChanges = (await startPendingWorkflows(deps, 0)).length;

    let stopped = false;
    return {
      baseUrl,
      dynamodbEndpoint: dynamodb.endpoint,
      stepFunctionsEndpoint: stepFunctions.endpoint,
      clock,
      deps,
      outbox,
      settle: () => stepFunctions.idle(),
      advanceAndSettle: (ms) => stepFunctions.advanceAndSettle(ms),
      resumed: { executions, submittedChanges },
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
