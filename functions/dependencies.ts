import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { AuditStore } from './adapters/dynamodb/audit-store.ts';
import { ChangeStore } from './adapters/dynamodb/change-store.ts';
import { createDocumentClient } from './adapters/dynamodb/document-client.ts';
import { EventStore } from './adapters/dynamodb/event-store.ts';
import { PartnerStore } from './adapters/dynamodb/partner-store.ts';
import { PolicyChangeStore } from './adapters/dynamodb/policy-change-store.ts';
import { PolicyRecipientStore } from './adapters/dynamodb/policy-recipient-store.ts';
import { StaffStore } from './adapters/dynamodb/staff-store.ts';
import { type TableNames, tableNamesFromEnvironment } from './adapters/dynamodb/table-names.ts';
import { TrustStore } from './adapters/dynamodb/trust-store.ts';
import type { NoticeMailer } from './adapters/email/notice-mailer.ts';
import type { DigestArchive } from './adapters/s3/digest-archive.ts';
import type { ManifestStore } from './adapters/s3/manifest-store.ts';
import type { DigestSigner } from './adapters/signing/digest-signer.ts';
import type { WorkflowGateway } from './adapters/step-functions/workflow-gateway.ts';
import { changeKinds } from './change-kinds.ts';
import { environmentVariables as env, serviceName } from './config/environment.ts';
import { type Clock, systemClock } from './domain/clock.ts';
import { defaultLifecyclePolicy, type LifecyclePolicy } from './domain/lifecycle-policy.ts';
import type { LinkKeyring } from './domain/link-keys.ts';
import type { ProductMetrics } from './domain/product-metrics.ts';
import type { ChangeKinds } from './notices/change-kind.ts';
import type { LambdaObservability } from './observability.ts';
import { type Pace, realTimePace } from './policy-changes/sending.ts';

/** Everything a use case needs from the outside world; AWS and the local runtime each build one. */
export interface Dependencies {
  clock: Clock;
  documentClient: DynamoDBDocumentClient;
  tables: TableNames;
  changes: ChangeStore;
  partners: PartnerStore;
  /** Program policy changes (to a segment of partners), kept in the Changes table under their own prefix. */
  policyChanges: PolicyChangeStore;
  /** Each policy change's partners (their notice states) and its coverage counters. */
  policyRecipients: PolicyRecipientStore;
  /** Where the policy-change rounds write their manifests and the Distributed Map its results (S3). */
  manifests: ManifestStore;
  /** Starts and resumes the policy-change workflow (workflows/policy-change.asl.json). */
  policyWorkflow: WorkflowGateway;
  /**
   * The pace of the policy-change rounds' email: the account's sending rate in all (each batch takes its
   * share), and the clock and sleep it spaces sends and back-offs by (real time: the provider's rate is).
   */
  emailPace: Pace;
  staff: StaffStore;
  /** The trust ledger and each partner's materialized score (written only with the step that caused them). */
  trust: TrustStore;
  /** The public events' outbox and log (written only with their audit entries, by commitWithAudit). */
  events: EventStore;
  /** The audit trail as sealing and verifying read it: every stream's head, one stream's entries. */
  audit: AuditStore;
  /** Where the signed audit digests are kept (S3 Object Lock in AWS; a file and the local S3 locally). */
  digests: DigestArchive;
  /** Signs the audit digests (KMS in AWS; a key file locally). */
  digestSigner: DigestSigner;
  mailer: NoticeMailer;
  workflow: WorkflowGateway;
  /**
   * The keys that sign and verify acknowledgement links (functions/domain/link-keys.ts). `refresh` asks for a
   * fresh read past any cache, for a token naming a key the cached ring lacks (functions/notices/links.ts).
   */
  acknowledgementLinkKeys(options?: { refresh?: boolean }): Promise<LinkKeyring>;
  /** Base URL of the HTTP API, for the links in emails. */
  publicBaseUrl: string;
  policy: LifecyclePolicy;
  kinds: ChangeKinds;
  logger: Logger;
  /** The product's counts (functions/domain/product-metrics.ts): Powertools Metrics in Lambda. */
  metrics: ProductMetrics;
}

/** The stores over one document client and one set of tables. */
export function storesFor(documentClient: DynamoDBDocumentClient, tables: TableNames) {
  return {
    changes: new ChangeStore(documentClient, tables),
    partners: new PartnerStore(documentClient, tables),
    policyChanges: new PolicyChangeStore(documentClient, tables),
    policyRecipients: new PolicyRecipientStore(documentClient, tables),
    staff: new StaffStore(documentClient, tables),
    trust: new TrustStore(documentClient, tables),
    events: new EventStore(documentClient, tables.events),
    audit: new AuditStore(documentClient, tables),
  };
}

