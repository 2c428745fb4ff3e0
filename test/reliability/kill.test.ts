import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '@pcn/dynamodb-local';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { scanAll } from '../../functions/adapters/dynamodb/all-items.ts';
import { type AuditEntry, type AuditStreamHead, verifyChain } from '../../functions/domain/audit-chain.ts';
import { ApiClient, type EventView, isoDateAfter, realRationale } from '../support/api-client.ts';
import { type RunningLocalProcess, startLocalProcess } from '../support/local-process.ts';
import { POLICY_STAFF, policyRequest, regionPartnerInputs } from '../support/policy.ts';
import { reliabilitySize, sized } from '../support/reliability-size.ts';

/**
 * Kill tests: `npm start` is SIGKILLed as a whole process group (DynamoDB Local included) at random points
 * of three whole changes — a plain cut, a disputed one, an escalated one — and of a program policy change
 * fanned out to a region of partners (workflows/policy-change.asl.json: each round a Distributed Map over an
 * S3 manifest, in batches of 25), sometimes between two steps, sometimes while a step is in flight (a request
 * half-handled, a workflow half-way through its tasks, a round half-way through its batches). It is started
 * again on the same data, the interrupted step is tried again as a person would, and every change must end
 * exactly as it does in a run without kills: the same status and timeline, the same emails, audit entries,
 * trust ledger events, rate entries and public events — nothing lost, nothing doubled. For the policy change:
 * the same coverage and rounds, every partner in the same state, each partner's emails once per round.
 *
 * The kill plans are drawn by fast-check from a seed (printed; KILL_SEED=<n> replays one). No shrinking: one
 * run costs several process starts, so a failure reports its plan instead.
 */

type ScenarioName = 'plain' | 'disputed' | 'escalated';

interface ScenarioState {
  changeId?: string;
  startedAt?: Date;
  effectiveDate?: string;
}

interface PolicyState {
  policyChangeId?: string;
  startedAt?: Date;
}

interface Context {
  api: ApiClient;
  scenarios: Record<ScenarioName, ScenarioState>;
  policy: PolicyState;
}

interface Step {
  name: string;
  /** `again` is true when a kill may have cut the previous attempt short: it may already have happened. */
  run(context: Context, again: boolean): Promise<void>;
  /**
   * The step runs policy sending rounds, which send this many emails in a run without kills: a kill may be
   * timed by them (see Kill).
   */
  fansOut?: number;
}

const PARTNER = 'northwind-resellers';
const DAY_MS = 86_400_000;

function expectStatus(
  response: { status: number; text: string },
  ok: number[],
  again: boolean,
  what: string,
) {
  // A step repeated after a kill may find its work done: a conflict then means "already", not a failure.
  const accepted = again ? [...ok, 409] : ok;
  if (!accepted.includes(response.status)) throw new Error(`${what}: ${response.status} ${response.text}`);
}

function changeOf(context: Context, scenario: ScenarioName): string {
  const changeId = context.scenarios[scenario].changeId;
  if (!changeId) throw new Error(`${scenario}: no change yet`);
  return changeId;
}

/** The newest notice link of a change, pointed at the currently running server. */
async function noticeLink(context: Context, scenario: ScenarioName): Promise<URL> {
  const notices = await context.api.messagesOf(changeOf(context, scenario), ['notice']);
  const link = notices.at(-1)?.links[0];
  if (!link) throw new Error(`${scenario}: no notice sent`);
  const url = new URL(link);
  return new URL(`${url.pathname}${url.search}`, context.api.baseUrl);
}

