/**
 * Stage moves on the real DynamoDB Local: a move of a partner up or down the relationship stages is a change
 * of the one notice lifecycle (approval, notice, acknowledgement, apply), its refusals write nothing, and its
 * apply moves the partner exactly once and never from a stage the partner is no longer at.
 */
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approveChange } from '../../functions/approvals/decide.ts';
import { addDays } from '../../functions/domain/calendar.ts';
import { defaultStagePolicies } from '../../functions/domain/relationship-stage.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import { applyChange } from '../../functions/notices/apply.ts';
import { sendNotice } from '../../functions/notices/send-notice.ts';
import { submitChange } from '../../functions/notices/submit.ts';
import { stageHistory } from '../../functions/stage-moves/history.ts';
import { StageMovedMeanwhile, stageMoveKind } from '../../functions/stage-moves/kind.ts';
import type { StageMoveTerms } from '../../functions/stage-moves/rules.ts';
import {
  contoso,
  createIntegrationContext,
  type IntegrationContext,
  isoDateAfter,
  northwind,
  noticeTokens,
  submitCommission,
  validCut,
} from '../support/integration-deps.ts';

export const stageRationale =
  'Your services certification expired in June 2026 and you closed no value-added deal in the last 4 quarters, ' +
  'so the joint planning we fund at the enhanced stage no longer fits because the demand for it fell.';

let context: IntegrationContext;

beforeEach(async () => {
  // Each test moves seeded partners: a fresh set of tables for each.
  context = await createIntegrationContext();
});

afterEach(() => context?.close());

const manager = 'dana';

function moveRequest(
  partnerId: string,
  currentStage: string,
  toStage: string,
  effectiveInDays: number,
  extra: Record<string, unknown> = {},
) {
  return {
    partnerId,
    currentStage,
    toStage,
    effectiveDate: isoDateAfter(context.clock.now(), effectiveInDays),
    rationale: stageRationale,
    ...extra,
  };
}

function submitMove(request: ReturnType<typeof moveRequest>, by = manager, key?: string) {
  return submitChange(context.deps, 'stage-move', request, by, key);
}

async function created(request: ReturnType<typeof moveRequest>) {
  const outcome = await submitMove(request);
  if (outcome.outcome !== 'created') throw new Error(`refused: ${JSON.stringify(outcome)}`);
  return outcome.change;
}

async function acknowledgeAll(changeId: string) {
  const { noticeId, tokens } = await noticeTokens(context, changeId);
  const token = Object.values(tokens)[0]!;
  const outcome = await acknowledgeNotice(context.deps, {
    noticeId,
    token,
    sourceIp: '192.0.2.10',
    userAgent: 'test',
  });
  expect(outcome.outcome).toBe('recorded');
}

const partner = async (partnerId: string) => (await context.deps.partners.get(partnerId))!;

