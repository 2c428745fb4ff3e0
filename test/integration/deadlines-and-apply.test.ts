/**
 * The clock's steps against the real DynamoDB Local: reminders, escalation (with the fallback contacts) and
 * the hold for an unacknowledged notice, and applying the change after its notice period — each exactly once,
 * however often (and however concurrently) the workflow runs the step.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays, DAY_MS } from '../../functions/domain/calendar.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import { advance } from '../../functions/notices/advance.ts';
import { applyChange } from '../../functions/notices/apply.ts';
import { awaitEvent } from '../../functions/notices/await-event.ts';
import { sendNotice } from '../../functions/notices/send-notice.ts';
import { SEED_RATES_FROM } from '../../local/seed.ts';
import {
  contoso,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  northwind,
  submitCommission,
  TEST_START,
  TestClock,
  validCut,
} from '../support/integration-deps.ts';

let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

beforeEach(() => {
  context.clock.set(TEST_START);
});

afterAll(() => context?.close());

const get = (changeId: string) => context.deps.changes.get(changeId);

async function acknowledge(noticeId: string, token: string) {
  const outcome = await acknowledgeNotice(context.deps, {
    noticeId,
    token,
    sourceIp: '192.0.2.10',
    userAgent: 'test',
  });
  expect(outcome.outcome).toBe('recorded');
}

const firstSteps = ['change-submitted', 'approval-recorded', 'notice-sent', 'notice-delivered'];

describe('advance: reminders, escalation and the hold', () => {
  it('sends one reminder per contact on a reminder day, and escalates once — to the alliance manager and the fallback contacts', async () => {
    const { changeId } = await deliveredCut(context, contoso, 'finance-follow-up', 'follow-up');
    const deliveredAt = new Date((await get(changeId))!.notice!.deliveredAt!);

    // Day 1: nothing is due, nothing is written.
    context.clock.set(addDays(deliveredAt, 1));
    const quiet = await context.snapshot();
    await advance(context.deps, changeId);
    expect(await context.snapshot()).toEqual(quiet);

    // Day 3 (enhanced: reminders on days 3 and 7, escalation on day 10), run twice and then concurrently.
    context.clock.set(addDays(deliveredAt, 3));
    const first = await advance(context.deps, changeId);
    const second = await advance(context.deps, changeId);
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => advance(context.deps, changeId)));
    for (const progress of [second, ...concurrent]) expect(progress).toEqual(first);
    expect(first).toMatchObject({ next: 'wait', status: 'notice-sent', waitSeconds: 4 * 86_400 });
    const reminders = await context.messagesFor(changeId, 'reminder');
    expect(reminders.map((message) => message.to[0]!.email).sort()).toEqual([
      'maya.chen@contoso.example',
      'tom.becker@contoso.example',
    ]);
    expect(reminders[0]!.subject).toMatch(/^Reminder 1: please acknowledge/);
    expect((await get(changeId))?.followUp).toEqual({ remindersSent: 1 });
    expect(await context.ledgerFor(changeId, 'reminder-needed')).toHaveLength(1);
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toEqual([
      ...firstSteps,
      'reminder-sent',
    ]);

    // Day 10: escalation, once, even when the step runs concurrently (the day-7 reminder is skipped: only the
    // latest due step is taken, so the partner is not sent a stale reminder with the escalation).
    context.clock.set(addDays(deliveredAt, 10));
    await Promise.all(Array.from({ length: 4 }, () => advance(context.deps, changeId)));
    await advance(context.deps, changeId);
    const escalations = await context.messagesFor(changeId, 'escalation');
    expect(escalations.map((message) => message.to)).toEqual([
      [{ name: 'Luis Ortega', email: contoso.allianceManagerEmail }],
    ]);
    const fallback = await context.messagesFor(changeId, 'fallback-notice');
    expect(fallback.map((message) => message.to[0]!.email)).toEqual(['ines.duarte@contoso.example']);
    expect(fallback[0]!.text).toMatch(/primary contact has not acknowledged/);
    const escalated = (await get(changeId))!;
    expect(escalated.status).toBe('escalated');
    expect(escalated.notice!.recipients.map((recipient) => [recipient.contactId, recipient.role])).toEqual([
      ['cv-finance', 'primary'],
      ['cv-ceo', 'primary'],
      ['cv-office', 'fallback'],
    ]);
    expect(await context.ledgerFor(changeId, 'escalation-needed')).toHaveLength(1);
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toEqual([
      ...firstSteps,
      'reminder-sent',
      'escalated-to-alliance-manager',
    ]);
    const noticeId = escalated.notice!.noticeId;
    expect(context.mailer.deliveries(noticeId)).toEqual({
      [`${noticeId}#notice#cv-finance`]: 1,
      [`${noticeId}#notice#cv-ceo`]: 1,
      [`${noticeId}#reminder-1#cv-finance`]: 1,
      [`${noticeId}#reminder-1#cv-ceo`]: 1,
      [`${noticeId}#escalation`]: 1,
      [`${noticeId}#fallback#cv-office`]: 1,
    });
  });

  it('a fallback contact’s link acknowledges the notice once it was escalated to them', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'finance-fallback', 'fallback');
    context.clock.set(addDays(new Date((await get(changeId))!.notice!.deliveredAt!), 10));
    await advance(context.deps, changeId);
    const [message] = await context.messagesFor(changeId, 'fallback-notice');
    const url = new URL(message!.links[0]!);
    await acknowledge(decodeURIComponent(url.pathname.split('/').at(-1)!), url.searchParams.get('token')!);
    expect(await get(changeId)).toMatchObject({
      status: 'scheduled',
      acknowledgement: { contactId: 'nw-owner' },
    });
  });

  it('holds an unacknowledged adverse change at its apply date, reminds the alliance manager weekly, and never applies it', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'finance-hold', 'hold');
    const applyAt = new Date((await get(changeId))!.notice!.applyAt);
    context.clock.set(applyAt);
    const progress = await advance(context.deps, changeId);
    expect(progress).toMatchObject({ status: 'held', next: 'wait' });
    expect(await get(changeId)).toMatchObject({ status: 'held', heldSince: applyAt.toISOString() });
    // The escalation came on the way (a long outage: the latest due steps only, in order).
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toEqual([
      ...firstSteps,
      'escalated-to-alliance-manager',
      'change-held',
    ]);
    expect(
      (await context.messagesFor(changeId, 'held-reminder')).map((message) => message.to[0]!.name),
    ).toEqual(['Dana Whitfield']);
    context.clock.set(addDays(applyAt, 7));
    await advance(context.deps, changeId);
    expect(await context.messagesFor(changeId, 'held-reminder')).toHaveLength(2);
    const before = await context.snapshot();
    expect(await applyChange(context.deps, changeId)).toMatchObject({ status: 'held' });
    expect(await context.snapshot()).toEqual(before);
  });

  it('does nothing once the notice is acknowledged', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(
      context,
      northwind,
      'finance-follow-up-ack',
      'acked',
    );
    const deliveredAt = new Date((await get(changeId))!.notice!.deliveredAt!);
    context.clock.set(addDays(deliveredAt, 2));
    await acknowledge(noticeId, tokens['nw-ops']!);
    context.clock.set(addDays(deliveredAt, 10));
    const before = await context.snapshot();
    const progress = await advance(context.deps, changeId);
    expect(progress).toMatchObject({ status: 'scheduled', next: 'wait' });
    expect(await context.snapshot()).toEqual(before);
  });

  it('records the acknowledgement even when resuming the workflow fails; the workflow finds it at its next deadline', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(
      context,
      northwind,
      'finance-resume-fails',
      'resume',
    );
    await awaitEvent(context.deps, {
      changeId,
      taskToken: 'resume-fails',
      revision: (await get(changeId))!.revision,
    });
    context.workflow.failResumesWith = new Error('ThrottlingException');
    try {
      await acknowledge(noticeId, tokens['nw-ops']!);
    } finally {
      context.workflow.failResumesWith = undefined;
    }
    expect((await get(changeId))?.status).toBe('scheduled');
    // The wait times out at its next deadline; Advance then reports the acknowledged change, writing nothing.
    context.clock.advanceDays(3);
    const before = await context.snapshot();
    expect(await advance(context.deps, changeId)).toMatchObject({ status: 'scheduled', next: 'wait' });
    expect(await context.snapshot()).toEqual(before);
  });
});

describe('applyChange', () => {
  async function acknowledgedCut(submittedBy: string, product: string, parkToken?: string) {
    const delivered = await deliveredCut(context, northwind, submittedBy, product);
    if (parkToken) {
      await awaitEvent(context.deps, {
        changeId: delivered.changeId,
        taskToken: parkToken,
        revision: (await get(delivered.changeId))!.revision,
      });
    }
    await acknowledge(delivered.noticeId, delivered.tokens['nw-ops']!);
    const change = (await get(delivered.changeId))!;
    return { ...delivered, change, applyAt: new Date(change.notice!.applyAt) };
  }

  it('does nothing before the notice period is over, and writes nothing', async () => {
    const { changeId, applyAt } = await acknowledgedCut('finance-early', 'early');
    context.clock.set(new Date(applyAt.getTime() - 1));
    const before = await context.snapshot();
    expect(await applyChange(context.deps, changeId)).toMatchObject({
      status: 'scheduled',
      next: 'wait',
      waitSeconds: 1,
    });
    expect(await context.snapshot()).toEqual(before);
  });

  it('adds a dated rate entry (keeping the old one), records ledger and audit, and is idempotent', async () => {
    const { changeId, change, applyAt } = await acknowledgedCut('finance-apply', 'apply', 'apply-token');
    // Transactional: 30 days' notice; the cut was submitted with 60, so it applies on its effective date.
    expect(applyAt.toISOString()).toBe(`${change.effectiveDate}T00:00:00.000Z`);
    context.clock.set(applyAt);
    expect(await applyChange(context.deps, changeId)).toMatchObject({ status: 'applied', next: 'end' });

    const schedule = (await context.scan('RateSchedule')).filter(
      (entry) => entry.partnerId === northwind.partnerId,
    );
    expect(schedule).toContainEqual(
      expect.objectContaining({ effectiveFrom: SEED_RATES_FROM, ratePct: northwind.ratePct }),
    );
    expect(schedule.filter((entry) => entry.changeId === changeId)).toEqual([
      expect.objectContaining({
        effectiveFrom: change.effectiveDate,
        ratePct: northwind.ratePct - 2,
        scopeKey: 'products:apply',
      }),
    ]);
    const stored = await get(changeId);
    expect(stored).toMatchObject({
      status: 'applied',
      appliedFrom: change.effectiveDate,
      appliedAt: applyAt.toISOString(),
    });
    expect(stored?.taskToken).toBeUndefined();
    expect(
      await context.deps.changes.conflictHolder(northwind.partnerId, 'commission#products:apply'),
    ).toBeUndefined();
    expect((await context.ledgerFor(changeId)).map((event) => event.rule).sort()).toEqual([
      'commission-cut',
      'notice-full-period',
      'prompt-acknowledgement',
    ]);
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toEqual([
      ...firstSteps,
      'acknowledgement-recorded',
      'change-applied',
    ]);
    const applied = (await context.deps.changes.auditEntries(changeId)).find(
      (entry) => entry.type === 'change-applied',
    )!;
    // The rate it replaced, as the schedule says on the eve of the new one (not as the submission assumed).
    expect(applied.details).toMatchObject({
      previousRatePct: northwind.ratePct,
      newRatePct: northwind.ratePct - 2,
    });

    // Again, later and concurrently: not one item more or changed.
    const after = await context.snapshot();
    context.clock.set(new Date(applyAt.getTime() + DAY_MS));
    await Promise.all(Array.from({ length: 5 }, () => applyChange(context.deps, changeId)));
    await applyChange(context.deps, changeId);
    expect(await context.snapshot()).toEqual(after);
  });

  it('applies exactly once when the first apply runs concurrently (also from a retry a minute later)', async () => {
    const { changeId, applyAt } = await acknowledgedCut('finance-apply-concurrent', 'concurrent');
    context.clock.set(applyAt);
    // A retried Lambda started a minute later runs with a later "now" (a different rate-entry key).
    const later = { ...context.deps, clock: new TestClock(new Date(applyAt.getTime() + 60_000)) };
    await Promise.all(
      Array.from({ length: 6 }, (_, index) => applyChange(index % 2 === 0 ? context.deps : later, changeId)),
    );
    expect((await get(changeId))?.status).toBe('applied');
    expect((await context.scan('RateSchedule')).filter((entry) => entry.changeId === changeId)).toHaveLength(
      1,
    );
    expect(await context.ledgerFor(changeId, 'commission-cut')).toHaveLength(1);
    expect(
      (await context.auditEntries(changeId))
        .map((entry) => entry.type)
        .filter((type) => type === 'change-applied'),
    ).toHaveLength(1);
  });

  it('applied late, starts the new rate on the next whole day (never retroactive)', async () => {
    const { changeId, change, applyAt } = await acknowledgedCut('finance-apply-late', 'late');
    context.clock.set(new Date(applyAt.getTime() + 2.5 * DAY_MS));
    await applyChange(context.deps, changeId);
    const nextDay = new Date(applyAt.getTime() + 3 * DAY_MS).toISOString().slice(0, 10);
    const stored = (await get(changeId))!;
    expect(stored.appliedFrom).toBe(nextDay);
    expect(stored.appliedFrom! > change.effectiveDate).toBe(true);
    expect((await context.scan('RateSchedule')).filter((entry) => entry.changeId === changeId)).toEqual([
      expect.objectContaining({ effectiveFrom: nextDay }),
    ]);
  });

  it('refuses a cut that is not acknowledged, even after the notice period, and writes nothing', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'finance-unacknowledged', 'unacked');
    const change = (await get(changeId))!;
    context.clock.set(new Date(new Date(change.notice!.applyAt).getTime() + 5 * DAY_MS));
    const before = await context.snapshot();
    expect(await applyChange(context.deps, changeId)).toMatchObject({ status: 'notice-sent' });
    expect(await context.snapshot()).toEqual(before);
  });

  it('applies a raise without approval or acknowledgement; a later acknowledgement keeps it applied', async () => {
    const now = context.clock.now();
    const submitted = await submitCommission(
      context,
      { ...validCut(northwind, now, 0, 'raise'), newRatePct: northwind.ratePct + 1 },
      'finance-raise',
    );
    if (submitted.outcome !== 'created') throw new Error(JSON.stringify(submitted));
    const { changeId } = submitted.change;
    expect(submitted.change).toMatchObject({ status: 'notice-due', approval: { required: 0 } });
    const progress = await sendNotice(context.deps, changeId);
    expect(progress).toMatchObject({ status: 'scheduled', next: 'apply' });
    await applyChange(context.deps, changeId);
    expect((await context.ledgerFor(changeId)).map((event) => event.rule)).toEqual(['commission-raise']);
    const link = (await context.messagesFor(changeId, 'notice'))[0]!.links[0]!;
    const url = new URL(link);
    await acknowledge(decodeURIComponent(url.pathname.split('/').at(-1)!), url.searchParams.get('token')!);
    const stored = await get(changeId);
    expect(stored?.status).toBe('applied');
    expect(stored?.acknowledgement?.contactId).toBe('nw-ops');
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toEqual([
      'change-submitted',
      'notice-sent',
      'notice-delivered',
      'change-applied',
      'acknowledgement-recorded',
    ]);
  });
});