function scenarioSteps(scenario: ScenarioName): Step[] {
  const submit: Step = {
    name: `${scenario}: submit`,
    run: async (context, again) => {
      const state = context.scenarios[scenario];
      state.startedAt ??= await context.api.now();
      state.effectiveDate ??= isoDateAfter(state.startedAt, 31);
      const response = await context.api.request<{ changeId: string }>('POST', '/api/commission-changes', {
        token: await context.api.token('finance', 'fiona'),
        headers: { 'idempotency-key': `kill-test-${scenario}` },
        json: {
          partnerId: PARTNER,
          currentRatePct: 12,
          newRatePct: 11,
          effectiveDate: state.effectiveDate,
          rationale: realRationale,
          scope: { products: [`kill-${scenario}`] },
        },
      });
      expectStatus(response, [200, 201], false, `${scenario}: submit`);
      state.changeId = response.body.changeId;
      if (again) await context.api.settle();
    },
  };
  const approve: Step = {
    name: `${scenario}: approve`,
    run: async (context, again) => {
      const response = await context.api.request(
        'POST',
        `/api/changes/${changeOf(context, scenario)}/approval`,
        {
          token: await context.api.token('approver', 'amara'),
          json: { decision: 'approve', comment: 'Checked the numbers and the rationale.' },
        },
      );
      expectStatus(response, [200], again, `${scenario}: approve`);
      await context.api.settle();
    },
  };
  const partnerPost = (
    name: string,
    action: 'acknowledgement' | 'concern',
    extra: Record<string, string> = {},
  ) => ({
    name: `${scenario}: ${name}`,
    run: async (context: Context, again: boolean) => {
      const link = await noticeLink(context, scenario);
      const response = await context.api.request('POST', `${link.pathname}/${action}`, {
        form: { token: link.searchParams.get('token') ?? '', ...extra },
      });
      expectStatus(response, [200], again, `${scenario}: ${name}`);
      await context.api.settle();
    },
  });
  const advanceTo = (days: number): Step => ({
    name: `${scenario}: advance to day ${days}`,
    run: async (context) => {
      // An absolute target, so a repeated step never moves the clock twice.
      const target = (context.scenarios[scenario].startedAt?.getTime() ?? 0) + days * DAY_MS;
      const now = (await context.api.now()).getTime();
      if (target > now) await context.api.advance((target - now) / DAY_MS);
      await context.api.settle();
    },
  });
  const acknowledge = partnerPost('acknowledge', 'acknowledgement');
  switch (scenario) {
    case 'plain':
      return [submit, approve, acknowledge, advanceTo(32)];
    case 'disputed':
      return [
        submit,
        approve,
        partnerPost('raise a concern', 'concern', { comment: 'The timing hurts our quarter badly.' }),
        {
          name: 'disputed: uphold',
          run: async (context, again) => {
            const response = await context.api.request(
              'POST',
              `/api/changes/${changeOf(context, scenario)}/dispute-resolution`,
              {
                token: await context.api.token('partner-manager', 'dana'),
                json: {
                  outcome: 'upheld',
                  answer: 'Deals registered this quarter keep the current rate; the cut stands.',
                },
              },
            );
            expectStatus(response, [200], again, 'disputed: uphold');
            await context.api.settle();
          },
        },
        acknowledge,
        advanceTo(32),
      ];
    case 'escalated':
      // No acknowledgement until day 12: reminders on days 3 and 7, the escalation on day 10.
      return [submit, approve, advanceTo(12), acknowledge, advanceTo(32)];
  }
}

const scenarios: readonly ScenarioName[] = ['plain', 'disputed', 'escalated'];

/**
 * The policy change's partners: a region of their own (the seed partners stay out of its segment), enough of
 * them for three batches of 25 per round (25 + 25 + 10), all transactional (reminders on days 3 and 7, the
 * escalation on day 10).
 */
const POLICY_PARTNERS = regionPartnerInputs({ prefix: 'kill', region: 'KILL-REGION', count: 60 });
const POLICY_DAYS = { effective: 40, firstReminderDone: 4, escalationDone: 12, outcomesDone: 41 } as const;
/**
 * The email rate the policy rounds are paced at (POLICY_EMAIL_RATE; each of the 10 concurrent batches gets a
 * tenth): a batch of 25 takes ≈ 1.25 s of real time, so a kill a random moment into a round's step lands
 * inside its Distributed Map more often than not.
 */
const POLICY_EMAIL_RATE = 200;
/** Partners who acknowledge at once, and partners who do after the first reminder; the rest stay silent. */
const PROMPT = POLICY_PARTNERS.slice(0, 3).map((partner) => partner.partnerId);
const AFTER_REMINDER = POLICY_PARTNERS.slice(3, 5).map((partner) => partner.partnerId);
const SILENT_AT_FIRST = POLICY_PARTNERS.slice(PROMPT.length);
const SILENT = SILENT_AT_FIRST.slice(AFTER_REMINDER.length);

function policyOf(context: Context): string {
  const policyChangeId = context.policy.policyChangeId;
  if (!policyChangeId) throw new Error('policy: no policy change yet');
  return policyChangeId;
}

