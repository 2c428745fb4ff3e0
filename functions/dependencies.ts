import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from './adapters/dynamodb/document-client.ts';
import { type TableNames, tableNamesFromEnvironment } from './adapters/dynamodb/table-names.ts';
import type { NoticeMailer } from './adapters/email/notice-mailer.ts';
import { SesMailer } from './adapters/email/ses-mailer.ts';
import {
  createStepFunctionsClient,
  StepFunctionsWorkflowGateway,
  type WorkflowGateway,
} from './adapters/step-functions/workflow-gateway.ts';
import { type Clock, systemClock } from './domain/clock.ts';
import {
  defaultStagePolicies,
  type RelationshipStage,
  type StagePolicy,
} from './domain/relationship-stage.ts';

/** Everything a handler needs from the outside world; AWS and the local runtime each build one. */
export interface Dependencies {
  clock: Clock;
  documentClient: DynamoDBDocumentClient;
  tables: TableNames;
  mailer: NoticeMailer;
  workflow: WorkflowGateway;
  acknowledgementLinkSecret(): Promise<string>;
  /** Base URL of the HTTP API, for the links in emails. */
  publicBaseUrl: string;
  stagePolicies: Readonly<Record<RelationshipStage, StagePolicy>>;
  logger: Logger;
}

function requiredVariable(environment: NodeJS.ProcessEnv, name: string): string {
  const value = environment[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** The Lambda composition: real AWS clients, configuration from the function's environment. */
export function dependenciesFromEnvironment(environment: NodeJS.ProcessEnv = process.env): Dependencies {
  const documentClient = createDocumentClient(environment.DYNAMODB_ENDPOINT);
  const tables = tableNamesFromEnvironment(environment);
  const secretArn = environment.ACK_LINK_SECRET_ARN;
  return {
    clock: systemClock,
    documentClient,
    tables,
    mailer: new SesMailer(
      documentClient,
      tables.changes,
      environment.NOTICE_SENDER_EMAIL ?? 'partner-notices@example.com',
    ),
    workflow: new StepFunctionsWorkflowGateway(
      environment.STATE_MACHINE_ARN ?? 'unset',
      createStepFunctionsClient(environment.STEP_FUNCTIONS_ENDPOINT),
    ),
    acknowledgementLinkSecret: async () => {
      if (!secretArn) return requiredVariable(environment, 'ACK_LINK_SECRET');
      const secret = await getSecret(secretArn, { maxAge: 300 });
      if (typeof secret !== 'string') throw new Error('Acknowledgement link secret is not a string');
      return secret;
    },
    publicBaseUrl: (environment.PUBLIC_BASE_URL ?? '').replace(/\/$/, ''),
    stagePolicies: defaultStagePolicies,
    logger: new Logger({ serviceName: environment.POWERTOOLS_SERVICE_NAME ?? 'partner-change-notice' }),
  };
}

/** Builds the handler on first invocation (not at import), so tests and the local runtime import freely. */
export function lazyHandler<Event, Result>(
  build: () => (event: Event) => Promise<Result>,
): (event: Event) => Promise<Result> {
  let built: ((event: Event) => Promise<Result>) | undefined;
  return (event) => {
    built ??= build();
    return built(event);
  };
}
