/**
 * What the measured usage would cost on AWS: the units `npm run bench` counts (state transitions, Lambda
 * invocations and their time, HTTP API requests, DynamoDB capacity units, emails, events, log bytes) times the
 * list prices below. Pure arithmetic, so test/unit/cost.test.ts can check it; the usage is measured in
 * bench/end-to-end.ts and bench/policy-fan-out.ts.
 */

/**
 * us-east-1 list prices, on-demand, no free tier, as published on the AWS pricing pages (DynamoDB's are those
 * of the November 2024 on-demand price cut). Checked 2026-12-04; re-check them before quoting a figure.
 */
export const listPrices = {
  checked: '2026-12-04',
  region: 'us-east-1',
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  stateTransition: 0.025 / 1000,
  /** Lambda on Arm (Graviton): $0.20 per million requests, $0.0000133334 per GB-second. */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  /** API Gateway HTTP API: $1.00 per million requests (the first 300 million a month). */
  httpApiRequest: 1 / 1e6,
  /** DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request units. */
  dynamoDbWriteUnit: 0.625 / 1e6,
  dynamoDbReadUnit: 0.125 / 1e6,
  /** SES outbound email: $0.10 per 1,000 emails (attachments and dedicated IPs aside). */
  email: 0.1 / 1000,
  /** EventBridge custom events: $1.00 per million (each 64 KB chunk of a PutEvents entry). */
  event: 1 / 1e6,
  /** CloudWatch Logs standard ingestion: $0.50 per GB. */
  logGb: 0.5,
} as const;

/** The Lambda functions' memory (infra/functions.ts): a GB-second is priced per GB of it. */
export const LAMBDA_MEMORY_GB = 512 / 1024;

/** What one unit of work (a change, a policy change) used, as measured. */
export interface Usage {
  stateTransitions: number;
  lambdaInvocations: number;
  /** Time spent in the handlers, billed per millisecond at LAMBDA_MEMORY_GB. */
  lambdaMilliseconds: number;
  httpApiRequests: number;
  dynamoDbReadUnits: number;
  dynamoDbWriteUnits: number;
  emails: number;
  events: number;
  /** Bytes the state machine's ALL-level logging (with execution data) would write. */
  logBytes: number;
}

export type CostLine =
  | 'Step Functions'
  | 'Lambda'
  | 'HTTP API'
  | 'DynamoDB reads'
  | 'DynamoDB writes'
  | 'SES'
  | 'EventBridge'
  | 'CloudWatch Logs';

export interface Cost {
  lines: Record<CostLine, number>;
  totalUsd: number;
}

/** The usage of `times` units of work, priced line by line. */
export function costOf(usage: Usage, times = 1, prices = listPrices): Cost {
  const lines: Record<CostLine, number> = {
    'Step Functions': usage.stateTransitions * prices.stateTransition,
    Lambda:
      usage.lambdaInvocations * prices.lambdaRequest +
      (usage.lambdaMilliseconds / 1000) * LAMBDA_MEMORY_GB * prices.lambdaGbSecond,
    'HTTP API': usage.httpApiRequests * prices.httpApiRequest,
    'DynamoDB reads': usage.dynamoDbReadUnits * prices.dynamoDbReadUnit,
    'DynamoDB writes': usage.dynamoDbWriteUnits * prices.dynamoDbWriteUnit,
    SES: usage.emails * prices.email,
    EventBridge: usage.events * prices.event,
    'CloudWatch Logs': (usage.logBytes / 1024 ** 3) * prices.logGb,
  };
  for (const line of Object.keys(lines) as CostLine[]) lines[line] *= times;
  return { lines, totalUsd: Object.values(lines).reduce((sum, value) => sum + value, 0) };
}

/** A cost as the table prints it: the total and its two largest lines. */
export function describeCost(cost: Cost): string {
  const largest = (Object.entries(cost.lines) as [CostLine, number][])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([line, usd]) => `${line} $${usd.toFixed(4)}`);
  return `$${cost.totalUsd.toFixed(4)} (${largest.join(', ')})`;
}