/** The partner's notice link from its primary contact's notice email, pointed at the running server. */
async function policyNoticeLink(context: Context, partnerId: string): Promise<URL> {
  const primary = POLICY_PARTNERS.find((partner) => partner.partnerId === partnerId)?.contacts[0]?.email;
  const notice = (await context.api.messagesOf(policyOf(context), ['notice'])).find((message) =>
    message.to.some((to) => to.email === primary),
  );
  const link = notice?.links[0];
  if (!link) throw new Error(`policy: no notice sent to ${partnerId}`);
  const url = new URL(link);
  return new URL(`${url.pathname}${url.search}`, context.api.baseUrl);
}

function policySteps(): Step[] {
  const acknowledgeAs = (name: string, partnerIds: readonly string[]): Step => ({
    name: `policy: ${name}`,
    run: async (context) => {
      for (const partnerId of partnerIds) {
        const link = await policyNoticeLink(context, partnerId);
        // A repeated acknowledgement answers 200 "already recorded" and writes nothing.
        const response = await context.api.request('POST', `${link.pathname}/acknowledgement`, {
          form: { token: link.searchParams.get('token') ?? '' },
        });
        expectStatus(response, [200], false, `policy: acknowledge as ${partnerId}`);
      }
      await context.api.settle();
    },
  });
  const advanceTo = (days: number, what: string, emails?: number): Step => ({
    name: `policy: advance to day ${days} (${what})`,
    ...(emails ? { fansOut: emails } : {}),
    run: async (context) => {
      const target = (context.policy.startedAt?.getTime() ?? 0) + days * DAY_MS;
      const now = (await context.api.now()).getTime();
      if (target > now) await context.api.advance((target - now) / DAY_MS);
      await context.api.settle();
    },
  });
  return [
    {
      name: 'policy: import the region’s partners',
      run: async (context, again) => {
        // One import call, rows as JSON Lines: a repeat finds the partners already there (unchanged).
        const response = await context.api.request<{ created: number; unchanged: number }>(
          'POST',
          '/api/partner-imports',
          {
            token: await context.api.token('partner-manager', POLICY_STAFF.manager),
            headers: { 'content-type': 'application/x-ndjson' },
            body: POLICY_PARTNERS.map((partner) => `${JSON.stringify(partner)}\n`).join(''),
          },
        );
        expectStatus(response, [200], false, 'policy: import');
        const imported = response.body.created + response.body.unchanged;
        if (imported !== POLICY_PARTNERS.length || (!again && response.body.created !== imported))
          throw new Error(`policy: import ${response.text}`);
      },
    },
    {
      name: 'policy: submit',
      run: async (context) => {
        const state = context.policy;
        state.startedAt ??= await context.api.now();
        // Adverse, so it waits for an approver: the notice round runs in the approve step.
        const response = await context.api.request<{ policyChangeId: string }>(
          'POST',
          '/api/policy-changes',
          {
            token: await context.api.token('partner-manager', POLICY_STAFF.manager),
            headers: { 'idempotency-key': 'kill-test-policy' },
            json: policyRequest('KILL-REGION', isoDateAfter(state.startedAt, POLICY_DAYS.effective), {
              adverse: true,
            }),
          },
        );
        // 201 created, or 200 replayed: the key already created it before a kill.
        expectStatus(response, [200, 201], false, 'policy: submit');
        state.policyChangeId = response.body.policyChangeId;
      },
    },
    {
      name: 'policy: approve (the notice round)',
      fansOut: POLICY_PARTNERS.length,
      run: async (context, again) => {
        const response = await context.api.request(
          'POST',
          `/api/policy-changes/${policyOf(context)}/approve`,
          {
            token: await context.api.token('approver', POLICY_STAFF.approver),
            json: { comment: 'Checked with legal; the segment is right.' },
          },
        );
        expectStatus(response, [200], again, 'policy: approve');
        await context.api.settle();
      },
    },
    acknowledgeAs('acknowledge at once as three partners', PROMPT),
    advanceTo(POLICY_DAYS.firstReminderDone, 'the first reminder round', SILENT_AT_FIRST.length),
    acknowledgeAs('acknowledge after the reminder as two partners', AFTER_REMINDER),
    // The second reminder, then per partner its primary and fallback contacts and its alliance manager.
    advanceTo(POLICY_DAYS.escalationDone, 'the second reminder and the escalation rounds', SILENT.length * 4),
    advanceTo(POLICY_DAYS.outcomesDone, 'the outcome round'),
  ];
}

