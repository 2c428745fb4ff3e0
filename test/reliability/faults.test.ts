import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepFunctionsClient } from '../../functions/adapters/step-functions/workflow-gateway.ts';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { createStartPendingWorkflowsHandler } from '../../functions/handlers/start-pending-workflows.ts';
import { DEFAULT_GRACE_SECONDS } from '../../functions/notices/start-pending-workflows.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import {
  ApiClient,
  type ApiResponse,
  type ChangeView,
  isoDateAfter,
  realRationale,
} from '../support/api-client.ts';
import {
  DynamoDbFaults,
  dynamoDbFaultNames,
  FlakyMailer,
  StepFunctionsOutage,
  TaskFaults,
} from '../support/faults.ts';
import {
  countBy,
  createPartners,
  type LoadPartner,
  ledgerByChange,
  settled,
  verifiedAuditEntries,
} from '../support/reliability.ts';
import { sized } from '../support/reliability-size.ts';
import { TEST_SYSTEM_START } from '../support/test-system.ts';

/**
 * Faults injected into the real local engines (DynamoDB Local, the ASL on the local Step Functions runtime,
 * the virtual clock) through the system's test-only `faults` hooks: DynamoDB throttling and 500s, a failing
 * mailer, task handlers that throw or stall, and a Step Functions endpoint that refuses StartExecution. Each
 * scenario asserts where the change ends — compared with the same change made without faults — and that
 * nothing was done twice: emails, audit entries, trust-ledger events, rate entries, executions.
 *
 * Retries run at once (instantRetries) and time moves only on the virtual clock; every wait for the
 * workflows is bounded by a watchdog that fails the test as a hang.
 */
const CHANGES_UNDER_DYNAMODB_FAULTS = sized({ ci: 5, full: 40 });
/** Share of the product's DynamoDB request attempts failed while the faults are armed. */
const DYNAMODB_FAULT_RATE = 0.1;
/** Every Task's transient-error Retry in workflows/notice-lifecycle.asl.json: 1 call + MaxAttempts 4. */
const CALLS_BEFORE_RECORD_FAILURE = 5;

const dynamodb = new DynamoDbFaults({ seed: 20261123, rate: DYNAMODB_FAULT_RATE });
const tasks = new TaskFaults();
const stepFunctions = new StepFunctionsOutage();
let mailer: FlakyMailer;

let system: LocalSystem;
let api: ApiClient;
let sfn: SFNClient;
let finance: string;
let approver: string;
/** Every answer the API gave in the current test: none may be a 5xx. */
let answers: { call: string; status: number }[] = [];
/** Where a change made without any fault ends up: what every faulted change must end up as too. */
let reference: EndState;

beforeAll(async () => {
  system = await startLocalSystem({
    frozenAt: TEST_SYSTEM_START,
    instantRetries: true,
    // The failures are injected on purpose: their error logs would bury the run's output.
    logLevel: 'SILENT',
    faults: {
      dynamodb: dynamodb.install,
      stepFunctions: stepFunctions.install,
      mailer: (outbox) => {
        mailer = new FlakyMailer(outbox, ['notice']);
        return mailer;
      },
      task: tasks.wrap,
    },
  });
  api = new ApiClient(system.baseUrl);
  sfn = createStepFunctionsClient(system.stepFunctionsEndpoint);
  finance = await api.token('finance', 'fiona');
  approver = await api.token('approver', 'amara');
  const [control] = await createPartners(system, 'reference', 1, 2);
  const changeId = await acknowledgedCut(control!);
  await applyAll([changeId]);
  reference = await endState(changeId);
}, 90_000);

afterAll(async () => {
  sfn?.destroy();
  await system?.stop();
});

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: Parameters<ApiClient['request']>[2],
): Promise<ApiResponse<T>> {
  const response = await api.request<T>(method, path, options);
  answers.push({ call: `${method} ${path}`, status: response.status });
  return response;
}

function expectNoServerErrors() {
  expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
  answers = [];
}

/** A 1-point cut for the partner, effective in 31 days (transactional: 30 days' notice). */
function cutRequest(partner: LoadPartner) {
  return {
    partnerId: partner.partnerId,
    currentRatePct: partner.ratePct,
    newRatePct: partner.ratePct - 1,
    effectiveDate: isoDateAfter(system.clock.now(), 31),
    rationale: realRationale,
  };
}