export class MissingSetting extends Error {
  override readonly name = 'MissingSetting';
}

export function required(environment: NodeJS.ProcessEnv, name: string): string {
  const value = environment[name];
  if (!value) throw new MissingSetting(`Environment variable ${name} is not set`);
  return value;
}

const positiveDays = z.number().int().min(0).max(3650);
const policyOverrideSchema = z
  .object({
    approvalExpiryDays: positiveDays,
    commissionRaiseApprovalAbovePoints: z.number().min(0).max(100),
    consultationReminderDays: positiveDays.min(1),
    emergencyMinimumNoticeDays: positiveDays,
    emergencyApprovals: z.number().int().min(1).max(5),
    disputeResponseDays: positiveDays.min(1),
    disputeReminderDaysBefore: positiveDays,
    openTaskReminderDays: positiveDays.min(1),
    maxWaitDays: positiveDays.min(1),
    linkValidAfterApplyDays: positiveDays,
    trustForecastThreshold: z.number().min(0).max(100),
  })
  .partial()
  .strict();

const thresholdSchema = z.coerce.number().min(0).max(100);
const emailRateSchema = z.coerce.number().positive().max(100_000);

/** SES's sending rate of a new account out of the sandbox is 14 per second: the default when unset. */
export const DEFAULT_POLICY_EMAIL_RATE = 14;

/** The policy rounds' sending rate (emails per second) from POLICY_EMAIL_RATE, or the default. */
export function policyEmailRateFrom(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_POLICY_EMAIL_RATE;
  const parsed = emailRateSchema.safeParse(text);
  if (!parsed.success) throw new MissingSetting(`${env.policyEmailRate} must be a positive number`);
  return parsed.data;
}

/**
 * The lifecycle policy: the defaults, with any overrides given as JSON in LIFECYCLE_POLICY, and the trust
 * forecast's threshold from TRUST_FORECAST_THRESHOLD when set.
 */
export function lifecyclePolicyFrom(
  text: string | undefined,
  trustForecastThreshold?: string | undefined,
): LifecyclePolicy {
  let policy = defaultLifecyclePolicy;
  if (text) {
    const parsed = policyOverrideSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new MissingSetting(`${env.lifecyclePolicy} is not valid: ${z.prettifyError(parsed.error)}`);
    }
    policy = { ...policy, ...parsed.data };
  }
  if (trustForecastThreshold !== undefined && trustForecastThreshold.trim() !== '') {
    const parsed = thresholdSchema.safeParse(trustForecastThreshold);
    if (!parsed.success) {
      throw new MissingSetting(`${env.trustForecastThreshold} must be a number from 0 to 100`);
    }
    policy = { ...policy, trustForecastThreshold: parsed.data };
  }
  return policy;
}

/**
 * What every function builds (composeDependencies): configuration, the DynamoDB stores, the logger, metrics and
 * the tracer; the pieces build their clients on it.
 */
export interface CoreDependencies {
  environment: NodeJS.ProcessEnv;
  documentClient: DynamoDBDocumentClient;
  tables: TableNames;
  logger: Logger;
  metrics: ProductMetrics;
  /** Captures a client's calls with the Powertools Tracer (functions/observability.ts). */
  traced: LambdaObservability['traced'];
}

/** One part of the Lambda composition that needs a client of its own (functions/composition/). */
export type Piece<Key extends keyof Dependencies> = (core: CoreDependencies) => Pick<Dependencies, Key>;

/**
 * The parts a function may be composed with, each in a module of its own (functions/composition/) so that a
 * handler entry importing only the pieces it uses bundles only their clients: a function that never sends
 * email bundles no SES or Secrets Manager client. Which function gets which mirrors its IAM grants and
 * environment (infra/partner-change-notice-stack.ts): a piece it is not composed with it could not use in
 * AWS anyway.
 */
export interface Pieces {
  /** SES, and the link-signing keys from Secrets Manager (functions/composition/email.ts). */
  email: Piece<'mailer' | 'acknowledgementLinkKeys'>;
  /** Step Functions: starting and resuming both workflows (functions/composition/workflows.ts). */
  workflows: Piece<'workflow' | 'policyWorkflow'>;
  /** S3: the policy rounds' manifests (functions/composition/manifests.ts). */
  manifests: Piece<'manifests'>;
  /** S3 Object Lock and KMS: the audit digests and their signer (functions/composition/audit-anchoring.ts). */
  anchoring: Piece<'digests' | 'digestSigner'>;
}