const allSteps = [...scenarios.flatMap(scenarioSteps), ...policySteps()];

/** Everything a change left behind, without ids and instants (they differ between runs by design). */
async function endStateOf(api: ApiClient, changeId: string) {
  const finance = await api.token('finance', 'fiona');
  const view = await api.view(changeId, finance);
  const audit = await api.request<{ entries: { type: string }[]; chain: { intact: boolean } }>(
    'GET',
    `/api/audit?changeId=${changeId}`,
    { token: await api.token('compliance', 'carla') },
  );
  const partner = await api.request<{
    rateSchedule: { scopeKey: string; ratePct: number; changeId?: string }[];
    trust: { ledger: { eventId: string; changeId?: string; points: number }[] };
  }>('GET', `/api/partners/${PARTNER}`, { token: finance });
  const messages = await api.messagesOf(changeId);
  // The public events: a doubled or a lost one changes this multiset.
  const events = await api.events({ subject: changeId });
  return {
    status: view.status,
    timeline: view.timeline.map((item) => item.type),
    emails: messages
      .map((message) => `${message.kind} → ${message.to.map((to) => to.email).join(', ')}`)
      .sort(),
    audit: audit.body.entries.map((entry) => entry.type),
    chainIntact: audit.body.chain.intact,
    ledger: partner.body.trust.ledger
      .filter((event) => event.changeId === changeId)
      .map((event) => `${event.eventId.replaceAll(changeId, '<change>')} ${event.points}`)
      .sort(),
    events: events.map((event) => `${event.type} ${event.subject.replaceAll(changeId, '<change>')}`).sort(),
    eventIds: new Set(events.map((event) => event.eventId)).size === events.length,
    rates: partner.body.rateSchedule
      .filter((entry) => entry.changeId === changeId)
      .map((entry) => `${entry.scopeKey} ${entry.ratePct}`),
  };
}

interface PolicyCoverageView {
  status: string;
  noticeVersion: number;
  targeted: number;
  counts: Record<string, number>;
  notified: number;
  rounds: { roundId: string; kind: string; partners: number; failedPartners?: number }[];
}

interface PolicyRecipientPage {
  items: { partnerId: string; state: string; escalated?: boolean; deliveredTo?: string[] }[];
  cursor?: string;
}

/** Every item of the local system's table whose name ends in `logicalName` (local/create-tables.ts prefixes it). */
async function tableItems<T>(client: DynamoDBClient, logicalName: string): Promise<T[]> {
  const names: string[] = [];
  for await (const page of paginateListTables({ client }, {})) names.push(...(page.TableNames ?? []));
  const name = names.find((candidate) => candidate.endsWith(logicalName));
  if (!name) throw new Error(`no table ${logicalName} among ${names.join(', ')}`);
  const documentClient = DynamoDBDocumentClient.from(client);
  return scanAll<T>(documentClient, { TableName: name, ConsistentRead: true });
}

/** Every public event of the log (GET /dev/events, page by page), after the workflows settled. */
async function allEvents(api: ApiClient): Promise<EventView[]> {
  await api.settle();
  const events: EventView[] = [];
  let after: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
    const response = await api.request<{ events: EventView[]; next?: string }>('GET', `/dev/events?${query}`);
    if (response.status !== 200) throw new Error(`events: ${response.status} ${response.text}`);
    events.push(...response.body.events);
    after = response.body.next;
  } while (after);
  return events;
}

/**
 * Everything the policy change left behind, without ids and instants: its status, coverage and rounds, each
 * partner's state, each email (kind → addressee), the audit entry types of each of its streams (the change's
 * own, each batch's, each partner's) with every chain verified, the partners' trust ledger events for it and
 * the public events about it.
 */