describe('a move down the pyramid', () => {
  it('needs an approver, gives the current stage’s notice, waits for the acknowledgement, then moves the partner: its next cut gets the lower stage’s period', async () => {
    const change = await created(moveRequest(contoso.partnerId, 'enhanced', 'transactional', 50));
    expect(change).toMatchObject({
      kind: 'stage-move',
      status: 'awaiting-approval',
      adverse: true,
      // The partner is still enhanced when told: the enhanced notice period.
      noticePeriodDays: defaultStagePolicies.enhanced.adverseNoticeDays,
      approval: { required: 1 },
      terms: { fromStage: 'enhanced', toStage: 'transactional', direction: 'down' },
    });
    // Nothing reaches the partner before approval.
    expect(await context.messagesFor(change.changeId, 'notice')).toEqual([]);
    const approved = await approveChange(context.deps, change.changeId, {
      by: 'amara',
      comment: 'The certification lapse is documented.',
    });
    expect(approved.ok).toBe(true);

    await sendNotice(context.deps, change.changeId);
    const sent = (await context.deps.changes.get(change.changeId))!;
    expect(sent.status).toBe('notice-sent');
    const notices = await context.messagesFor(change.changeId, 'notice');
    expect(notices.map((message) => message.to[0]!.email).sort()).toEqual([
      'maya.chen@contoso.example',
      'tom.becker@contoso.example',
    ]);
    const email = notices[0]!;
    expect(email.subject).toMatch(/^Notice of relationship stage change: Enhanced → Transactional from /);
    expect(email.text).toContain(stageRationale);
    expect(email.text).toContain('Your relationship stage now: Enhanced');
    expect(email.text).toContain('Your new relationship stage: Transactional');
    expect(email.text).toContain(
      'Notice of a later change worse for you: at least 30 days from delivery (now: at least 45 days)',
    );
    expect(email.text).toContain('Notice period: 45 days from delivery of this notice.\n');
    // A stage changes no sale's terms: the notice promises nothing about sales.
    expect(email.text).not.toContain('sales booked');
    // No money example: a stage has no rate.
    expect(email.text).not.toContain('What it means in money');

    context.clock.set(addDays(new Date(sent.notice!.deliveredAt!), 1));
    await acknowledgeAll(change.changeId);
    expect((await context.deps.changes.get(change.changeId))!.status).toBe('scheduled');
    // Acknowledged, but the notice period has not run: still not applied.
    await applyChange(context.deps, change.changeId);
    expect((await partner(contoso.partnerId)).stage).toBe('enhanced');

    context.clock.set(sent.notice!.applyAt);
    const progress = await applyChange(context.deps, change.changeId);
    expect(progress.status).toBe('applied');
    const moved = await partner(contoso.partnerId);
    expect(moved).toMatchObject({ stage: 'transactional', version: 1, updatedAt: sent.notice!.applyAt });
    const applied = (await context.auditEntries(change.changeId)).find(
      (entry) => entry.type === 'change-applied',
    );
    expect(applied?.details).toMatchObject({
      kind: 'stage-move',
      partnerId: contoso.partnerId,
      fromStage: 'enhanced',
      toStage: 'transactional',
    });

    // The next cut for the partner gets the transactional period (30 days), not the enhanced one (45).
    const cut = await submitCommission(context, validCut(contoso, context.clock.now(), 31));
    expect(cut.outcome).toBe('created');
    if (cut.outcome === 'created') {
      expect(cut.change.partnerStage).toBe('transactional');
      expect(cut.change.noticePeriodDays).toBe(30);
    }
  });

  it('applies once however often the apply is re-driven: the partner’s version moves by one', async () => {
    const change = await created(moveRequest(contoso.partnerId, 'enhanced', 'transactional', 50));
    await approveChange(context.deps, change.changeId, { by: 'amara', comment: 'Agreed with the team.' });
    await sendNotice(context.deps, change.changeId);
    await acknowledgeAll(change.changeId);
    context.clock.set((await context.deps.changes.get(change.changeId))!.notice!.applyAt);
    const asReadBefore = (await context.deps.changes.get<StageMoveTerms>(change.changeId))!;

    // Concurrent re-drives: the losers find the partner moved by this very change, which is no error.
    await Promise.all(Array.from({ length: 5 }, () => applyChange(context.deps, change.changeId)));
    const afterFirst = await context.snapshot();
    await applyChange(context.deps, change.changeId);
    expect(await context.snapshot()).toEqual(afterFirst);
    expect(await partner(contoso.partnerId)).toMatchObject({ stage: 'transactional', version: 1 });
    // A step that read the change before it was applied finds the partner moved by this very change: not a
    // StageMovedMeanwhile, its commit fails on the change's own guard instead (deterministically, the race
    // the concurrent re-drives above run into at random).
    const late = await stageMoveKind.apply(context.deps, asReadBefore, {
      now: context.clock.now(),
      appliedFrom: asReadBefore.notice!.applyAt.slice(0, 10),
    });
    expect(late.details).toMatchObject({ fromStage: 'enhanced', toStage: 'transactional' });
    const types = (await context.auditEntries(change.changeId)).map((entry) => entry.type);
    expect(types.filter((type) => type === 'change-applied')).toHaveLength(1);
  });
});

describe('a move up the pyramid', () => {
  it('needs no approval and no acknowledgement: scheduled when the notice goes out, applied on its effective date', async () => {
    const change = await created(moveRequest(northwind.partnerId, 'transactional', 'enhanced', 5));
    expect(change).toMatchObject({
      status: 'notice-due',
      adverse: false,
      noticePeriodDays: 0,
      approval: { required: 0 },
      terms: { direction: 'up' },
    });
    await sendNotice(context.deps, change.changeId);
    const sent = (await context.deps.changes.get(change.changeId))!;
    expect(sent.status).toBe('scheduled');
    const email = (await context.messagesFor(change.changeId, 'notice'))[0]!;
    expect(email.text).toContain(
      'Notice of a later change worse for you: at least 45 days from delivery (now: at least 30 days)',
    );
    expect(email.text).toContain('Notice period: None required (this change benefits you).\n');

    context.clock.set(addDays(context.clock.now(), 4));
    await applyChange(context.deps, change.changeId);
    expect((await partner(northwind.partnerId)).stage).toBe('transactional');
    context.clock.set(`${change.effectiveDate}T00:00:00.000Z`);
    expect((await applyChange(context.deps, change.changeId)).status).toBe('applied');
    expect(await partner(northwind.partnerId)).toMatchObject({ stage: 'enhanced', version: 1 });
  });
});

