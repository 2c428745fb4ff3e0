import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { KMSClient } from '@aws-sdk/client-kms';
import { SESv2Client } from '@aws-sdk/client-sesv2';
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
import { countingFailures } from './adapters/email/counting-mailer.ts';
import type { NoticeMailer } from './adapters/email/notice-mailer.ts';
import { SesMailer } from './adapters/email/ses-mailer.ts';
import { type DigestArchive, S3DigestArchive } from './adapters/s3/digest-archive.ts';
import { createS3Client, type ManifestStore, S3ManifestStore } from './adapters/s3/manifest-store.ts';
import { LINK_KEYRING_MAX_AGE_SECONDS, linkKeyringSource } from './adapters/secrets/link-keyring-source.ts';
import { type DigestSigner, KmsDigestSigner } from './adapters/signing/digest-signer.ts';
import {
  createStepFunctionsClient,
  StepFunctionsWorkflowGateway,
  type WorkflowGateway,
} from './adapters/step-functions/workflow-gateway.ts';
import { changeKinds } from './change-kinds.ts';
import { environmentVariables as env, serviceName } from './config/environment.ts';
import { type Clock, systemClock } from './domain/clock.ts';
import { defaultLifecyclePolicy, type LifecyclePolicy } from './domain/lifecycle-policy.ts';
import type { LinkKeyring } from './domain/link-keys.ts';
import type { ProductMetrics } from './domain/product-metrics.ts';
import type { ChangeKinds } from './notices/change-kind.ts';
import { flushLambdaMetrics, lambdaObservability } from './observability.ts';
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

function required(environment: NodeJS.ProcessEnv, name: string): string {
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

/** The Lambda composition: real AWS clients, configuration from the function's environment. */
export function dependenciesFromEnvironment(environment: NodeJS.ProcessEnv = process.env): Dependencies {
  const service = environment[env.serviceName] ?? serviceName;
  const { metrics, traced } = lambdaObservability(service);
  const documentClient = traced(createDocumentClient(environment[env.dynamodbEndpoint]));
  const tables = tableNamesFromEnvironment(environment);
  const secretArn = environment[env.ackLinkSecretArn];
  // Read lazily: a function that never starts a workflow (the task handlers) need not be given the ARN,
  // but one that does fails loudly instead of calling Step Functions with a placeholder.
  const stepFunctionsClient = traced(createStepFunctionsClient(environment[env.stepFunctionsEndpoint]));
  const logger = new Logger({ serviceName: service });
  const correlationId = () => logger.getCorrelationId();
  const workflow = new StepFunctionsWorkflowGateway(
    environment[env.stateMachineArn] ?? '',
    stepFunctionsClient,
    'changeId',
    correlationId,
  );
  const policyWorkflow = new StepFunctionsWorkflowGateway(
    environment[env.policyStateMachineArn] ?? '',
    stepFunctionsClient,
    'policyChangeId',
    correlationId,
  );
  const s3Client = traced(createS3Client(environment[env.s3Endpoint]));
  let kmsSigner: KmsDigestSigner | undefined;
  const signer = () => {
    kmsSigner ??= new KmsDigestSigner(
      traced(new KMSClient({})),
      required(environment, env.auditSigningKeyId),
    );
    return kmsSigner;
  };
  return {
    clock: systemClock,
    documentClient,
    tables,
    ...storesFor(documentClient, tables),
    mailer: countingFailures(
      new SesMailer(
        documentClient,
        tables.changes,
        environment[env.noticeSenderEmail] ?? 'partner-notices@example.com',
        {
          ses: traced(new SESv2Client({ maxAttempts: 1 })),
          ...(environment[env.sesConfigurationSet]
            ? { configurationSetName: environment[env.sesConfigurationSet] }
            : {}),
          // Only the policy rounds' senders are given a rate: they pace and retry each send themselves.
          ...(environment[env.policyEmailRate] ? { throttleAttempts: 1 } : {}),
        },
      ),
      metrics,
    ),
    workflow: {
      start: (changeId, attempt) => {
        required(environment, env.stateMachineArn);
        return workflow.start(changeId, attempt);
      },
      resume: (token, output) => workflow.resume(token, output),
    },
    policyWorkflow: {
      start: (policyChangeId, attempt) => {
        required(environment, env.policyStateMachineArn);
        return policyWorkflow.start(policyChangeId, attempt);
      },
      resume: (token, output) => policyWorkflow.resume(token, output),
    },
    manifests: new S3ManifestStore(s3Client, environment[env.policyManifestBucket] ?? ''),
    digests: new S3DigestArchive(s3Client, environment[env.auditDigestBucket] ?? ''),
    // Built on first use: only the sealing and verifying functions are given the key.
    digestSigner: {
      keyId: () => signer().keyId(),
      sign: (bytes) => signer().sign(bytes),
      publicKeyPem: () => signer().publicKeyPem(),
    },
    emailPace: realTimePace(policyEmailRateFrom(environment[env.policyEmailRate])),
    acknowledgementLinkKeys: linkKeyringSource(async (forceFetch) =>
      secretArn
        ? getSecret(secretArn, { maxAge: LINK_KEYRING_MAX_AGE_SECONDS, forceFetch })
        : required(environment, env.ackLinkSecret),
    ),
    publicBaseUrl: (environment[env.publicBaseUrl] ?? '').replace(/\/$/, ''),
    policy: lifecyclePolicyFrom(environment[env.lifecyclePolicy], environment[env.trustForecastThreshold]),
    kinds: changeKinds,
    logger,
    metrics,
  };
}

/**
 * Builds the handler on first invocation (not at import), so tests and the local runtime import freely; flushes
 * the invocation's metrics after each call.
 */
export function lazyHandler<Event, Result>(
  build: () => (event: Event) => Promise<Result>,
): (event: Event) => Promise<Result> {
  let built: ((event: Event) => Promise<Result>) | undefined;
  return async (event) => {
    built ??= build();
    try {
      return await built(event);
    } finally {
      // Whether the invocation succeeded or not: what it counted (an email refused) is still true.
      flushLambdaMetrics();
    }
  };
}