async function policyEndStateOf(api: ApiClient, dynamodbEndpoint: string, policyChangeId: string) {
  const staff = await api.token('partner-manager', POLICY_STAFF.manager);
  const coverage = await api.request<PolicyCoverageView>(
    'GET',
    `/api/policy-changes/${policyChangeId}/coverage`,
    { token: staff },
  );
  if (coverage.status !== 200) throw new Error(`coverage: ${coverage.status} ${coverage.text}`);
  const recipients: string[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
    const page = await api.request<PolicyRecipientPage>(
      'GET',
      `/api/policy-changes/${policyChangeId}/recipients?${query}`,
      { token: staff },
    );
    if (page.status !== 200) throw new Error(`recipients: ${page.status} ${page.text}`);
    for (const item of page.body.items)
      recipients.push(
        `${item.partnerId} ${item.state}${item.escalated ? ' escalated' : ''} via ${(item.deliveredTo ?? []).join(',')}`,
      );
    cursor = page.body.cursor;
  } while (cursor);
  const messages = await api.messagesOf(policyChangeId);
  const client = new DynamoDBClient(localDynamoDbClientConfig(dynamodbEndpoint));
  try {
    const ownStream = `change#${policyChangeId}`;
    const streams = new Map<string, { entries: AuditEntry[]; head?: AuditStreamHead }>();
    type AuditItem = AuditEntry & { lastSeq?: number; lastHash?: string };
    for (const item of await tableItems<AuditItem>(client, 'AuditTrail')) {
      if (item.stream !== ownStream && !item.stream.startsWith(`${ownStream}#`)) continue;
      const stream = streams.get(item.stream) ?? { entries: [] };
      // seq 0 is the stream's head item (readAuditHead in functions/adapters/dynamodb/audited-transaction.ts).
      if (item.seq === 0) stream.head = { seq: item.lastSeq ?? 0, hash: item.lastHash ?? '' };
      else stream.entries.push(item);
      streams.set(item.stream, stream);
    }
    const ledger = await tableItems<{
      partnerId: string;
      eventId: string;
      changeId?: string;
      points: number;
    }>(client, 'TrustLedger');
    const events = (await allEvents(api)).filter(
      (event) =>
        event.subject.includes(policyChangeId) || JSON.stringify(event.detail).includes(policyChangeId),
    );
    return {
      status: coverage.body.status,
      coverage: {
        noticeVersion: coverage.body.noticeVersion,
        targeted: coverage.body.targeted,
        counts: coverage.body.counts,
        notified: coverage.body.notified,
        rounds: coverage.body.rounds.map(
          (round) => `${round.roundId} ${round.kind} ${round.partners} failed ${round.failedPartners ?? 0}`,
        ),
      },
      recipients,
      emails: messages
        .map((message) => `${message.kind} → ${message.to.map((to) => to.email).join(', ')}`)
        .sort(),
      audit: [...streams]
        .map(
          ([stream, { entries }]) =>
            `${stream.replace(ownStream, '<change>')}: ${entries
              .sort((a, b) => a.seq - b.seq)
              .map((entry) => entry.type)
              .join(' ')}`,
        )
        .sort(),
      brokenChains: [...streams]
        .filter(([, { entries, head }]) => !verifyChain(entries, head).intact)
        .map(([stream]) => stream),
      ledger: ledger
        .filter((event) => event.changeId === policyChangeId)
        .map((event) => `${event.eventId.replaceAll(policyChangeId, '<change>')} ${event.points}`)
        .sort(),
      events: events
        .map((event) => `${event.type} ${event.subject.replaceAll(policyChangeId, '<change>')}`)
        .sort(),
      eventIds: new Set(events.map((event) => event.eventId)).size === events.length,
    };
  } finally {
    client.destroy();
  }
}

type EndStates = Record<ScenarioName, Awaited<ReturnType<typeof endStateOf>>> & {
  policy: Awaited<ReturnType<typeof policyEndStateOf>>;
};

interface Kill {
  /** Index into allSteps. */
  step: number;
  /**
   * Kill before the step starts, this many ms after it started (possibly after it finished), or — for a step
   * that runs a policy sending round — once that many of the change's emails went out since it started (so the
   * round's Distributed Map is caught with some batches sent and others not), or when it finished.
   */
  at: 'before' | number | { afterEmails: number };
}

/** How long after a step's last acknowledged write DynamoDB Local has it on disk (see the 'before' kill). */
const DURABLE_AFTER_MS = 500;

let running: RunningLocalProcess | undefined;
const dataDirs: string[] = [];