/** A function was asked for what it was not composed with: a wiring mistake, loud at the first call. */
export class NotComposed extends Error {
  override readonly name = 'NotComposed';
}

function notComposed(piece: keyof Pieces): () => never {
  return () => {
    throw new NotComposed(
      `This function was not composed with the ${piece} piece (functions/dependencies.ts)`,
    );
  };
}

/** What a function built without a piece gets in its place: every call fails with NotComposed. */
const standIns: Pieces = {
  email: () => ({ mailer: { send: notComposed('email') }, acknowledgementLinkKeys: notComposed('email') }),
  workflows: () => {
    const gateway = { start: notComposed('workflows'), resume: notComposed('workflows') };
    return { workflow: gateway, policyWorkflow: gateway };
  },
  manifests: () => ({
    manifests: {
      get bucket(): string {
        return notComposed('manifests')();
      },
      writeLines: notComposed('manifests'),
      readJson: notComposed('manifests'),
    },
  }),
  anchoring: () => {
    const fail = notComposed('anchoring');
    return {
      digests: { append: fail, all: fail, latest: fail },
      digestSigner: { keyId: fail, sign: fail, publicKeyPem: fail },
    };
  },
};

/**
 * The Lambda composition: configuration from the function's environment, the DynamoDB stores, logger, metrics
 * and tracer every function uses, and the pieces given (the rest stand-ins that fail with NotComposed). Each
 * handler entry passes the pieces it uses; functions/composition/all.ts passes them all.
 */
export function composeDependencies(
  pieces: Partial<Pieces>,
  environment: NodeJS.ProcessEnv = process.env,
): Dependencies {
  const service = environment[env.serviceName] ?? serviceName;
  const { metrics, traced } = observabilityFor(service);
  const documentClient = traced(createDocumentClient(environment[env.dynamodbEndpoint]));
  const tables = tableNamesFromEnvironment(environment);
  const logger = new Logger({ serviceName: service });
  const core: CoreDependencies = { environment, documentClient, tables, logger, metrics, traced };
  return {
    clock: systemClock,
    documentClient,
    tables,
    ...storesFor(documentClient, tables),
    ...(pieces.email ?? standIns.email)(core),
    ...(pieces.workflows ?? standIns.workflows)(core),
    ...(pieces.manifests ?? standIns.manifests)(core),
    ...(pieces.anchoring ?? standIns.anchoring)(core),
    emailPace: realTimePace(policyEmailRateFrom(environment[env.policyEmailRate])),
    publicBaseUrl: (environment[env.publicBaseUrl] ?? '').replace(/\/$/, ''),
    policy: lifecyclePolicyFrom(environment[env.lifecyclePolicy], environment[env.trustForecastThreshold]),
    kinds: changeKinds,
    logger,
    metrics,
  };
}

/**
 * Lambda's metrics and tracer (functions/observability.ts), loaded by lazyHandler on a function's first
 * invocation, never at import: the Tracer's X-Ray SDK enables an async hook as it loads (cls-hooked), which makes
 * every `await` of the process several times slower (measured: 2 million awaits 0.2 s without it, 2.2–4.5 s
 * with it), so the tests and the local system, which import the handler modules, must not load it.
 */
let observability: typeof import('./observability.ts') | undefined;

/** Outside a Lambda invocation (a test composing the Lambda dependencies): nothing counted, nothing traced. */
const untracedObservability: LambdaObservability = {
  metrics: { count: () => undefined },
  traced: (client) => client,
};

/** The observability of the Lambda composition: Powertools' once lazyHandler has loaded it. */
export function observabilityFor(service: string): LambdaObservability {
  return observability?.lambdaObservability(service) ?? untracedObservability;
}

/**
 * Builds the handler on first invocation (not at import), so tests and the local runtime import freely; loads
 * the metrics and tracer first, and flushes the invocation's metrics after each call.
 */
export function lazyHandler<Event, Result>(
  build: () => (event: Event) => Promise<Result>,
): (event: Event) => Promise<Result> {
  let built: Promise<(event: Event) => Promise<Result>> | undefined;
  return async (event) => {
    built ??= import('./observability.ts').then((loaded) => {
      observability = loaded;
      return build();
    });
    const handler = await built;
    try {
      return await handler(event);
    } finally {
      // Whether the invocation succeeded or not: what it counted (an email refused) is still true.
      observability?.flushLambdaMetrics();
    }
  };
}
