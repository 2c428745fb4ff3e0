import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { type RunningLocalProcess, startLocalProcess } from '../support/local-process.ts';
import { reliabilitySize, sized } from '../support/reliability-size.ts';

/**
 * Kill tests: `npm start` is SIGKILLed as a whole process group (DynamoDB Local included) at random points
 * of three whole changes — a plain cut, a disputed one, an escalated one — sometimes between two steps,
 * sometimes while a step is in flight (a request half-handled, a workflow half-way through its tasks). It is
 * started again on the same data, the interrupted step is tried again as a person would, and every change
 * must end exactly as it does in a run without kills: the same status and timeline, the same emails, audit
 * entries, trust ledger events, rate entries and public events — nothing lost, nothing doubled.
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

interface Context {
  api: ApiClient;
  scenarios: Record<ScenarioName, ScenarioState>;
}

interface Step {
  name: string;
  /** `again` is true when a kill may have cut the previous attempt short: it may already have happened. */
  run(context: Context, again: boolean): Promise<void>;
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
const allSteps = scenarios.flatMap(scenarioSteps);

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

type EndStates = Record<ScenarioName, Awaited<ReturnType<typeof endStateOf>>>;

interface Kill {
  /** Index into allSteps. */
  step: number;
  /** Kill before the step starts, or this many ms after it started (possibly after it finished). */
  at: 'before' | number;
}

let running: RunningLocalProcess | undefined;
const dataDirs: string[] = [];

afterEach(async () => {
  await running?.killGroup();
  running = undefined;
  for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<ApiClient> {
  running = await startLocalProcess(dataDir);
  return new ApiClient(running.baseUrl);
}

/** Runs every step, killing and restarting where the plan says; answers each change's end state. */
async function runWithKills(kills: readonly Kill[]): Promise<{ endStates: EndStates; restarts: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pcn-kill-'));
  dataDirs.push(dataDir);
  const context: Context = {
    api: await start(dataDir),
    scenarios: { plain: {}, disputed: {}, escalated: {} },
  };
  let restarts = 0;
  const killAndRestart = async () => {
    await running?.killGroup();
    context.api = await start(dataDir);
    await context.api.settle();
    restarts += 1;
  };
  for (const [index, step] of allSteps.entries()) {
    const kill = kills.find((candidate) => candidate.step === index);
    if (!kill) {
      await step.run(context, false);
      continue;
    }
    if (kill.at === 'before') {
      await killAndRestart();
      await step.run(context, false);
      continue;
    }
    const delayMs = kill.at;
    const attempt = step.run(context, false).then(
      () => 'finished',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await new Promise((done) => setTimeout(done, delayMs)); // a random real moment is the point here
    await killAndRestart();
    await attempt; // cut short (a refused connection) or finished before the kill: either way, try again
    await step.run(context, true);
  }
  const endStates = {} as EndStates;
  for (const scenario of scenarios)
    endStates[scenario] = await endStateOf(context.api, changeOf(context, scenario));
  await running?.killGroup();
  running = undefined;
  return { endStates, restarts };
}

const killPlan = (kills: number) =>
  fc.uniqueArray(
    fc.record({
      step: fc.integer({ min: 0, max: allSteps.length - 1 }),
      at: fc.oneof(fc.constant<'before'>('before'), fc.integer({ min: 0, max: 1_500 })),
    }),
    { minLength: kills, maxLength: kills, selector: (kill) => kill.step },
  );

describe('SIGKILL at random points of random workflows', () => {
  const runs = sized({ ci: 1, full: 8 });
  const killsPerRun = sized({ ci: 4, full: 8 });

  it(`ends every change as a run without kills does (${reliabilitySize} size: ${runs} run(s), ${killsPerRun} kills each)`, {
    timeout: sized({ ci: 240_000, full: 3_600_000 }),
  }, async () => {
    const reference = await runWithKills([]);
    for (const scenario of scenarios) expect(reference.endStates[scenario].status, scenario).toBe('applied');
    expect(reference.endStates.escalated.emails.some((email) => email.startsWith('escalation'))).toBe(true);
    expect(reference.endStates.plain.events).toEqual(
      ['change.submitted', 'change.approved', 'notice.delivered', 'notice.acknowledged', 'change.applied']
        .map((type) => `${type} <change>`)
        .sort(),
    );

    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    const plans = fc.sample(killPlan(killsPerRun), { seed, numRuns: runs });
    for (const [run, plan] of plans.entries()) {
      const described = plan
        .toSorted((a, b) => a.step - b.step)
        .map(
          (kill) => `${allSteps[kill.step]?.name} (${kill.at === 'before' ? 'before' : `+${kill.at} ms`})`,
        );
      console.log(`kill run ${run + 1}/${runs}, KILL_SEED=${seed}: ${described.join('; ')}`);
      const killed = await runWithKills(plan);
      expect(killed.restarts).toBe(killsPerRun);
      expect(killed.endStates, `KILL_SEED=${seed}, run ${run + 1}: ${described.join('; ')}`).toEqual(
        reference.endStates,
      );
    }
  });
});