afterEach(async () => {
  await running?.killGroup();
  running = undefined;
  for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<ApiClient> {
  running = await startLocalProcess(dataDir, undefined, { POLICY_EMAIL_RATE: String(POLICY_EMAIL_RATE) });
  return new ApiClient(running.baseUrl);
}

/** How many emails about the policy change the outbox holds now (without settling: a round may be running). */
async function policyEmailCount(context: Context): Promise<number> {
  const policyChangeId = context.policy.policyChangeId;
  if (!policyChangeId) return 0;
  return (await context.api.outbox()).filter((message) => message.changeId === policyChangeId).length;
}

/** Waits until `emails` more policy emails went out than `before`, or the step ended (a random real moment). */
async function untilEmails(context: Context, before: number, emails: number, ended: () => boolean) {
  while (!ended() && (await policyEmailCount(context)) - before < emails)
    await new Promise((done) => setTimeout(done, 20));
}

/** Runs every step, killing and restarting where the plan says; answers each change's end state. */
async function runWithKills(
  kills: readonly Kill[],
): Promise<{ endStates: EndStates; restarts: number; stepMs: Record<string, number> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pcn-kill-'));
  dataDirs.push(dataDir);
  const context: Context = {
    api: await start(dataDir),
    scenarios: { plain: {}, disputed: {}, escalated: {} },
    policy: {},
  };
  let restarts = 0;
  const killAndRestart = async () => {
    await running?.killGroup();
    context.api = await start(dataDir);
    await context.api.settle();
    restarts += 1;
  };
  const stepMs: Record<string, number> = {};
  for (const [index, step] of allSteps.entries()) {
    const kill = kills.find((candidate) => candidate.step === index);
    if (!kill) {
      const began = performance.now();
      await step.run(context, false);
      stepMs[step.name] = Math.round(performance.now() - began);
      continue;
    }
    if (kill.at === 'before') {
      // DynamoDB Local answers a write before the write survives a SIGKILL of its JVM: killed at once after
      // the answer, it came back without the last transaction (measured on the partner import: its last 20
      // rows lost, 3 times out of 3; kept when killed 300 ms later). DynamoDB keeps what it acknowledged, so a
      // crash between two steps is modelled a moment after the step, not inside the emulator's window.
      await new Promise((done) => setTimeout(done, DURABLE_AFTER_MS));
      await killAndRestart();
      await step.run(context, false);
      continue;
    }
    // The step before has acknowledged its writes: as for a kill between steps, they are given the emulator's
    // window to reach its disk, so the kill lands inside this step and not in the last one's writes (seen in CI,
    // KILL_SEED=351567: a kill 5 ms into the policy submit lost the import's last 20 partners).
    await new Promise((done) => setTimeout(done, DURABLE_AFTER_MS));
    const at = kill.at;
    const before = typeof at === 'number' ? 0 : await policyEmailCount(context);
    let ended = false;
    const attempt = step.run(context, false).then(
      () => 'finished',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    void attempt.finally(() => {
      ended = true;
    });
    if (typeof at === 'number')
      await new Promise((done) => setTimeout(done, at)); // a random real moment is the point here
    else await untilEmails(context, before, at.afterEmails, () => ended);
    await killAndRestart();
    await attempt; // cut short (a refused connection) or finished before the kill: either way, try again
    await step.run(context, true);
  }
  const endStates = {} as EndStates;
  for (const scenario of scenarios)
    endStates[scenario] = await endStateOf(context.api, changeOf(context, scenario));
  endStates.policy = await policyEndStateOf(context.api, running!.dynamodbEndpoint(), policyOf(context));
  await running?.killGroup();
  running = undefined;
  return { endStates, restarts, stepMs };
}

const killAt = (step: number): fc.Arbitrary<Kill['at']> =>
  fc.oneof(
    fc.constant<'before'>('before'),
    fc.integer({ min: 0, max: 1_500 }),
    ...((allSteps[step]?.fansOut ?? 0) > 1
      ? [
          fc
            .integer({ min: 1, max: (allSteps[step]?.fansOut ?? 2) - 1 })
            .map((emails) => ({ afterEmails: emails })),
        ]
      : []),
  );

const killPlan = (kills: number) =>
  fc.uniqueArray(
    fc
      .integer({ min: 0, max: allSteps.length - 1 })
      .chain((step) => killAt(step).map((at): Kill => ({ step, at }))),
    { minLength: kills, maxLength: kills, selector: (kill) => kill.step },
  );

const describeAt = (at: Kill['at']) =>
  at === 'before' ? 'before' : typeof at === 'number' ? `+${at} ms` : `after ${at.afterEmails} emails`;

/** The policy notice emails, one line per email: a partner listed twice got two notices of one version. */
const noticesOf = (emails: readonly string[]) => emails.filter((email) => email.startsWith('notice '));

describe('SIGKILL at random points of random workflows', () => {
  const runs = sized({ ci: 1, full: 8 });
  const killsPerRun = sized({ ci: 4, full: 8 });

  it(`ends every change as a run without kills does (${reliabilitySize} size: ${runs} run(s), ${killsPerRun} kills each)`, {
    timeout: sized({ ci: 240_000, full: 3_600_000 }),
  }, async () => {
    const reference = await runWithKills([]);
    // How long the steps take without kills: whether a `+N ms` kill can land inside a step (a round in flight).
    console.log(
      `steps without kills: ${Object.entries(reference.stepMs)
        .filter(([name]) => name.startsWith('policy'))
        .map(([name, ms]) => `${name} ${ms} ms`)
        .join('; ')}`,
    );
    for (const scenario of scenarios) expect(reference.endStates[scenario].status, scenario).toBe('applied');
    expect(reference.endStates.escalated.emails.some((email) => email.startsWith('escalation'))).toBe(true);
    expect(reference.endStates.plain.events).toEqual(
      ['change.submitted', 'change.approved', 'notice.delivered', 'notice.acknowledged', 'change.applied']
        .map((type) => `${type} <change>`)
        .sort(),
    );

    // The policy change reached every partner of the region once per round, in batches, and ended in effect.
    const policy = reference.endStates.policy;
    expect(policy.status).toBe('in-effect');
    expect(policy.coverage.rounds).toEqual([
      'v1-notice notice 60 failed 0',
      'v1-reminder-day-3 reminder 57 failed 0',
      'v1-reminder-day-7 reminder 55 failed 0',
      'v1-escalation-day-10 escalation 55 failed 0',
      'v1-outcome outcome 60 failed 0',
    ]);
    expect(policy.audit.filter((stream) => stream.startsWith('<change>#v1-notice#'))).toHaveLength(3);
    expect(policy.recipients.filter((recipient) => recipient.includes(' acknowledged '))).toEqual(
      [...PROMPT, ...AFTER_REMINDER].map((partnerId) => `${partnerId} acknowledged via ${partnerId}-primary`),
    );
    expect(noticesOf(policy.emails)).toEqual(
      POLICY_PARTNERS.map((partner) => `notice → ${partner.contacts[0]?.email}`).sort(),
    );
    // As many emails as the kill plans expect of the rounds' steps (Step.fansOut).
    const kindsSent = (kind: string) => policy.emails.filter((email) => email.startsWith(`${kind} `)).length;
    expect([kindsSent('reminder'), kindsSent('fallback-notice'), kindsSent('escalation')]).toEqual([
      SILENT_AT_FIRST.length + SILENT.length,
      SILENT.length * 2,
      SILENT.length,
    ]);
    expect(policy.brokenChains).toEqual([]);
    expect(policy.ledger.filter((event) => event.includes('#policy-notice '))).toHaveLength(60);
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    const plans = fc.sample(killPlan(killsPerRun), { seed, numRuns: runs });
    for (const [run, plan] of plans.entries()) {
      const described = plan
        .toSorted((a, b) => a.step - b.step)
        .map((kill) => `${allSteps[kill.step]?.name} (${describeAt(kill.at)})`);
      console.log(`kill run ${run + 1}/${runs}, KILL_SEED=${seed}: ${described.join('; ')}`);
      const killed = await runWithKills(plan);
      expect(killed.restarts).toBe(killsPerRun);
      // Said on its own first, as the failure to look for: a partner emailed twice for one round.
      expect(
        noticesOf(killed.endStates.policy.emails),
        `KILL_SEED=${seed}, run ${run + 1}: ${described.join('; ')}`,
      ).toEqual(noticesOf(policy.emails));
      expect(killed.endStates, `KILL_SEED=${seed}, run ${run + 1}: ${described.join('; ')}`).toEqual(
        reference.endStates,
      );
    }
  });
});
