/**
 * A hand-built `Dependencies` over the run's real DynamoDB Local (per-file tables from ./dynamodb.ts): the
 * local outbox as the mailer, a settable clock, and a recording workflow gateway (the workflow engine itself
 * is covered by test/workflow). For integration tests of the use cases in functions/commission-changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanAll } from '../../functions/adapters/dynamodb/all-items.ts';
import { readAuditHead } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf } from '../../functions/adapters/dynamodb/change-store.ts';
import { tableNamesFromEnvironment } from '../../functions/adapters/dynamodb/table-names.ts';
import { LocalOutboxMailer, type OutboxMessage } from '../../functions/adapters/email/local-outbox-mailer.ts';
import type { NoticeMailer, OutgoingEmail } from '../../functions/adapters/email/notice-mailer.ts';
import { FileDigestArchive } from '../../functions/adapters/s3/digest-archive.ts';
import { KeyFileDigestSigner } from '../../functions/adapters/signing/digest-signer.ts';
import type { WorkflowGateway } from '../../functions/adapters/step-functions/workflow-gateway.ts';
import { approveChange } from '../../functions/approvals/decide.ts';
import { changeKinds } from '../../functions/change-kinds.ts';
import { type Dependencies, storesFor } from '../../functions/dependencies.ts';
import { type AuditEntry, verifyChain } from '../../functions/domain/audit-chain.ts';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import type { Clock } from '../../functions/domain/clock.ts';
import { defaultLifecyclePolicy, type LifecyclePolicy } from '../../functions/domain/lifecycle-policy.ts';
import { parseLinkKeyring } from '../../functions/domain/link-keys.ts';
import { RecordingMetrics } from '../../functions/domain/product-metrics.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import { applyChange } from '../../functions/notices/apply.ts';
import { sendNotice } from '../../functions/notices/send-notice.ts';
import { type ChangeEnvelope, submitChange } from '../../functions/notices/submit.ts';
import { seedDemoPartners } from '../../local/seed.ts';
import { createTestTables, type TestTables } from './dynamodb.ts';
import { isoDateAfter, realRationale } from './fixtures.ts';

/** A clock the test sets and moves by hand; nothing waits for real time. */
export class TestClock implements Clock {
  private current: number;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): Date {
    this.current = new Date(at).getTime();
    return this.now();
  }

  advanceDays(days: number): Date {
    this.current += days * DAY_MS;
    return this.now();
  }
}

/** Records what the use cases ask of the workflow engine. */
export class RecordingWorkflowGateway implements WorkflowGateway {
  readonly started: string[] = [];
  readonly resumed: { taskToken: string; output: object }[] = [];
  /** Set to make the next start calls fail (e.g. Step Functions throttling). */
  failStartsWith: Error | undefined;

  async start(changeId: string, attempt = 1): Promise<void> {
    if (this.failStartsWith) throw this.failStartsWith;
    this.started.push(attempt > 1 ? `${changeId}#${attempt}` : changeId);
  }

  /** Set to make the next resume calls fail. */
  failResumesWith: Error | undefined;

  async resume(taskToken: string, output: object) {
    if (this.failResumesWith) throw this.failResumesWith;
    this.resumed.push({ taskToken, output });
    return 'resumed' as const;
  }
}

/** The local outbox, recording every send and its answer (the outbox keeps one row per messageId either way). */
export class RecordingMailer implements NoticeMailer {
  readonly sends: { messageId: string; result: 'sent' | 'already-sent' }[] = [];

  constructor(private readonly outbox: LocalOutboxMailer) {}

  async send(email: OutgoingEmail): Promise<'sent' | 'already-sent'> {
    const result = await this.outbox.send(email);
    this.sends.push({ messageId: email.messageId, result });
    return result;
  }