describe('refusals write nothing', () => {
  it('refuses a stale current stage as a conflict and a move to the same stage as no change', async () => {
    const before = await context.snapshot();
    const stale = await submitMove(moveRequest(contoso.partnerId, 'collaborative', 'transactional', 50));
    expect(stale).toMatchObject({
      outcome: 'stale',
      violations: [{ field: 'currentStage', rule: 'stale-stage' }],
    });
    const same = await submitMove(moveRequest(contoso.partnerId, 'enhanced', 'enhanced', 50));
    expect(same).toMatchObject({
      outcome: 'policy-violation',
      violations: [{ field: 'toStage', rule: 'no-change' }],
    });
    // A move down inside the current stage's notice period is refused by the lifecycle's own rule.
    const tooSoon = await submitMove(moveRequest(contoso.partnerId, 'enhanced', 'transactional', 30));
    expect(tooSoon).toMatchObject({
      outcome: 'policy-violation',
      violations: [{ field: 'effectiveDate', rule: 'notice-period' }],
    });
    expect(await context.snapshot()).toEqual(before);
    expect((await partner(contoso.partnerId)).stage).toBe('enhanced');
  });

  it('refuses a second pending move of the same partner, naming the first', async () => {
    const first = await created(moveRequest(northwind.partnerId, 'transactional', 'enhanced', 5));
    const before = await context.snapshot();
    const second = await submitMove(moveRequest(northwind.partnerId, 'transactional', 'collaborative', 10));
    expect(second).toMatchObject({ outcome: 'conflicting-change', conflictingChangeId: first.changeId });
    expect(await context.snapshot()).toEqual(before);
    // A commission change of the same partner is not a stage move: it does not conflict.
    expect((await submitCommission(context, validCut(northwind, context.clock.now(), 31))).outcome).toBe(
      'created',
    );
  });
});

describe('apply when the partner moved meanwhile', () => {
  it('fails visibly and moves nothing: the stage the move was decided on is no longer the partner’s', async () => {
    const change = await created(moveRequest(northwind.partnerId, 'transactional', 'enhanced', 5));
    await sendNotice(context.deps, change.changeId);
    // Moved outside the lifecycle (an edit of the partner's record) after the move was announced.
    await context.deps.documentClient.send(
      new UpdateCommand({
        TableName: context.deps.tables.partners,
        Key: { partnerId: northwind.partnerId },
        UpdateExpression: 'SET stage = :stage',
        ExpressionAttributeValues: { ':stage': 'collaborative' },
      }),
    );
    context.clock.set(`${change.effectiveDate}T00:00:00.000Z`);
    const before = await context.snapshot();
    await expect(applyChange(context.deps, change.changeId)).rejects.toThrow(StageMovedMeanwhile);
    expect(await context.snapshot()).toEqual(before);
    expect((await context.deps.changes.get(change.changeId))!.status).toBe('scheduled');
  });

  it('conditions the named write on the stage it moves from, so a move racing the check fails the transaction', async () => {
    const change = await created(moveRequest(northwind.partnerId, 'transactional', 'enhanced', 5));
    await sendNotice(context.deps, change.changeId);
    context.clock.set(`${change.effectiveDate}T00:00:00.000Z`);
    // The named write alone, against a partner now at another stage: the condition refuses it.
    const item = context.deps.partners.moveStage(
      northwind.partnerId,
      'partnership',
      'enhanced',
      context.clock.now().toISOString(),
    );
    await expect(
      context.deps.documentClient.send(new TransactWriteCommand({ TransactItems: [item] })),
    ).rejects.toThrow(/ConditionalCheckFailed/);
    expect((await partner(northwind.partnerId)).stage).toBe('transactional');
  });
});

describe('stage history', () => {
  it('answers the applied moves oldest first, then the pending one', async () => {
    const up = await created(moveRequest(northwind.partnerId, 'transactional', 'enhanced', 2));
    await sendNotice(context.deps, up.changeId);
    context.clock.set(`${up.effectiveDate}T00:00:00.000Z`);
    await applyChange(context.deps, up.changeId);

    const secondUp = await created(moveRequest(northwind.partnerId, 'enhanced', 'collaborative', 3));
    await sendNotice(context.deps, secondUp.changeId);
    context.clock.set(`${secondUp.effectiveDate}T00:00:00.000Z`);
    await applyChange(context.deps, secondUp.changeId);

    const down = await created(moveRequest(northwind.partnerId, 'collaborative', 'enhanced', 70));
    const history = await stageHistory(context.deps, northwind.partnerId);
    expect(history).toMatchObject({
      outcome: 'history',
      stage: 'collaborative',
      applied: [
        {
          changeId: up.changeId,
          fromStage: 'transactional',
          toStage: 'enhanced',
          appliedFrom: up.effectiveDate,
          rationale: stageRationale,
        },
        { changeId: secondUp.changeId, fromStage: 'enhanced', toStage: 'collaborative' },
      ],
      pending: [{ changeId: down.changeId, status: 'awaiting-approval', direction: 'down' }],
    });
    expect(await stageHistory(context.deps, 'nobody')).toEqual({ outcome: 'unknown-partner' });
  });
});