async function submittedCut(partner: LoadPartner): Promise<string> {
  const response = await call<{ changeId: string }>('POST', '/api/commission-changes', {
    token: finance,
    json: cutRequest(partner),
  });
  expect(response.status, response.text).toBe(201);
  return response.body.changeId;
}

async function approve(changeId: string): Promise<void> {
  const response = await call('POST', `/api/changes/${changeId}/approval`, {
    token: approver,
    json: { decision: 'approve', comment: 'Checked the numbers and the rationale.' },
  });
  expect(response.status, response.text).toBe(200);
}

async function noticeLinks(changeId: string): Promise<URL[]> {
  return (await system.outbox.list())
    .filter((message) => message.changeId === changeId && message.kind === 'notice')
    .map((message) => new URL(message.links[0]!));
}

/** The first recipient presses Acknowledge. */
async function acknowledge(changeId: string): Promise<void> {
  const [link] = await noticeLinks(changeId);
  expect(link, `notice link of ${changeId}`).toBeDefined();
  const response = await call('POST', `${link!.pathname}/acknowledgement`, {
    form: { token: link!.searchParams.get('token')! },
  });
  expect(response.status, response.text).toBe(200);
  await settled(system, `the acknowledged ${changeId}`);
}

/** Submitted, approved, its notice out and acknowledged: scheduled. */
async function acknowledgedCut(partner: LoadPartner): Promise<string> {
  const changeId = await submittedCut(partner);
  await approve(changeId);
  await settled(system, `the notice of ${changeId}`);
  await acknowledge(changeId);
  return changeId;
}

async function view(changeId: string): Promise<ChangeView> {
  const response = await call<ChangeView>('GET', `/api/changes/${changeId}`, { token: finance });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** Moves the virtual clock past the latest apply date of the changes, letting every workflow act on the way. */
async function applyAll(changeIds: readonly string[]): Promise<void> {
  const applyAts = await Promise.all(
    changeIds.map(async (changeId) => Date.parse((await view(changeId)).applyAt!)),
  );
  await system.advanceAndSettle(Math.max(...applyAts) - system.clock.now().getTime() + DAY_MS);
  await settled(system, 'the apply dates');
}

async function executionsOf(changeId: string): Promise<{ name: string; status: string }[]> {
  const executions: { name: string; status: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: system.stateMachineArn, maxResults: 1000, nextToken }),
    );
    for (const execution of page.executions ?? []) {
      if (execution.name === changeId || execution.name?.startsWith(`${changeId}-retry-`))
        executions.push({ name: execution.name, status: execution.status ?? '?' });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return executions.sort((a, b) => a.name.localeCompare(b.name));
}

interface EndState {
  status: string;
  /** Audit entries by type (the chain verified). */
  audit: Record<string, number>;
  /** Trust-ledger events by rule. */
  ledger: Record<string, number>;
  /** Emails about the change by kind. */
  emails: Record<string, number>;
  /** How many notice emails each recipient got. */
  noticesPerRecipient: number[];
  /** Dated rate entries the change wrote. */
  rateEntries: number;
  /** Its executions' statuses, first to last. */
  executions: string[];
}

async function endState(changeId: string): Promise<EndState> {
  const change = await system.deps.changes.get(changeId);
  if (!change) throw new Error(`change ${changeId} is missing`);
  const messages = (await system.outbox.list()).filter((message) => message.changeId === changeId);
  const notices = messages.filter((message) => message.kind === 'notice');
  return {
    status: change.status,
    audit: countBy(await verifiedAuditEntries(system, changeId), (entry) => entry.type),
    ledger: countBy((await ledgerByChange(system)).get(changeId) ?? [], (event) => event.rule),
    emails: countBy(messages, (message) => message.kind),
    noticesPerRecipient: Object.values(countBy(notices, (message) => message.to[0]!.email)),
    rateEntries: (await system.deps.partners.rateSchedule(change.partnerId)).filter(
      (entry) => entry.changeId === changeId,
    ).length,
    executions: (await executionsOf(changeId)).map((execution) => execution.status),
  };
}

describe('a change made without faults (the reference every faulted change is held to)', () => {
  it('is applied with one notice per recipient and each step recorded once', () => {
    expect(reference).toMatchObject({
      status: 'applied',
      noticesPerRecipient: [1, 1],
      rateEntries: 1,
      executions: ['SUCCEEDED'],
    });
    expect(reference.audit).toEqual({
      'change-submitted': 1,
      'approval-recorded': 1,
      'notice-sent': 1,
      'notice-delivered': 1,
      'acknowledgement-recorded': 1,
      'change-applied': 1,
    });
    expect(Object.values(reference.ledger).every((count) => count === 1)).toBe(true);
  });
});

