/**
 * The names of the environment variables the functions read (table names excepted: each table definition in
 * functions/adapters/dynamodb/table-definitions.ts names its own). CDK sets them, the local runtime sets them,
 * the handlers read them: all through these constants.
 */
export const environmentVariables = {
  /** The notice-lifecycle state machine the API and the sweep start executions of. */
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** Secrets Manager ARN of the key that signs acknowledgement links (AWS). */
  ackLinkSecretArn: 'ACK_LINK_SECRET_ARN',
  /** The key itself, where no Secrets Manager is used (tests). */
  ackLinkSecret: 'ACK_LINK_SECRET',
  /** Base URL of the HTTP API, for the links in emails. */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** The SES identity notices are sent from. */
  noticeSenderEmail: 'NOTICE_SENDER_EMAIL',
  /** The SES configuration set every email is sent with: it reports bounces and complaints (infra/email.ts). */
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  /** Local mode: DynamoDB Local's endpoint. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Local mode: the local Step Functions endpoint. */
  stepFunctionsEndpoint: 'STEP_FUNCTIONS_ENDPOINT',
  /** Powertools: the service name in every log line. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Optional JSON overriding parts of the lifecycle policy (functions/domain/lifecycle-policy.ts). */
  lifecyclePolicy: 'LIFECYCLE_POLICY',
  /** The EventBridge bus the public events are published on (AWS). */
  eventBusName: 'EVENT_BUS_NAME',
  /** Local mode: a loopback URL every public event is also POSTed to (for trying an integration). */
  webhookUrl: 'PCN_WEBHOOK_URL',
  /** A forecast trust score below this (0–100) needs the submitter's "I have read this"; default 40. */
  trustForecastThreshold: 'TRUST_FORECAST_THRESHOLD',
  /** The policy-change state machine the API and the sweep start executions of. */
  policyStateMachineArn: 'POLICY_STATE_MACHINE_ARN',
  /** The S3 bucket the policy-change manifests and round results are written to. */
  policyManifestBucket: 'POLICY_MANIFEST_BUCKET',
  /** Local mode: the local S3 endpoint. */
  s3Endpoint: 'S3_ENDPOINT',
  /** Emails per second the policy-change rounds may send in all (SES: the account's sending rate). */
  policyEmailRate: 'POLICY_EMAIL_RATE',
  /** The S3 bucket (Object Lock, compliance mode) the signed audit digests are archived in. */
  auditDigestBucket: 'AUDIT_DIGEST_BUCKET',
  /** The asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) the audit digests are signed with. */
  auditSigningKeyId: 'AUDIT_SIGNING_KEY_ID',
} as const;

/** The trust-forecast threshold when TRUST_FORECAST_THRESHOLD is not set. */
export const DEFAULT_TRUST_FORECAST_THRESHOLD = 40;

export type EnvironmentVariable = (typeof environmentVariables)[keyof typeof environmentVariables];

export const serviceName = 'partner-change-notice';