  /** How many times each messageId was really delivered (answered 'sent'). */
  deliveries(prefix: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { messageId, result } of this.sends) {
      if (result === 'sent' && messageId.startsWith(prefix)) counts[messageId] = (counts[messageId] ?? 0) + 1;
    }
    return counts;
  }
}

export interface IntegrationContext {
  deps: Dependencies;
  tables: TestTables;
  clock: TestClock;
  workflow: RecordingWorkflowGateway;
  outbox: LocalOutboxMailer;
  mailer: RecordingMailer;
  /** Every item of a table, by logical name (Partners, Changes, RateSchedule, TrustLedger, AuditTrail, LocalOutbox). */
  scan(logicalName: string): Promise<Record<string, unknown>[]>;
  /** Every item of every table, for "nothing was written" comparisons. */
  snapshot(): Promise<Record<string, Record<string, unknown>[]>>;
  /** The trust-ledger events of a change (of one rule, if given). */
  ledgerFor(changeId: string, rule?: string): Promise<Record<string, unknown>[]>;
  /** A change's audit entries in order, after checking that they verify as a chain against the head. */
  auditEntries(changeId: string): Promise<AuditEntry[]>;
  /** The outbox messages of a change (of one kind, if given), newest first. */
  messagesFor(changeId: string, kind?: string): Promise<OutboxMessage[]>;
  /** Counts the DynamoDB requests of one command (e.g. 'GetItem') sent from now until `stop()`. */
  countRequests(command: string): { stop(): number };
  close(): void;
}

export const TEST_LINK_SECRET = 'test-secret';
export const TEST_BASE_URL = 'http://local.test';
/** A Monday morning well after the demo partners' opening rates (2025-01-01). */
export const TEST_START = '2026-03-02T09:00:00.000Z';