describe('DynamoDB throttling and transient errors', () => {
  it(`${CHANGES_UNDER_DYNAMODB_FAULTS} changes made while ${DYNAMODB_FAULT_RATE * 100}% of DynamoDB attempts are throttled or answered 500 end exactly like the reference, and no answer is a 5xx`, async () => {
    const partners = await createPartners(system, 'dynamodb', CHANGES_UNDER_DYNAMODB_FAULTS, 2);
    dynamodb.armed = true;
    let changeIds: string[];
    try {
      changeIds = await Promise.all(partners.map((partner) => acknowledgedCut(partner)));
      await applyAll(changeIds);
    } finally {
      dynamodb.armed = false;
    }
    // The SDK's retries (maxAttempts) absorb every transient fault: the people involved never see one.
    expectNoServerErrors();
    for (const fault of dynamoDbFaultNames) expect(dynamodb.injected[fault], fault).toBeGreaterThan(0);
    console.log(
      `DynamoDB faults injected: ${dynamodb.total} of ${dynamodb.attempts} request attempts (${JSON.stringify(dynamodb.injected)})`,
    );
    for (const changeId of changeIds) expect(await endState(changeId), changeId).toEqual(reference);
  }, 120_000);
});

describe('email failures', () => {
  it('SendNotice retries a mailer that fails its first sends; the notice goes out once to each recipient', async () => {
    const [partner] = await createPartners(system, 'mail-blip', 1, 2);
    const changeId = await submittedCut(partner!);
    mailer.failuresLeft = 3;
    await approve(changeId);
    await settled(system, `the notice of ${changeId}`);
    expect(mailer.failuresLeft).toBe(0);
    expect(tasks.callsOf('SendNoticeFunctionArn', changeId)).toBeGreaterThan(1);
    expect((await view(changeId)).status).toBe('notice-sent');
    await acknowledge(changeId);
    await applyAll([changeId]);
    expect(await endState(changeId)).toEqual(reference);
    expectNoServerErrors();
  });

  it('a mailer that keeps failing ends the workflow in RecordFailure: workflow-failed, visibly; the operator’s retry sends the notice once and counts the notice period from its delivery', async () => {
    const [partner] = await createPartners(system, 'mail-down', 1, 2);
    const changeId = await submittedCut(partner!);
    mailer.failuresLeft = Number.POSITIVE_INFINITY;
    await approve(changeId);
    await settled(system, `the failing notice of ${changeId}`);
    expect(tasks.callsOf('SendNoticeFunctionArn', changeId)).toBe(CALLS_BEFORE_RECORD_FAILURE);
    const failed = await view(changeId);
    expect(failed.status).toBe('workflow-failed');
    expect(failed.openTasks).toEqual([{ task: 'retry-workflow', who: 'an operator' }]);
    expect(await executionsOf(changeId)).toEqual([{ name: changeId, status: 'FAILED' }]);
    expect(await noticeLinks(changeId)).toEqual([]);

    // Two days pass before anyone fixes the mail: nothing moves on its own, nothing is retried in a loop.
    await system.advanceAndSettle(2 * DAY_MS);
    expect((await view(changeId)).status).toBe('workflow-failed');
    expect(tasks.callsOf('SendNoticeFunctionArn', changeId)).toBe(CALLS_BEFORE_RECORD_FAILURE);

    mailer.failuresLeft = 0;
    const retried = await call<{ attempt: number }>('POST', `/api/changes/${changeId}/retry`, {
      token: finance,
    });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.attempt).toBe(2);
    await settled(system, `the retried ${changeId}`);
    const sent = await system.deps.changes.get(changeId);
    expect(sent?.status).toBe('notice-sent');
    // The notice reached the partner only now: its delivery is recorded, and the apply date counts from it.
    const deliveredAt = sent?.notice?.deliveredAt;
    expect(deliveredAt, 'the notice’s delivery is recorded').toBe(system.clock.now().toISOString());
    expect(Date.parse(sent!.notice!.applyAt)).toBeGreaterThanOrEqual(
      Date.parse(deliveredAt!) + sent!.noticePeriodDays * DAY_MS,
    );
    const again = await call('POST', `/api/changes/${changeId}/retry`, { token: finance });
    expect(again.status).toBe(409);

    await acknowledge(changeId);
    await applyAll([changeId]);
    expect(await endState(changeId)).toEqual({
      ...reference,
      audit: { ...reference.audit, 'workflow-failed': 1, 'workflow-retried': 1 },
      executions: ['FAILED', 'SUCCEEDED'],
    });
    expect(await executionsOf(changeId)).toEqual([
      { name: changeId, status: 'FAILED' },
      { name: `${changeId}-retry-1`, status: 'SUCCEEDED' },
    ]);
    answers = answers.filter((answer) => answer.status !== 409);
    expectNoServerErrors();
  });
});

