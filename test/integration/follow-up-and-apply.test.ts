/**
 * The later commission-change steps against the real DynamoDB Local: reminders and escalation for an
 * unacknowledged notice, and applying the change after its notice period — each exactly once, however often
 * (and however concurrently) the workflow runs the step.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAuditHead } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf, ChangeStore } from '../../functions/adapters/dynamodb/change-store.ts';
import { acknowledgeNotice } from '../../functions/commission-changes/acknowledge.ts';
import {
  applyChange,
  ChangeNotApplicable,
  NoticePeriodNotOver,
} from '../../functions/commission-changes/apply.ts';
import { awaitAcknowledgement } from '../../functions/commission-changes/await-acknowledgement.ts';
import { followUpAcknowledgement } from '../../functions/commission-changes/follow-up.ts';
import { sendNotice } from '../../functions/commission-changes/send-notice.ts';
import { submitCommissionChange } from '../../functions/commission-changes/submit.ts';
import { verifyChain } from '../../functions/domain/audit-chain.ts';
import { addDays, DAY_MS } from '../../functions/domain/calendar.ts';
import { SEED_RATES_FROM } from '../../local/seed.ts';
import {
  contoso,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  northwind,
  TEST_START,
  TestClock,
  validCut,
} from '../support/integration-deps.ts';

let context: IntegrationContext;
let changes: ChangeStore;

beforeAll(async () => {
  context = await createIntegrationContext();
  changes = new ChangeStore(context.deps.documentClient, context.deps.tables);
});

beforeEach(() => {
  context.clock.set(TEST_START);
});

afterAll(() => context?.close());

async function ledgerFor(changeId: string, rule?: string) {
  return (await context.scan('TrustLedger')).filter(
    (event) => event.changeId === changeId && (rule === undefined || event.rule === rule),
  );
}

async function auditTypes(changeId: string) {
  const entries = await changes.auditEntries(changeId);
  const head = await readAuditHead(
    context.deps.documentClient,
    context.deps.tables.auditTrail,
    auditStreamOf(changeId),
  );
  expect(verifyChain(entries, head)).toEqual({ intact: true, entries: entries.length });
  return entries.map((entry) => entry.type);
}

async function messagesFor(changeId: string, kind: string) {
  return (await context.outbox.list()).filter(
    (message) => message.changeId === changeId && message.kind === kind,
  );
}

async function acknowledge(noticeId: string, token: string) {
  const outcome = await acknowledgeNotice(context.deps, {
    noticeId,
    token,
    sourceIp: '192.0.2.10',
    userAgent: 'test',
  });
  expect(outcome.outcome).toBe('recorded');
}

describe('followUpAcknowledgement', () => {
  it('sends one reminder per contact on a reminder day, and escalates once on the escalation day', async () => {
    const { changeId } = await deliveredCut(context, contoso, 'finance-follow-up');
    const deliveredAt = new Date((await changes.get(changeId))!.notice!.deliveredAt);

    // Day 1: nothing is due, nothing is written.
    context.clock.set(addDays(deliveredAt, 1));
    const quiet = await context.snapshot();
    await followUpAcknowledgement(context.deps, changeId);
    expect(await context.snapshot()).toEqual(quiet);

    // Day 3 (enhanced: reminders on days 3 and 7, escalation on day 10), run twice and then concurrently.
    context.clock.set(addDays(deliveredAt, 3));
    const first = await followUpAcknowledgement(context.deps, changeId);
    const second = await followUpAcknowledgement(context.deps, changeId);
    const concurrent = await Promise.all(
      Array.from({ length: 4 }, () => followUpAcknowledgement(context.deps, changeId)),
    );
    for (const progress of [second, ...concurrent]) expect(progress).toEqual(first);
    expect(first.nextCheckSeconds).toBe(4 * 86_400);
    const reminders = await messagesFor(changeId, 'reminder');
    expect(reminders.map((message) => message.to[0]!.email).sort()).toEqual([
      'maya.chen@contoso.example',
      'tom.becker@contoso.example',
    ]);
    expect((await changes.get(changeId))?.followUp).toEqual({ remindersSent: 1, escalated: false });
    expect(await ledgerFor(changeId, 'reminder-needed')).toHaveLength(1);
    expect(await auditTypes(changeId)).toEqual(['change-submitted', 'notice-sent', 'reminder-sent']);

    // Day 10: escalation to the alliance manager, once, even when the step runs concurrently.
    context.clock.set(addDays(deliveredAt, 10));
    await Promise.all(Array.from({ length: 4 }, () => followUpAcknowledgement(context.deps, changeId)));
    await followUpAcknowledgement(context.deps, changeId);
    const escalations = await messagesFor(changeId, 'escalation');
    expect(escalations.map((message) => message.to)).toEqual([
      [{ name: 'Luis Ortega', email: contoso.allianceManagerEmail }],
    ]);
    expect((await changes.get(changeId))?.followUp).toEqual({ remindersSent: 1, escalated: true });
    expect(await ledgerFor(changeId, 'escalation-needed')).toHaveLength(1);
    expect(await messagesFor(changeId, 'reminder')).toHaveLength(2);
    expect(await auditTypes(changeId)).toEqual([
      'change-submitted',
      'notice-sent',
      'reminder-sent',
      'escalated-to-alliance-manager',
    ]);
    const noticeId = (await changes.get(changeId))!.notice!.noticeId;
    expect(context.mailer.deliveries(noticeId)).toEqual({
      [`${noticeId}#notice#cv-finance`]: 1,
      [`${noticeId}#notice#cv-ceo`]: 1,
      [`${noticeId}#reminder-1#cv-finance`]: 1,
      [`${noticeId}#reminder-1#cv-ceo`]: 1,
      [`${noticeId}#escalation`]: 1,
    });
  });

  it('lets the workflow continue at its next check when resuming it failed after the acknowledgement was recorded', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, northwind, 'finance-resume-fails');
    await awaitAcknowledgement(context.deps, { changeId, taskToken: 'resume-fails' });
    context.workflow.failResumesWith = new Error('ThrottlingException');
    try {
      await expect(
        acknowledgeNotice(context.deps, {
          noticeId,
          token: tokens['nw-ops']!,
          sourceIp: '192.0.2.11',
          userAgent: 't',
        }),
      ).rejects.toThrow('ThrottlingException');
    } finally {
      context.workflow.failResumesWith = undefined;
    }
    // The click is recorded all the same; clicking again shows the receipt.
    expect((await changes.get(changeId))?.status).toBe('acknowledged');
    const again = await acknowledgeNotice(context.deps, {
      noticeId,
      token: tokens['nw-ops']!,
      sourceIp: '192.0.2.11',
      userAgent: 't',
    });
    expect(again.outcome).toBe('already-recorded');
    // The wait times out at its next check; the follow-up step then reports the acknowledgement.
    context.clock.advanceDays(3);
    const before = await context.snapshot();
    expect(await followUpAcknowledgement(context.deps, changeId)).toMatchObject({ acknowledged: true });
    expect(await context.snapshot()).toEqual(before);
  });

  it('does nothing once the notice is acknowledged', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, northwind, 'finance-follow-up-ack');
    const deliveredAt = new Date((await changes.get(changeId))!.notice!.deliveredAt);
    context.clock.set(addDays(deliveredAt, 2));
    await acknowledge(noticeId, tokens['nw-ops']!);
    context.clock.set(addDays(deliveredAt, 10));
    const before = await context.snapshot();
    const progress = await followUpAcknowledgement(context.deps, changeId);
    expect(progress.acknowledged).toBe(true);
    expect(await context.snapshot()).toEqual(before);
  });
});

describe('applyChange', () => {
  async function acknowledgedCut(submittedBy: string, parkToken?: string) {
    const delivered = await deliveredCut(context, northwind, submittedBy);
    if (parkToken)
      await awaitAcknowledgement(context.deps, { changeId: delivered.changeId, taskToken: parkToken });
    await acknowledge(delivered.noticeId, delivered.tokens['nw-ops']!);
    const change = (await changes.get(delivered.changeId))!;
    return { ...delivered, change, applyAt: new Date(change.notice!.applyAt) };
  }

  it('refuses before the notice period is over and writes nothing', async () => {
    const { changeId, applyAt } = await acknowledgedCut('finance-early');
    context.clock.set(new Date(applyAt.getTime() - 1));
    const before = await context.snapshot();
    await expect(applyChange(context.deps, changeId)).rejects.toBeInstanceOf(NoticePeriodNotOver);
    expect(await context.snapshot()).toEqual(before);
    expect((await changes.get(changeId))?.status).toBe('acknowledged');
  });

  it('adds a dated rate entry (keeping the old one), records ledger and audit, and is idempotent', async () => {
    const { changeId, change, applyAt } = await acknowledgedCut('finance-apply', 'apply-token');
    // Transactional: 30 days' notice; the cut was submitted with 60, so it applies on its effective date.
    expect(applyAt.toISOString()).toBe(`${change.effectiveDate}T00:00:00.000Z`);
    context.clock.set(applyAt);
    const applied = await applyChange(context.deps, changeId);
    expect(applied).toEqual({
      changeId,
      appliedFrom: change.effectiveDate,
      appliedAt: applyAt.toISOString(),
    });

    const schedule = (await context.scan('RateSchedule')).filter(
      (entry) => entry.partnerId === northwind.partnerId,
    );
    expect(schedule).toContainEqual(
      expect.objectContaining({ effectiveFrom: SEED_RATES_FROM, ratePct: northwind.ratePct }),
    );
    expect(schedule.filter((entry) => entry.changeId === changeId)).toEqual([
      expect.objectContaining({ effectiveFrom: change.effectiveDate, ratePct: northwind.ratePct - 2 }),
    ]);
    const stored = await changes.get(changeId);
    expect(stored).toMatchObject({ status: 'applied', appliedFrom: change.effectiveDate });
    expect(stored?.acknowledgementTaskToken).toBeUndefined();
    expect((await ledgerFor(changeId)).map((event) => event.rule).sort()).toEqual([
      'commission-cut',
      'notice-full-period',
      'prompt-acknowledgement',
    ]);
    expect(await auditTypes(changeId)).toEqual([
      'change-submitted',
      'notice-sent',
      'acknowledgement-recorded',
      'change-applied',
    ]);

    // Again, later and concurrently: the same answer, and not one item more or changed.
    const after = await context.snapshot();
    context.clock.set(new Date(applyAt.getTime() + DAY_MS));
    const repeats = await Promise.all(Array.from({ length: 5 }, () => applyChange(context.deps, changeId)));
    repeats.push(await applyChange(context.deps, changeId));
    for (const repeat of repeats) expect(repeat).toEqual(applied);
    expect(await context.snapshot()).toEqual(after);
  });

  it('applies exactly once when the first apply runs concurrently (also from a retry a minute later)', async () => {
    const { changeId, applyAt } = await acknowledgedCut('finance-apply-concurrent');
    context.clock.set(applyAt);
    // A retried Lambda started a minute later runs with a later "now" (a different rate-entry key).
    const later = { ...context.deps, clock: new TestClock(new Date(applyAt.getTime() + 60_000)) };
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) => applyChange(index % 2 === 0 ? context.deps : later, changeId)),
    );
    for (const result of results) expect(result).toEqual(results[0]);
    expect(await changes.get(changeId)).toMatchObject({
      status: 'applied',
      appliedAt: results[0]!.appliedAt,
    });
    expect((await context.scan('RateSchedule')).filter((entry) => entry.changeId === changeId)).toHaveLength(
      1,
    );
    expect(await ledgerFor(changeId, 'commission-cut')).toHaveLength(1);
    expect((await auditTypes(changeId)).filter((type) => type === 'change-applied')).toHaveLength(1);
  });

  it('applied late, starts the new rate on the next whole day (never retroactive)', async () => {
    const { changeId, change, applyAt } = await acknowledgedCut('finance-apply-late');
    context.clock.set(new Date(applyAt.getTime() + 2.5 * DAY_MS));
    const applied = await applyChange(context.deps, changeId);
    const nextDay = new Date(applyAt.getTime() + 3 * DAY_MS).toISOString().slice(0, 10);
    expect(applied.appliedFrom).toBe(nextDay);
    expect(applied.appliedFrom > change.effectiveDate).toBe(true);
    expect((await context.scan('RateSchedule')).filter((entry) => entry.changeId === changeId)).toEqual([
      expect.objectContaining({ effectiveFrom: nextDay }),
    ]);
  });

  it('refuses a cut that is not acknowledged, even after the notice period, and writes nothing', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'finance-unacknowledged');
    const change = (await changes.get(changeId))!;
    context.clock.set(new Date(new Date(change.notice!.applyAt).getTime() + 5 * DAY_MS));
    const before = await context.snapshot();
    await expect(applyChange(context.deps, changeId)).rejects.toBeInstanceOf(ChangeNotApplicable);
    expect(await context.snapshot()).toEqual(before);
  });

  it('applies a raise without waiting for acknowledgement; a later acknowledgement keeps it applied', async () => {
    const now = context.clock.now();
    const submitted = await submitCommissionChange(
      context.deps,
      { ...validCut(northwind, now, 0), newRatePct: northwind.ratePct + 1 },
      'finance-raise',
    );
    if (submitted.outcome !== 'created') throw new Error(JSON.stringify(submitted));
    const { changeId } = submitted.change;
    const progress = await sendNotice(context.deps, changeId);
    expect(progress.holdForAcknowledgement).toBe(false);
    await applyChange(context.deps, changeId);
    expect((await ledgerFor(changeId)).map((event) => event.rule)).toEqual(['commission-raise']);
    const link = (await messagesFor(changeId, 'notice'))[0]!.links[0]!;
    const url = new URL(link);
    await acknowledge(decodeURIComponent(url.pathname.split('/').at(-1)!), url.searchParams.get('token')!);
    const stored = await changes.get(changeId);
    expect(stored?.status).toBe('applied');
    expect(stored?.acknowledgement?.contactId).toBe('nw-ops');
    expect(await auditTypes(changeId)).toEqual([
      'change-submitted',
      'notice-sent',
      'change-applied',
      'acknowledgement-recorded',
    ]);
  });
});