export async function createIntegrationContext(
  options: { now?: string; seed?: boolean; policy?: Partial<LifecyclePolicy> } = {},
): Promise<IntegrationContext> {
  const tables = await createTestTables();
  // Marshalled exactly as in production (functions/adapters/dynamodb/document-client.ts).
  const documentClient = DynamoDBDocumentClient.from(tables.client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const names = tableNamesFromEnvironment(tables.environment);
  const clock = new TestClock(options.now ?? TEST_START);
  const workflow = new RecordingWorkflowGateway();
  const outbox = new LocalOutboxMailer(documentClient, names.localOutbox!, clock);
  const mailer = new RecordingMailer(outbox);
  // The digest file and signing key of local mode, in a directory of this context (the local S3 mirror is
  // the local system's: test/e2e).
  const auditDir = mkdtempSync(join(tmpdir(), 'pcn-audit-test-'));
  const deps: Dependencies = {
    clock,
    documentClient,
    tables: names,
    ...storesFor(documentClient, names),
    mailer,
    workflow,
    policyWorkflow: new RecordingWorkflowGateway(),
    // The policy rounds' S3 is the local system's (test/e2e/policy-workflow.e2e.test.ts); none here.
    manifests: {
      bucket: 'none',
      writeLines: async () => {
        throw new Error('No S3 in the integration context: use the local system');
      },
      readJson: async () => {
        throw new Error('No S3 in the integration context: use the local system');
      },
    },
    digests: new FileDigestArchive(join(auditDir, 'digests.jsonl')),
    digestSigner: new KeyFileDigestSigner(join(auditDir, 'signing-key.pem')),
    emailPace: { ratePerSecond: Number.POSITIVE_INFINITY, now: () => 0, sleep: async () => {} },
    acknowledgementLinkKeys: async () => parseLinkKeyring(TEST_LINK_SECRET),
    publicBaseUrl: TEST_BASE_URL,
    policy: { ...defaultLifecyclePolicy, ...options.policy },
    kinds: changeKinds,
    logger: new Logger({ serviceName: 'integration-test', logLevel: 'SILENT' }),
    metrics: new RecordingMetrics(),
  };
  if (options.seed ?? true) await seedDemoPartners(deps);

  const counters = new Set<{ command: string; count: number }>();
  documentClient.middlewareStack.add(
    (next, { commandName }) =>
      (request) => {
        for (const counter of counters) if (commandName === `${counter.command}Command`) counter.count += 1;
        return next(request);
      },
    { step: 'initialize', name: 'integrationRequestCounter' },
  );
  const countRequests = (command: string) => {
    const counter = { command, count: 0 };
    counters.add(counter);
    return {
      stop: () => {
        counters.delete(counter);
        return counter.count;
      },
    };
  };

  const scan = async (logicalName: string) => {
    const tableName = tables.tableNames[logicalName];
    if (!tableName) throw new Error(`No table ${logicalName}`);
    const items = await scanAll<Record<string, unknown>>(documentClient, {
      TableName: tableName,
      ConsistentRead: true,
    });
    return items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  };
  const snapshot = async () => {
    const all: Record<string, Record<string, unknown>[]> = {};
    for (const logicalName of Object.keys(tables.tableNames).sort())
      all[logicalName] = await scan(logicalName);
    return all;
  };
  const auditEntries = async (changeId: string) => {
    const entries = (await deps.changes.auditEntries(changeId)).sort((a, b) => a.seq - b.seq);
    const head = await readAuditHead(documentClient, names.auditTrail, auditStreamOf(changeId));
    const verdict = verifyChain(entries, head);
    if (!verdict.intact) throw new Error(`audit chain of ${changeId} broken: ${JSON.stringify(verdict)}`);
    return entries;
  };
  return {
    deps,
    tables,
    clock,
    workflow,
    outbox,
    mailer,
    scan,
    snapshot,
    ledgerFor: async (changeId, rule) =>
      (await scan('TrustLedger')).filter(
        (event) => event.changeId === changeId && (rule === undefined || event.rule === rule),
      ),
    auditEntries,
    countRequests,
    messagesFor: async (changeId, kind) =>
      (await outbox.list()).filter(
        (message) => message.changeId === changeId && (kind === undefined || message.kind === kind),
      ),
    close: () => {
      tables.client.destroy();
      rmSync(auditDir, { recursive: true, force: true });
    },
  };
}

export { isoDateAfter, realRationale } from './fixtures.ts';

/** Demo partners (local/seed.ts) used by the tests. */
export const northwind = {
  partnerId: 'northwind-resellers',
  ratePct: 12,
  contacts: ['nw-ops'],
  fallbacks: ['nw-owner'],
  allianceManager: 'dana',
} as const;
export const contoso = {
  partnerId: 'contoso-value-partners',
  ratePct: 15,
  contacts: ['cv-finance', 'cv-ceo'],
  fallbacks: ['cv-office'],
  allianceManager: 'luis',
  allianceManagerEmail: 'luis.ortega@vendor.example',
} as const;
export const fabrikam = {
  partnerId: 'fabrikam-solutions',
  ratePct: 18,
  contacts: ['fb-alliances'],
  fallbacks: ['fb-ceo'],
  allianceManager: 'aisha',
} as const;

/** A commission change request as POST /api/commission-changes takes it. */
export type CommissionChangeRequest = ChangeEnvelope & {
  currentRatePct: number;
  newRatePct: number;
  scope?: { products?: string[]; accounts?: string[] };
};

/** A cut that meets every rule for `partner` at `now` (notice period + a margin, real rationale). */
export function validCut(
  partner: { partnerId: string; ratePct: number },
  now: Date,
  noticeDays = 60,
  product?: string,
): CommissionChangeRequest {
  return {
    partnerId: partner.partnerId,
    currentRatePct: partner.ratePct,
    newRatePct: partner.ratePct - 2,
    effectiveDate: isoDateAfter(now, noticeDays),
    rationale: realRationale,
    // A product scope of its own lets one test hold several pending cuts for the same partner.
    ...(product ? { scope: { products: [product] } } : {}),
  };
}

/** Submits a commission change as `submittedBy`. */
export function submitCommission(
  context: IntegrationContext,
  request: CommissionChangeRequest,
  submittedBy = 'finance-user',
  idempotencyKey?: string,
) {
  // A submitter who has read the dry run's trust forecast, unless the test says otherwise: the threshold's own
  // rule is tested by test/integration/trust-forecast.test.ts, and repeated cuts in one test file would
  // otherwise trip it in tests about something else.
  const read = 'trustForecastRead' in request ? request : { ...request, trustForecastRead: true };
  return submitChange(context.deps, 'commission-change', read, submittedBy, idempotencyKey);
}

/** The token in an outbox message's acknowledgement link. */
export function tokenOf(message: Pick<OutboxMessage, 'links'>): { noticeId: string; token: string } {
  const url = new URL(message.links[0]!);
  const noticeId = decodeURIComponent(url.pathname.split('/').at(-1)!);
  return { noticeId, token: url.searchParams.get('token')! };
}

/** The link tokens of the notice emails of a change, by contact (the last message of each contact wins). */
export async function noticeTokens(
  context: IntegrationContext,
  changeId: string,
  kinds: readonly string[] = ['notice'],
): Promise<{ noticeId: string; tokens: Record<string, string> }> {
  const messages = (await context.outbox.list())
    .filter((message) => message.changeId === changeId && kinds.includes(message.kind))
    .reverse();
  const tokens: Record<string, string> = {};
  let noticeId = '';
  for (const message of messages) {
    const contactId = message.messageId.split('#').at(-1)!;
    const link = tokenOf(message);
    tokens[contactId] = link.token;
    noticeId = link.noticeId;
  }
  return { noticeId, tokens };
}

/**
 * Submits a valid cut for `partner`, has it approved by a second person, and sends its notice; returns the
 * change id and each contact's link token. (A transactional or enhanced partner: no consultation.)
 */
export async function deliveredCut(
  context: IntegrationContext,
  partner: { partnerId: string; ratePct: number },
  submittedBy = 'finance-user',
  product?: string,
): Promise<{ changeId: string; noticeId: string; tokens: Record<string, string> }> {
  const submitted = await submitCommission(
    context,
    validCut(partner, context.clock.now(), 60, product),
    submittedBy,
  );
  if (submitted.outcome !== 'created') throw new Error(`submission refused: ${JSON.stringify(submitted)}`);
  const changeId = submitted.change.changeId;
  const approved = await approveChange(context.deps, changeId, {
    by: 'approver-user',
    comment: 'Looks right.',
  });
  if (!approved.ok) throw new Error(`approval refused: ${JSON.stringify(approved)}`);
  await sendNotice(context.deps, changeId);
  return { changeId, ...(await noticeTokens(context, changeId)) };
}

/**
 * A cut for `partner` through submit, approval, notice, delivery, acknowledgement (by its first contact) and
 * apply (the clock moved to the apply time and back): six audit entries on the change's stream.
 */
export async function appliedCut(
  context: IntegrationContext,
  partner: { partnerId: string; ratePct: number; contacts: readonly string[] },
  submittedBy = 'finance-user',
  product?: string,
): Promise<string> {
  const { changeId, noticeId, tokens } = await deliveredCut(context, partner, submittedBy, product);
  const outcome = await acknowledgeNotice(context.deps, {
    noticeId,
    token: tokens[partner.contacts[0]!]!,
    sourceIp: '192.0.2.20',
    userAgent: 'test',
  });
  if (outcome.outcome !== 'recorded') throw new Error(`acknowledgement refused: ${JSON.stringify(outcome)}`);
  const saved = context.clock.now();
  context.clock.set((await context.deps.changes.get(changeId))!.notice!.applyAt);
  await applyChange(context.deps, changeId);
  context.clock.set(saved);
  return changeId;
}