describe('task handlers that fail or stall', () => {
  it('a transient error once in every task is retried: the change applies exactly as the reference', async () => {
    const [partner] = await createPartners(system, 'task-blip', 1, 2);
    // Advance and AwaitEvent run as soon as the change is submitted, before its id is known here.
    tasks.fail('AdvanceFunctionArn', 1);
    tasks.fail('AwaitEventFunctionArn', 1);
    const changeId = await submittedCut(partner!);
    tasks.fail('SendNoticeFunctionArn', 1, changeId);
    tasks.fail('ApplyChangeFunctionArn', 1, changeId);
    await settled(system, `the submitted ${changeId}`);
    expect((await view(changeId)).status).toBe('awaiting-approval');
    await approve(changeId);
    await settled(system, `the notice of ${changeId}`);
    await acknowledge(changeId);
    await applyAll([changeId]);
    for (const task of ['AdvanceFunctionArn', 'SendNoticeFunctionArn', 'ApplyChangeFunctionArn'] as const)
      expect(tasks.callsOf(task, changeId), task).toBeGreaterThanOrEqual(2);
    expect(await endState(changeId)).toEqual(reference);
    expectNoServerErrors();
  });

  it('a task that always fails is caught into RecordFailure — a named state, never a hang — and the operator’s retry applies the change once', async () => {
    const [partner] = await createPartners(system, 'task-down', 1, 2);
    const changeId = await submittedCut(partner!);
    tasks.fail('ApplyChangeFunctionArn', Number.POSITIVE_INFINITY, changeId);
    await approve(changeId);
    await settled(system, `the notice of ${changeId}`);
    await acknowledge(changeId);
    await applyAll([changeId]);
    expect(tasks.callsOf('ApplyChangeFunctionArn', changeId)).toBe(CALLS_BEFORE_RECORD_FAILURE);
    const failed = await view(changeId);
    expect(failed.status).toBe('workflow-failed');
    expect(failed.openTasks).toEqual([{ task: 'retry-workflow', who: 'an operator' }]);
    const failure = (await verifiedAuditEntries(system, changeId)).find(
      (entry) => entry.type === 'workflow-failed',
    );
    expect(failure?.details).toMatchObject({ error: 'InjectedTaskFault', failedFrom: 'scheduled' });
    expect((await endState(changeId)).rateEntries).toBe(0);

    // Days later it is still there, named, and nothing loops.
    await system.advanceAndSettle(3 * DAY_MS);
    expect((await view(changeId)).status).toBe('workflow-failed');
    expect(tasks.callsOf('ApplyChangeFunctionArn', changeId)).toBe(CALLS_BEFORE_RECORD_FAILURE);

    tasks.heal('ApplyChangeFunctionArn', changeId);
    const retried = await call('POST', `/api/changes/${changeId}/retry`, { token: finance });
    expect(retried.status, retried.text).toBe(200);
    await settled(system, `the retried ${changeId}`);
    expect(await endState(changeId)).toEqual({
      ...reference,
      audit: { ...reference.audit, 'workflow-failed': 1, 'workflow-retried': 1 },
      executions: ['FAILED', 'SUCCEEDED'],
    });
    expectNoServerErrors();
  });

  it('stalled tasks block no one: an approval overtakes the first wait, a withdrawal overtakes SendNotice, and no notice goes out for the withdrawn change, which no sweep starts again', async () => {
    const [partner] = await createPartners(system, 'task-slow', 1, 2);
    // The first wait is held before it parks its token (it runs before the change's id is known here).
    const firstWait = tasks.hold('AwaitEventFunctionArn');
    const changeId = await submittedCut(partner!);
    await within(firstWait.entered, 'the first AwaitEvent');
    const sending = tasks.hold('SendNoticeFunctionArn', changeId);
    await approve(changeId);
    // The wait finds the change moved on (approved) and resumes the workflow itself: on to SendNotice, held.
    firstWait.release();
    await within(sending.entered, 'SendNotice');
    expect((await view(changeId)).status).toBe('notice-due');
    const withdrawn = await call('POST', `/api/changes/${changeId}/withdrawal`, {
      token: finance,
      json: { reason: 'The supplier reversed its price rise this morning.' },
    });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    sending.release();
    await settled(system, `the released ${changeId}`);
    const state = await endState(changeId);
    expect(state.status).toBe('withdrawn');
    expect(state.audit['notice-sent']).toBeUndefined();
    expect(state.emails.notice).toBeUndefined();
    expect(state.rateEntries).toBe(0);
    expect(state.executions).toEqual(['SUCCEEDED']);
    expect(tasks.callsOf('SendNoticeFunctionArn', changeId)).toBe(1);
    // Ended, it is nothing the pending-workflow sweep should start again.
    const later = new Date(system.clock.now().getTime() + DAY_MS).toISOString();
    expect(
      (await system.deps.changes.pendingWorkflows(later)).map((pending) => pending.changeId),
    ).not.toContain(changeId);
    expectNoServerErrors();
  });
});

