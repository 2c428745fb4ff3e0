import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAll } from '../../functions/adapters/dynamodb/all-items.ts';
import type { PolicyRecipient } from '../../functions/adapters/dynamodb/policy-recipient-store.ts';
import type { OutboxMessage } from '../../functions/adapters/email/local-outbox-mailer.ts';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { roundKeys } from '../../functions/policy-changes/workflow.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { ApiClient } from '../support/api-client.ts';
import { TaskFaults } from '../support/faults.ts';
import {
  AddressFaultMailer,
  acknowledgeAsPartner,
  createRegionPartners,
  manifestLinesOf,
  policyRequest,
} from '../support/policy.ts';
import { TEST_SYSTEM_START } from '../support/test-system.ts';

/**
 * The policy-change workflow (workflows/policy-change.asl.json) on the real local engines: the Distributed
 * Map reads each round's manifest from the local S3, runs its batches as child executions, writes its
 * results back; DynamoDB Local holds the recipients and counters; time moves only by the virtual clock. Each
 * test reaches partners of a region of its own, so the seed partners and the other tests stay out of it.
 */
let system: LocalSystem;
let api: ApiClient;
let manager: string;
let approver: string;
let mailer: AddressFaultMailer;
const tasks = new TaskFaults();

beforeAll(async () => {
  system = await startLocalSystem({
    frozenAt: TEST_SYSTEM_START,
    instantRetries: true,
    // Failures are injected on purpose: their error logs would bury the run's output.
    logLevel: 'SILENT',
    faults: {
      mailer: (outbox) => {
        mailer = new AddressFaultMailer(outbox);
        return mailer;
      },
      task: tasks.wrap,
    },
  });
  api = new ApiClient(system.baseUrl);
  manager = await api.token('partner-manager', 'dana');
  approver = await api.token('approver', 'amara');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const isoDate = (days: number) =>
  new Date(system.clock.now().getTime() + days * DAY_MS).toISOString().slice(0, 10);

async function submit(body: unknown): Promise<string> {
  const response = await api.request<{ policyChangeId: string; status: string }>(
    'POST',
    '/api/policy-changes',
    {
      token: manager,
      json: body,
    },
  );
  expect(response.status, response.text).toBe(201);
  return response.body.policyChangeId;
}

async function recipients(policyChangeId: string): Promise<Map<string, PolicyRecipient>> {
  const all = new Map<string, PolicyRecipient>();
  for await (const page of system.deps.policyRecipients.all(policyChangeId)) {
    for (const recipient of page) all.set(recipient.partnerId, recipient);
  }
  return all;
}

async function messages(policyChangeId: string, kind?: string): Promise<OutboxMessage[]> {
  return (await system.outbox.list()).filter(
    (message) => message.changeId === policyChangeId && (kind === undefined || message.kind === kind),
  );
}

const sentTo = (list: readonly OutboxMessage[]) => list.map((message) => message.to[0]!.email).sort();

describe('a policy change to a segment', () => {
  it('sends every partner of the segment its notice, batch by batch over the manifest, and counts it', async () => {
    const partnerIds = await createRegionPartners(system, { prefix: 'latam', region: 'LATAM', count: 60 });
    const id = await submit(policyRequest('LATAM', isoDate(20)));
    await system.settle();

    const change = await system.deps.policyChanges.get(id);
    expect(change?.status).toBe('notified');
    expect(change?.rounds?.['v1-notice']).toMatchObject({ kind: 'notice', partners: 60, failedPartners: 0 });
    // The manifest the map read: one line per partner of the segment, nobody else (the seed partners).
    const lines = await manifestLinesOf(system, roundKeys(id, 'v1-notice').manifestKey);
    expect(lines.map((line) => line.partnerId)).toEqual(partnerIds);
    // Batches of 25: 25 + 25 + 10, each a child execution called once.
    for (const first of ['latam-0000', 'latam-0025', 'latam-0050']) {
      expect(tasks.callsOf('SendPolicyBatchFunctionArn', `${id}/${first}`), first).toBe(1);
    }
    expect(tasks.callsOf('SendPolicyBatchFunctionArn', `${id}/latam-0010`)).toBe(0);
    // Counted once each, in one item.
    expect(await system.deps.policyRecipients.coverage(id, 1)).toMatchObject({
      targeted: 60,
      queued: 0,
      delivered: 60,
      unreachable: 0,
    });
    // Each partner's primary contact got its own email with its own link; no fallback contact was written to.
    const notices = await messages(id, 'notice');
    expect(notices).toHaveLength(60);
    expect(sentTo(notices)).toEqual(
      partnerIds.map((_, index) => `primary-${String(index).padStart(4, '0')}@latam.example`).sort(),
    );
    expect(new Set(notices.map((message) => message.links[0])).size).toBe(60);
    expect(notices[0]!.links[0]).toContain(`/policy-notices/${id}/`);
    const stored = await recipients(id);
    expect([...stored.values()].every((recipient) => recipient.state === 'delivered')).toBe(true);
  }, 60_000);

  it('reminds only the partners still silent, on their own stage’s days, escalates, and records every outcome at the effective date', async () => {
    // Transactional: reminders on days 3 and 7, escalation on day 10. Collaborative: days 2 and 5, escalation on day 7.
    await createRegionPartners(system, {
      prefix: 'nordic',
      region: 'NORDIC',
      count: 4,
      stages: ['transactional', 'collaborative'],
    });
    const id = await submit(policyRequest('NORDIC', isoDate(12)));
    await system.settle();
    const before = await recipients(id);
    // nordic-0000 (transactional) and nordic-0001 (collaborative) acknowledge at once.
    await acknowledgeAsPartner(system, before.get('nordic-0000')!);
    await acknowledgeAsPartner(system, before.get('nordic-0001')!);

    await system.advanceAndSettle(2 * DAY_MS);
    // Day 2: only the silent collaborative partner.
    expect(sentTo(await messages(id, 'reminder'))).toEqual(['primary-0003@nordic.example']);
    await system.advanceAndSettle(1 * DAY_MS);
    // Day 3: and now the silent transactional one.
    expect(sentTo(await messages(id, 'reminder'))).toEqual([
      'primary-0002@nordic.example',
      'primary-0003@nordic.example',
    ]);
    await system.advanceAndSettle(4 * DAY_MS);
    // Day 7: the collaborative partner's escalation day, to its primary and fallback contacts and its manager.
    const escalations = await messages(id, 'fallback-notice');
    expect(sentTo(escalations)).toEqual(['fallback-0003@nordic.example', 'primary-0003@nordic.example']);
    expect(sentTo(await messages(id, 'escalation'))).toEqual(['dana.whitfield@vendor.example']);
    expect((await system.deps.policyRecipients.coverage(id, 1)).escalated).toBe(1);

    await system.advanceAndSettle(6 * DAY_MS);
    const change = await system.deps.policyChanges.get(id);
    expect(change?.status).toBe('in-effect');
    const after = await recipients(id);
    expect(
      Object.fromEntries([...after].map(([partnerId, recipient]) => [partnerId, recipient.outcome])),
    ).toEqual({
      'nordic-0000': 'acknowledged',
      'nordic-0001': 'acknowledged',
      'nordic-0002': 'unacknowledged',
      'nordic-0003': 'unacknowledged',
    });
    // Each reminded once per round (a round is named by its day, so nothing is sent twice).
    expect(Object.keys(after.get('nordic-0003')!.reminders ?? {}).sort()).toEqual([
      'v1-reminder-day-2',
      'v1-reminder-day-5',
    ]);
    expect(Object.keys(after.get('nordic-0002')!.reminders ?? {}).sort()).toEqual([
      'v1-reminder-day-3',
      'v1-reminder-day-7',
    ]);
    expect(after.get('nordic-0002')!.escalated).toBe(true);
    // Trust: the notice for everyone reached, a prompt acknowledgement for those who answered at once, the
    // escalation for those it took.
    const ledger = await scanAll<{ partnerId: string; rule: string; changeId?: string }>(
      system.deps.documentClient,
      {
        TableName: system.deps.tables.trustLedger,
      },
    );
    const rules = (partnerId: string) =>
      ledger
        .filter((event) => event.changeId === id && event.partnerId === partnerId)
        .map((event) => event.rule)
        .sort();
    expect(rules('nordic-0000')).toEqual(['policy-notice', 'prompt-acknowledgement']);
    expect(rules('nordic-0002')).toEqual(['escalation-needed', 'policy-notice']);
    // Nothing more after it took effect.
    const sent = (await messages(id)).length;
    await system.advanceAndSettle(20 * DAY_MS);
    expect((await messages(id)).length).toBe(sent);
  }, 60_000);

  it('retries a failing send, then writes to the fallback contacts, then surfaces the partner as unreachable', async () => {
    await createRegionPartners(system, { prefix: 'andes', region: 'ANDES', count: 3 });
    // andes-0000: its primary is throttled twice, then accepts. andes-0001: its primary refuses for good, its
    // fallback accepts. andes-0002: every contact refuses.
    mailer.failTimes.set('primary-0000@andes.example', 2);
    mailer.failing.add('primary-0001@andes.example');
    mailer.failing.add('primary-0002@andes.example');
    mailer.failing.add('fallback-0002@andes.example');
    const id = await submit(policyRequest('ANDES', isoDate(20)));
    await system.settle();

    const stored = await recipients(id);
    expect(stored.get('andes-0000')).toMatchObject({
      state: 'delivered',
      deliveredTo: ['andes-0000-primary'],
    });
    expect(stored.get('andes-0001')).toMatchObject({
      state: 'delivered',
      deliveredTo: ['andes-0001-fallback'],
    });
    expect(stored.get('andes-0002')?.state).toBe('unreachable');
    expect(stored.get('andes-0002')?.failure).toMatch(/Every contact failed after 4 attempts/);
    expect(await system.deps.policyRecipients.coverage(id, 1)).toMatchObject({
      targeted: 3,
      delivered: 2,
      unreachable: 1,
    });
    expect(sentTo(await messages(id, 'notice'))).toEqual([
      'fallback-0001@andes.example',
      'primary-0000@andes.example',
    ]);
    expect((await system.deps.policyChanges.get(id))?.status).toBe('notified');
  }, 60_000);

  it('keeps the acknowledgement of a partner who answers the moment the email arrives, before its delivery is recorded', async () => {
    await createRegionPartners(system, { prefix: 'alps', region: 'ALPS', count: 2 });
    let policyChangeId = '';
    mailer.onDelivered.set('primary-0000@alps.example', async () => {
      const recipient = await system.deps.policyRecipients.get(policyChangeId, 'alps-0000');
      expect(recipient?.state).toBe('queued');
      await acknowledgeAsPartner(system, recipient!);
    });
    // The hook needs the id before the batch runs: an adverse change waits for its approval.
    policyChangeId = await submit(policyRequest('ALPS', isoDate(40), { adverse: true }));
    await api.request('POST', `/api/policy-changes/${policyChangeId}/approve`, {
      token: approver,
      json: { comment: 'Fine.' },
    });
    await system.settle();

    const stored = await recipients(policyChangeId);
    expect(stored.get('alps-0000')?.state).toBe('acknowledged');
    expect(stored.get('alps-0001')?.state).toBe('delivered');
    expect(await system.deps.policyRecipients.coverage(policyChangeId, 1)).toMatchObject({
      targeted: 2,
      queued: 0,
      delivered: 1,
      acknowledged: 1,
    });
  }, 60_000);

  it('tolerates a batch that fails for good (up to 10 % of partners) and marks its partners unreachable, never dropped', async () => {
    await createRegionPartners(system, { prefix: 'oceania', region: 'OCEANIA', count: 260 });
    // Adverse: it waits for approval, so the batch's fault is in place before the map runs.
    const body = policyRequest('OCEANIA', isoDate(40), { adverse: true });
    const id = await submit(body);
    tasks.fail('SendPolicyBatchFunctionArn', Number.POSITIVE_INFINITY, `${id}/oceania-0050`);
    const approved = await api.request('POST', `/api/policy-changes/${id}/approve`, {
      token: approver,
      json: { comment: 'Checked with legal.' },
    });
    expect(approved.status, approved.text).toBe(200);
    await system.settle();
    tasks.heal('SendPolicyBatchFunctionArn', `${id}/oceania-0050`);

    const change = await system.deps.policyChanges.get(id);
    expect(change?.status).toBe('notified');
    expect(change?.rounds?.['v1-notice']).toMatchObject({ partners: 260, failedPartners: 25 });
    // The first try and its four retries (the ASL's Retry), then the map tolerated it.
    expect(tasks.callsOf('SendPolicyBatchFunctionArn', `${id}/oceania-0050`)).toBe(5);
    expect(await system.deps.policyRecipients.coverage(id, 1)).toMatchObject({
      targeted: 260,
      delivered: 235,
      unreachable: 25,
      queued: 0,
    });
    const stored = await recipients(id);
    const failed = [...stored.values()].filter((recipient) => recipient.state === 'unreachable');
    expect(failed.map((recipient) => recipient.partnerId)).toEqual(
      Array.from({ length: 25 }, (_, index) => `oceania-${String(50 + index).padStart(4, '0')}`),
    );
    expect(failed[0]?.failure).toMatch(/batch failed/);
    expect(await messages(id, 'notice')).toHaveLength(235);
  }, 120_000);

  it('fails visibly when more batches fail than tolerated: the change is marked workflow-failed', async () => {
    await createRegionPartners(system, { prefix: 'baltic', region: 'BALTIC', count: 30 });
    const id = await submit(policyRequest('BALTIC', isoDate(40), { adverse: true }));
    tasks.fail('SendPolicyBatchFunctionArn', Number.POSITIVE_INFINITY, `${id}/baltic-0000`);
    await api.request('POST', `/api/policy-changes/${id}/approve`, {
      token: approver,
      json: { comment: 'Fine.' },
    });
    await system.settle();
    tasks.heal('SendPolicyBatchFunctionArn', `${id}/baltic-0000`);

    const change = await system.deps.policyChanges.get(id);
    expect(change?.status).toBe('workflow-failed');
    expect(change?.failure?.error).toBe('States.ExceedToleratedFailureThreshold');
    // The failing batch's partners were never emailed (the other batch may or may not have run first).
    const notified = sentTo(await messages(id, 'notice'));
    expect(notified.filter((address) => /primary-00(0\d|1\d|2[0-4])@/.test(address))).toEqual([]);
  }, 60_000);
});
