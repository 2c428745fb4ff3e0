/**
 * The people's decisions on a change against the real DynamoDB Local: approval (maker-checker, emergency,
 * rejection, expiry), consultation, disputes and their three outcomes, withdrawal, escalation resolved by a
 * person, a failed workflow retried, and the sweep for emails a crash left queued.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approveChange, rejectChange } from '../../functions/approvals/decide.ts';
import { recordConsultation } from '../../functions/consultations/record.ts';
import { raiseConcern } from '../../functions/disputes/raise-concern.ts';
import { resolveDispute } from '../../functions/disputes/resolve.ts';
import { addDays, toIsoDate } from '../../functions/domain/calendar.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import { advance } from '../../functions/notices/advance.ts';
import { recordWorkflowFailure, retryWorkflow } from '../../functions/notices/failure.ts';
import { resolveEscalation } from '../../functions/notices/resolve-escalation.ts';
import { sendNotice } from '../../functions/notices/send-notice.ts';
import { startPendingWorkflows } from '../../functions/notices/start-pending-workflows.ts';
import { withdrawChange } from '../../functions/notices/withdraw.ts';
import { dateInWords } from '../support/fixtures.ts';
import {
  contoso,
  createIntegrationContext,
  deliveredCut,
  fabrikam,
  type IntegrationContext,
  isoDateAfter,
  northwind,
  noticeTokens,
  realRationale,
  submitCommission,
  TEST_START,
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

async function submitted(request: Parameters<typeof submitCommission>[1], by = 'fiona') {
  const outcome = await submitCommission(context, request, by);
  if (outcome.outcome !== 'created') throw new Error(JSON.stringify(outcome));
  return outcome.change.changeId;
}

describe('approval (maker-checker)', () => {
  it('refuses the submitter approving its own change, audits the attempt, and sends nothing', async () => {
    const changeId = await submitted(validCut(northwind, context.clock.now(), 60, 'self'));
    const outcome = await approveChange(context.deps, changeId, { by: 'fiona', comment: 'I approve my own' });
    expect(outcome).toMatchObject({ ok: false, refusal: 'self-approval' });
    expect(await get(changeId)).toMatchObject({ status: 'awaiting-approval', approval: { approvals: [] } });
    const entries = await context.deps.changes.auditEntries(changeId);
    expect(entries.find((entry) => entry.type === 'self-approval-refused')).toMatchObject({ actor: 'fiona' });
    expect(await context.messagesFor(changeId, 'notice')).toEqual([]);
    // A cut that is never approved never notifies: the notice step itself refuses to run.
    await sendNotice(context.deps, changeId);
    expect(await context.messagesFor(changeId, 'notice')).toEqual([]);
    expect((await get(changeId))?.status).toBe('awaiting-approval');
  });

  it('needs two different approvers for an emergency, and neither may be the submitter', async () => {
    const now = context.clock.now();
    const changeId = await submitted({
      ...validCut(contoso, now, 10, 'emergency'),
      emergency: { justification: 'A court order stops payments on this product line from next week.' },
    });
    expect(await get(changeId)).toMatchObject({ noticePeriodDays: 7, approval: { required: 2 } });
    expect((await approveChange(context.deps, changeId, { by: 'amara', comment: 'First' })).ok).toBe(true);
    expect((await get(changeId))?.status).toBe('awaiting-approval');
    expect(await approveChange(context.deps, changeId, { by: 'amara', comment: 'Again' })).toMatchObject({
      refusal: 'already-approved',
    });
    expect((await approveChange(context.deps, changeId, { by: 'victor', comment: 'Second' })).ok).toBe(true);
    expect((await get(changeId))?.status).toBe('notice-due');
    await sendNotice(context.deps, changeId);
    const [notice] = await context.messagesFor(changeId, 'notice');
    expect(notice!.subject).toMatch(/^Emergency notice/);
    expect(notice!.text).toContain('A court order stops payments');
    const ledger = (await context.scan('TrustLedger')).filter((event) => event.changeId === changeId);
    expect(ledger.map((event) => event.rule)).toEqual(['emergency-short-notice']);
    expect(Number(ledger[0]!.points)).toBeLessThan(-5);
  });

  it('rejection ends the change, tells the submitter, and frees the partner for another change', async () => {
    const changeId = await submitted(validCut(northwind, context.clock.now(), 60, 'reject'));
    const outcome = await rejectChange(context.deps, changeId, {
      by: 'victor',
      comment: 'Wait for the Q3 numbers.',
    });
    expect(outcome.ok).toBe(true);
    expect(await get(changeId)).toMatchObject({
      status: 'rejected',
      approval: { rejection: { by: 'victor' } },
    });
    expect((await context.messagesFor(changeId, 'approval-decision')).map((m) => m.to[0]!.email)).toEqual([
      'fiona.grant@vendor.example',
    ]);
    expect(
      await context.deps.changes.conflictHolder(northwind.partnerId, 'commission#products:reject'),
    ).toBeUndefined();
    expect(
      await submitCommission(context, validCut(northwind, context.clock.now(), 60, 'reject')),
    ).toMatchObject({
      outcome: 'created',
    });
  });

  it('expires an approval nobody gave within the configured time', async () => {
    const changeId = await submitted(validCut(northwind, context.clock.now(), 60, 'expiry'));
    context.clock.set(addDays(new Date(TEST_START), context.deps.policy.approvalExpiryDays));
    expect(await advance(context.deps, changeId)).toMatchObject({ status: 'approval-expired', next: 'end' });
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toEqual([
      'change-submitted',
      'approval-expired',
    ]);
    expect((await context.messagesFor(changeId, 'approval-decision'))[0]!.subject).toMatch(/expired/);
    expect(await approveChange(context.deps, changeId, { by: 'amara', comment: 'Too late' })).toMatchObject({
      refusal: 'not-awaiting-approval',
    });
  });

  it('needs an approver for a raise above the configured size, not for a small one', async () => {
    const big = await submitted({
      ...validCut(northwind, context.clock.now(), 0, 'big-raise'),
      newRatePct: 16,
    });
    const small = await submitted({
      ...validCut(northwind, context.clock.now(), 0, 'small-raise'),
      newRatePct: 13,
    });
    expect((await get(big))?.status).toBe('awaiting-approval');
    expect((await get(small))?.status).toBe('notice-due');
  });
});

describe('consultation (collaborative and partnership partners)', () => {
  it('asks the alliance manager first, reminds weekly, and sends the notice only once the call is recorded; the notice period counts from then', async () => {
    const changeId = await submitted(validCut(fabrikam, context.clock.now(), 61, 'consult'));
    await approveChange(context.deps, changeId, { by: 'amara', comment: 'ok' });
    expect((await get(changeId))?.status).toBe('awaiting-consultation');
    expect((await context.messagesFor(changeId, 'consultation-request')).map((m) => m.to[0]!.name)).toEqual([
      'Aisha Mensah',
    ]);
    await sendNotice(context.deps, changeId);
    expect(await context.messagesFor(changeId, 'notice')).toEqual([]);

    context.clock.set(addDays(new Date(TEST_START), 7));
    await advance(context.deps, changeId);
    expect(await context.messagesFor(changeId, 'consultation-reminder')).toHaveLength(1);

    const today = toIsoDate(context.clock.now());
    expect(
      await recordConsultation(context.deps, changeId, {
        by: 'aisha',
        heldOn: isoDateAfter(context.clock.now(), 1),
        participants: ['Jonas Berg'],
        summary: 'Walked Jonas through the numbers; he asked about the storage bundle.',
      }),
    ).toMatchObject({ ok: false, refusal: 'held-in-future' });
    const recorded = await recordConsultation(context.deps, changeId, {
      by: 'aisha',
      heldOn: today,
      participants: ['Jonas Berg', 'Aisha Mensah'],
      summary:
        'Walked Jonas through the supplier price rise; he asked for the storage bundle rates in writing.',
    });
    expect(recorded.ok).toBe(true);
    await sendNotice(context.deps, changeId);
    const change = (await get(changeId))!;
    expect(change.status).toBe('notice-sent');
    // 61 days were asked; a week went by in consultation, so the 60-day period from delivery moves the date.
    expect(change.notice!.applyAt > `${change.effectiveDate}T00:00:00.000Z`).toBe(true);
    expect(change.notice!.applyAtReason).toMatch(/counts from delivery/);
    expect((await context.messagesFor(changeId, 'notice'))[0]!.text).toContain(
      `Takes effect from: ${dateInWords(change.notice!.applyAt.slice(0, 10))}`,
    );
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toEqual([
      'change-submitted',
      'approval-recorded',
      'consultation-reminder-sent',
      'consultation-recorded',
      'notice-sent',
      'notice-delivered',
    ]);
  });
});

describe('disputes', () => {
  async function raise(changeId: string, contact = 'nw-ops') {
    const { noticeId, tokens } = await noticeTokens(context, changeId);
    return raiseConcern(context.deps, {
      noticeId,
      token: tokens[contact]!,
      comment: 'This cut lands in the middle of our biggest quarter; we need more time.',
    });
  }

  it('a concern pauses a cut, names the alliance manager as owner with a deadline, and emails them', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'pause');
    const outcome = await raise(changeId);
    expect(outcome.outcome).toBe('recorded');
    const change = (await get(changeId))!;
    expect(change).toMatchObject({
      status: 'disputed',
      dispute: { owner: { userId: 'dana' }, pausedFrom: 'notice-sent', contactId: 'nw-ops' },
    });
    expect(change.dispute!.dueAt).toBe(
      addDays(context.clock.now(), context.deps.policy.disputeResponseDays).toISOString(),
    );
    expect((await context.messagesFor(changeId, 'dispute-raised')).map((m) => m.to[0]!.name)).toEqual([
      'Dana Whitfield',
    ]);
    // A second concern while one is open finds it.
    expect((await raise(changeId)).outcome).toBe('already-open');
    // Paused: past its apply date it neither applies nor holds.
    context.clock.set(addDays(new Date(change.notice!.applyAt), 1));
    expect(await advance(context.deps, changeId)).toMatchObject({ status: 'disputed' });
  });

  it('upheld: the written answer goes to the partner and the change goes back where it was', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'upheld');
    await raise(changeId);
    const answer =
      'We looked at your pipeline: the cut stands, but deals you register this quarter keep 12%.';
    const outcome = await resolveDispute(context.deps, changeId, { outcome: 'upheld', answer, by: 'dana' });
    expect(outcome).toMatchObject({ ok: true, result: { status: 'notice-sent' } });
    expect((await context.messagesFor(changeId, 'dispute-answer'))[0]!.text).toContain(answer);
    const ledger = (await context.scan('TrustLedger')).filter((event) => event.changeId === changeId);
    expect(ledger.map((event) => event.rule).sort()).toEqual(['dispute-answered', 'dispute-raised']);
    expect(
      await resolveDispute(context.deps, changeId, { outcome: 'upheld', answer, by: 'dana' }),
    ).toMatchObject({
      refusal: 'no-open-dispute',
    });
  });

  it('revised worse for the partner: a v2 notice, and the notice period starts again from it', async () => {
    // Announced with just the 30-day period (31 days ahead), so a restart must move the date.
    const changeId = await submitted(validCut(northwind, context.clock.now(), 31, 'worse'));
    await approveChange(context.deps, changeId, { by: 'amara', comment: 'ok' });
    await sendNotice(context.deps, changeId);
    const v1 = (await get(changeId))!.notice!;
    await raise(changeId);
    context.clock.advanceDays(5);
    const outcome = await resolveDispute(context.deps, changeId, {
      outcome: 'revised',
      answer:
        'We moved the cut to one product line only, but the rate on it goes lower than first announced.',
      revision: { newRatePct: 9 },
      rationale: `${realRationale} The storage line now carries the whole reduction.`,
      by: 'dana',
    });
    expect(outcome).toMatchObject({
      ok: true,
      result: { status: 'notice-due', comparedToPrevious: 'worse' },
    });
    await sendNotice(context.deps, changeId);
    const change = (await get(changeId))!;
    expect(change.notice).toMatchObject({ version: 2, noticeId: `${changeId}-v2` });
    const v2Delivered = new Date(change.notice!.deliveredAt!);
    expect(new Date(change.notice!.applyAt).getTime()).toBeGreaterThanOrEqual(
      addDays(v2Delivered, 30).getTime(),
    );
    expect(change.notice!.applyAt > v1.applyAt).toBe(true);
    const v2 = (await context.messagesFor(changeId, 'notice')).find((m) =>
      m.messageId.startsWith(`${changeId}-v2#`),
    )!;
    expect(v2.subject).toMatch(/^Revised notice of commission reduction: 12% → 9%/);
    expect(v2.text).toContain('notice period starts again');
    // The v1 link no longer acknowledges anything.
    const old = await noticeTokens(context, changeId);
    const v1Link = (await context.messagesFor(changeId, 'notice')).find((m) =>
      m.messageId.startsWith(`${changeId}-v1#`),
    )!;
    const url = new URL(v1Link.links[0]!);
    const stale = await acknowledgeNotice(context.deps, {
      noticeId: decodeURIComponent(url.pathname.split('/').at(-1)!),
      token: url.searchParams.get('token')!,
      sourceIp: '192.0.2.9',
      userAgent: 't',
    });
    expect(stale).toMatchObject({ outcome: 'closed', state: 'superseded' });
    expect(old.noticeId).toBe(`${changeId}-v2`);
  });

  it('revised better for the partner: a v2 notice that keeps the announced date', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'better');
    const v1 = (await get(changeId))!.notice!;
    await raise(changeId);
    context.clock.advanceDays(5);
    await resolveDispute(context.deps, changeId, {
      outcome: 'revised',
      answer: 'You are right about the timing: we halve the cut and keep the date you were given.',
      revision: { newRatePct: 11 },
      rationale: realRationale,
      by: 'dana',
    });
    await sendNotice(context.deps, changeId);
    const change = (await get(changeId))!;
    expect(change.notice).toMatchObject({ version: 2, applyAt: v1.applyAt });
    expect(change.terms).toMatchObject({ newRatePct: 11 });
    expect(change.status).toBe('notice-sent');
    const ledger = (await context.scan('TrustLedger')).filter((event) => event.changeId === changeId);
    expect(ledger.map((event) => event.rule)).toContain('dispute-resolved-by-revision');
  });

  it('withdrawn after the concern: the partner is told and the change ends', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'dispute-withdrawn');
    await raise(changeId);
    const outcome = await resolveDispute(context.deps, changeId, {
      outcome: 'withdrawn',
      answer: 'Your numbers convinced us: we withdraw this cut and will talk about the next quarter first.',
      by: 'dana',
    });
    expect(outcome).toMatchObject({ ok: true, result: { status: 'withdrawn' } });
    expect(await get(changeId)).toMatchObject({
      status: 'withdrawn',
      dispute: { resolution: { outcome: 'withdrawn' } },
    });
    expect((await context.messagesFor(changeId, 'withdrawal')).map((m) => m.to[0]!.email).sort()).toEqual([
      'dana.whitfield@vendor.example',
      'priya.raman@northwind.example',
    ]);
    const ledger = (await context.scan('TrustLedger')).filter((event) => event.changeId === changeId);
    expect(ledger.map((event) => event.rule)).toContain('withdrawn-after-partner-input');
  });

  it('a concern about a raise does not pause it', async () => {
    const changeId = await submitted({
      ...validCut(contoso, context.clock.now(), 30, 'raise-concern'),
      newRatePct: 16,
    });
    await sendNotice(context.deps, changeId);
    const { noticeId, tokens } = await noticeTokens(context, changeId);
    await raiseConcern(context.deps, {
      noticeId,
      token: tokens['cv-finance']!,
      comment: 'Why only on this product and not the whole catalogue?',
    });
    expect(await get(changeId)).toMatchObject({
      status: 'scheduled',
      dispute: { owner: { userId: 'luis' } },
    });
  });

  it('reminds the owner before the deadline and escalates to the submitter and approvers when it is missed', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'dispute-deadline');
    await raise(changeId);
    const dueAt = new Date((await get(changeId))!.dispute!.dueAt);
    context.clock.set(addDays(dueAt, -3));
    await advance(context.deps, changeId);
    expect(await context.messagesFor(changeId, 'dispute-reminder')).toHaveLength(1);
    context.clock.set(dueAt);
    await advance(context.deps, changeId);
    const [escalation] = await context.messagesFor(changeId, 'dispute-escalation');
    expect(escalation!.to.map((recipient) => recipient.email).sort()).toEqual(['fiona.grant@vendor.example']);
    expect((await context.auditEntries(changeId)).map((entry) => entry.type)).toContain('dispute-escalated');
  });
});

describe('withdrawal and escalation resolved by a person', () => {
  it('withdrawal tells everyone already notified, with the reason, and releases the partner', async () => {
    const { changeId } = await deliveredCut(context, contoso, 'fiona', 'withdraw');
    const outcome = await withdrawChange(context.deps, changeId, {
      by: 'fiona',
      reason: 'The supplier withdrew its price rise.',
    });
    expect(outcome).toMatchObject({ ok: true, result: { notified: 3 } });
    const told = await context.messagesFor(changeId, 'withdrawal');
    expect(told.map((m) => m.to[0]!.email).sort()).toEqual([
      'luis.ortega@vendor.example',
      'maya.chen@contoso.example',
      'tom.becker@contoso.example',
    ]);
    expect(told[0]!.text).toContain('The supplier withdrew its price rise.');
    expect(
      await withdrawChange(context.deps, changeId, { by: 'fiona', reason: 'Again, for good measure.' }),
    ).toMatchObject({
      refusal: 'already-ended',
    });
  });

  it('a held change proceeds when the alliance manager resolves the escalation, and is applied', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'fiona', 'proceed');
    const applyAt = new Date((await get(changeId))!.notice!.applyAt);
    context.clock.set(applyAt);
    await advance(context.deps, changeId);
    expect((await get(changeId))?.status).toBe('held');
    const outcome = await resolveEscalation(context.deps, changeId, {
      by: 'dana',
      outcome: 'proceed',
      note: 'Priya confirmed by phone on the 14th that they read it and accept the date.',
    });
    expect(outcome).toMatchObject({ ok: true, result: { status: 'scheduled' } });
    expect(await advance(context.deps, changeId)).toMatchObject({ next: 'apply' });
  });
});

describe('a failed workflow', () => {
  it('is visible on the change, and an operator’s retry puts it back where it failed and starts a new execution', async () => {
    const changeId = await submitted(validCut(northwind, context.clock.now(), 60, 'failure'));
    const recorded = await recordWorkflowFailure(context.deps, {
      changeId,
      error: 'Lambda.Unknown',
      cause: 'boom',
    });
    expect(recorded).toEqual({ recorded: true });
    expect(await get(changeId)).toMatchObject({
      status: 'workflow-failed',
      failure: { error: 'Lambda.Unknown', failedFrom: 'awaiting-approval', attempt: 1 },
    });
    const before = context.workflow.started.length;
    expect(await retryWorkflow(context.deps, changeId, 'operator')).toEqual({
      outcome: 'retried',
      attempt: 2,
    });
    expect(await get(changeId)).toMatchObject({ status: 'awaiting-approval', workflowAttempt: 2 });
    expect(context.workflow.started.slice(before)).toEqual([`${changeId}#2`]);
    expect(await retryWorkflow(context.deps, changeId, 'operator')).toEqual({ outcome: 'not-failed' });
  });
});

describe('the sweep', () => {
  it('delivers emails a crashed step committed but never sent, once', async () => {
    const original = context.deps.mailer;
    context.deps.mailer = { send: async () => Promise.reject(new Error('SES is down')) };
    let changeId: string;
    try {
      changeId = await submitted(validCut(contoso, context.clock.now(), 60, 'sweep'));
    } finally {
      context.deps.mailer = original;
    }
    expect(await context.messagesFor(changeId, 'approval-request')).toEqual([]);
    context.clock.set(new Date(Date.parse(TEST_START) + 120_000));
    const swept = await startPendingWorkflows(context.deps);
    expect(swept.delivered).toBe(2);
    expect(await context.messagesFor(changeId, 'approval-request')).toHaveLength(2);
    expect((await startPendingWorkflows(context.deps)).delivered).toBe(0);
  });
});