describe('Step Functions refusing StartExecution', () => {
  it('loses no submission: answered 201, it is recorded whole; a same-key retry or the pending-workflow sweep starts it once the endpoint is back, and it proceeds exactly as the reference', async () => {
    const [retrying, leaving] = await createPartners(system, 'sfn-down', 2, 2);
    const retried = { ...cutRequest(retrying!) };
    const left = { ...cutRequest(leaving!) };
    const submit = (json: object, headers: Record<string, string> = {}) =>
      call<{ changeId: string; replayed: boolean; conflictingChangeId?: string }>(
        'POST',
        '/api/commission-changes',
        { token: finance, json, headers },
      );
    stepFunctions.refusing = true;
    const refusedAnswers = [await submit(retried, { 'idempotency-key': 'sfn-down-1' }), await submit(left)];
    expect(stepFunctions.refused).toBeGreaterThan(0);
    // A dependency outage past the SDK's retries: the change is committed whole, so the answer is 201; only its
    // workflow's start waits (for a same-key retry or the sweep).
    for (const answer of refusedAnswers) expect(answer.status, answer.text).toBe(201);

    // Nothing is lost: both changes are recorded, awaiting approval, though no workflow runs them yet.
    const recorded = async (partnerId: string) => {
      const list = await call<{ items: { changeId: string; status: string }[] }>(
        'GET',
        `/api/changes?partnerId=${partnerId}`,
        { token: finance },
      );
      expect(list.body.items.map((item) => item.status)).toEqual(['awaiting-approval']);
      return list.body.items[0]!.changeId;
    };
    const retriedId = await recorded(retrying!.partnerId);
    const leftId = await recorded(leaving!.partnerId);
    expect(await executionsOf(retriedId)).toEqual([]);
    expect(await executionsOf(leftId)).toEqual([]);
    // A retry without a key is not a second change: it is told about the first.
    const duplicate = await submit(left);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.conflictingChangeId).toBe(leftId);
    answers = answers.filter((answer) => answer.status !== 409);

    stepFunctions.refusing = false;
    // The client's retry with the same key gets its change back and starts its workflow.
    const replayed = await submit(retried, { 'idempotency-key': 'sfn-down-1' });
    expect(replayed.status, replayed.text).toBe(200);
    expect(replayed.body).toMatchObject({ changeId: retriedId, replayed: true });
    await settled(system, `the replayed ${retriedId}`);
    // The sweep (on a schedule in AWS) starts what nobody retried once its grace has passed; once only.
    const sweep = createStartPendingWorkflowsHandler(system.deps);
    await system.advanceAndSettle((DEFAULT_GRACE_SECONDS + 1) * 1000);
    expect(await sweep({})).toMatchObject({ started: 1 });
    await settled(system, `the swept ${leftId}`);
    expect(await sweep({})).toMatchObject({ started: 0 });

    for (const changeId of [retriedId, leftId]) {
      await approve(changeId);
      await settled(system, `the notice of ${changeId}`);
      expect((await view(changeId)).status).toBe('notice-sent');
      await acknowledge(changeId);
    }
    await applyAll([retriedId, leftId]);
    for (const changeId of [retriedId, leftId]) expect(await endState(changeId), changeId).toEqual(reference);
    expectNoServerErrors();
  });
});

/** Awaits `promise`, failing as a hang naming `what` if it has not resolved within `seconds` of real time. */
async function within<T>(promise: Promise<T>, what: string, seconds = 30): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`waited ${seconds} s for ${what} (a hang)`)),
          seconds * 1000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
