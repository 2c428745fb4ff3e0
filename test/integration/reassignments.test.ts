/**
 * Alliance-manager reassignments on the real DynamoDB Local: a reassignment is a change of the one notice
 * lifecycle (approval, notice, acknowledgement, apply), its refusals write nothing, its apply sets the new
 * manager exactly once and never over a manager changed meanwhile, each manager records the handover once,
 * and the trust ledger counts it (more within 12 months of the last one).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approveChange } from '../../functions/approvals/decide.ts';
import { addDays } from '../../functions/domain/calendar.ts';
import { inboxOf } from '../../functions/inbox/inbox.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import { applyChange } from '../../functions/notices/apply.ts';
import { previewSubmission } from '../../functions/notices/preview.ts';
import { sendNotice } from '../../functions/notices/send-notice.ts';
import { submitChange } from '../../functions/notices/submit.ts';
import { changeView } from '../../functions/notices/view.ts';
import { recordHandover } from '../../functions/reassignments/handover.ts';
import { ManagerChangedMeanwhile, reassignmentKind } from '../../functions/reassignments/kind.ts';
import type { ReassignmentTerms } from '../../functions/reassignments/rules.ts';
import {
  createIntegrationContext,
  type IntegrationContext,
  isoDateAfter,
  northwind,
  noticeTokens,
} from '../support/integration-deps.ts';

const rationale =
  'Dana moves to lead our new distributor programme in March, so Rita, who already runs the three resellers ' +
  'next to you in the region, takes over your account because she knows your market and your products well.';

let context: IntegrationContext;

beforeEach(async () => {
  context = await createIntegrationContext();
});

afterEach(() => context?.close());

// Northwind is transactional (30 days' notice, no consultation); Dana is its manager in the seed.
const submitter = 'dana';

function request(incomingManager: string, effectiveInDays = 35) {
  return {
    partnerId: northwind.partnerId,
    incomingManager,
    effectiveDate: isoDateAfter(context.clock.now(), effectiveInDays),
    rationale,
  };
}

async function created(incomingManager = 'rita') {
  const outcome = await submitChange(
    context.deps,
    'alliance-manager-reassignment',
    request(incomingManager),
    submitter,
  );
  if (outcome.outcome !== 'created') throw new Error(`refused: ${JSON.stringify(outcome)}`);
  return outcome.change;
}

/** Submitted, approved by another person, notice sent and acknowledged by the partner. */
async function acknowledged(incomingManager = 'rita') {
  const change = await created(incomingManager);
  expect((await approveChange(context.deps, change.changeId, { by: 'amara', comment: 'Agreed.' })).ok).toBe(
    true,
  );
  await sendNotice(context.deps, change.changeId);
  const { noticeId, tokens } = await noticeTokens(context, change.changeId);
  const outcome = await acknowledgeNotice(context.deps, {
    noticeId,
    token: Object.values(tokens)[0]!,
    sourceIp: '192.0.2.10',
    userAgent: 'test',
  });
  expect(outcome.outcome).toBe('recorded');
  return (await context.deps.changes.get(change.changeId))!;
}

const partner = async () => (await context.deps.partners.get(northwind.partnerId))!;

describe('a reassignment on the notice lifecycle', () => {
  it('is adverse: approval, the stage’s notice naming the new manager, acknowledgement, then the new manager and version + 1 on the handover date', async () => {
    const change = await created();
    expect(change).toMatchObject({
      kind: 'alliance-manager-reassignment',
      status: 'awaiting-approval',
      adverse: true,
      noticePeriodDays: 30,
      approval: { required: 1 },
      terms: {
        outgoing: { userId: 'dana', name: 'Dana Whitfield' },
        incoming: { userId: 'rita', name: 'Rita Okafor', email: 'rita.okafor@vendor.example' },
      },
    });
    expect(await context.messagesFor(change.changeId, 'notice')).toEqual([]);
    await approveChange(context.deps, change.changeId, { by: 'amara', comment: 'Agreed.' });
    await sendNotice(context.deps, change.changeId);
    const sent = (await context.deps.changes.get(change.changeId))!;
    expect(sent.status).toBe('notice-sent');
    const email = (await context.messagesFor(change.changeId, 'notice'))[0]!;
    expect(email.subject).toMatch(/^Notice of alliance manager change: Dana Whitfield → Rita Okafor/);
    expect(email.text).toContain(rationale);
    expect(email.text).toContain('Your new alliance manager: Rita Okafor (rita.okafor@vendor.example)');
    expect(email.text).toContain('Your alliance manager now: Dana Whitfield (dana.whitfield@vendor.example)');
    expect(email.text).toContain(`Handover date: ${change.effectiveDate}`);

    const { noticeId, tokens } = await noticeTokens(context, change.changeId);
    context.clock.set(addDays(new Date(sent.notice!.deliveredAt!), 1));
    await acknowledgeNotice(context.deps, {
      noticeId,
      token: Object.values(tokens)[0]!,
      sourceIp: '192.0.2.10',
      userAgent: 'test',
    });
    // Acknowledged, but the handover date has not come: Dana is still the manager.
    await applyChange(context.deps, change.changeId);
    expect((await partner()).allianceManager.userId).toBe('dana');

    context.clock.set(sent.notice!.applyAt);
    expect((await applyChange(context.deps, change.changeId)).status).toBe('applied');
    expect(await partner()).toMatchObject({
      allianceManager: { userId: 'rita', name: 'Rita Okafor', email: 'rita.okafor@vendor.example' },
      version: 2,
      updatedAt: sent.notice!.applyAt,
    });
    // Re-driven: applied once.
    await applyChange(context.deps, change.changeId);
    expect((await partner()).version).toBe(2);
    const applied = (await context.auditEntries(change.changeId)).filter(
      (entry) => entry.type === 'change-applied',
    );
    expect(applied).toHaveLength(1);
    expect(applied[0]!.details).toMatchObject({ outgoingManager: 'dana', incomingManager: 'rita' });
  });

  it('is not applied over a manager changed meanwhile: the partner keeps the manager the directory set', async () => {
    const change = await acknowledged();
    await context.deps.documentClient.send(
      new UpdateCommand({
        TableName: context.deps.tables.partners,
        Key: { partnerId: northwind.partnerId },
        UpdateExpression: 'SET allianceManager = :manager',
        ExpressionAttributeValues: {
          ':manager': { userId: 'aisha', name: 'Aisha Mensah', email: 'aisha.mensah@vendor.example' },
        },
      }),
    );
    context.clock.set(change.notice!.applyAt);
    await expect(applyChange(context.deps, change.changeId)).rejects.toThrow(ManagerChangedMeanwhile);
    expect((await partner()).allianceManager.userId).toBe('aisha');
    expect((await context.deps.changes.get(change.changeId))!.status).toBe('scheduled');
    // Only the acknowledgement's credit: nothing of the apply.
    expect((await context.ledgerFor(change.changeId)).map((event) => event.rule)).toEqual([
      'prompt-acknowledgement',
    ]);
  });

  it('refuses an unknown staff member, one without the partner-manager role, and the current manager, naming the field and writing nothing', async () => {
    const before = await context.snapshot();
    for (const [incoming, rule] of [
      ['nobody', 'unknown-staff'],
      ['amara', 'not-a-partner-manager'],
      ['dana', 'no-change'],
    ] as const) {
      const outcome = await submitChange(
        context.deps,
        'alliance-manager-reassignment',
        request(incoming),
        submitter,
      );
      expect(outcome).toMatchObject({
        outcome: 'policy-violation',
        violations: [expect.objectContaining({ field: 'incomingManager', rule })],
      });
    }
    expect(await context.snapshot()).toEqual(before);
  });

  it('allows one pending reassignment per partner', async () => {
    const first = await created('rita');
    const second = await submitChange(
      context.deps,
      'alliance-manager-reassignment',
      request('luis'),
      submitter,
    );
    expect(second).toMatchObject({ outcome: 'conflicting-change', conflictingChangeId: first.changeId });
  });
});

describe('the handover', () => {
  it('is recorded once by each manager, shown on the change and as each manager’s inbox task until recorded; a third person is refused', async () => {
    const change = await acknowledged();
    expect(
      (await inboxOf(context.deps, { userId: 'rita', roles: ['partner-manager'] })).items,
    ).toContainEqual(
      expect.objectContaining({
        changeId: change.changeId,
        task: 'record-handover',
        who: 'rita',
        mine: true,
      }),
    );
    // A manager not part of it is refused and nothing is written.
    const before = await context.snapshot();
    expect(
      await recordHandover(context.deps, change.changeId, { by: 'luis', note: 'I know them too.' }),
    ).toMatchObject({
      outcome: 'not-a-manager',
    });
    expect(await context.snapshot()).toEqual(before);

    const outgoing = await recordHandover(context.deps, change.changeId, {
      by: 'dana',
      note: 'Introduced Rita to Priya on the quarterly call; the open rebate question is in the CRM.',
    });
    expect(outgoing).toMatchObject({ outcome: 'recorded', record: { side: 'outgoing', userId: 'dana' } });
    // The same note again (a retry) writes nothing; another note is refused.
    const afterFirst = await context.snapshot();
    expect(
      await recordHandover(context.deps, change.changeId, {
        by: 'dana',
        note: 'Introduced Rita to Priya on the quarterly call; the open rebate question is in the CRM.',
      }),
    ).toMatchObject({ outcome: 'replayed' });
    expect(
      await recordHandover(context.deps, change.changeId, { by: 'dana', note: 'Something else.' }),
    ).toMatchObject({
      outcome: 'already-recorded',
    });
    expect(await context.snapshot()).toEqual(afterFirst);

    // Two concurrent first records of the incoming side leave one.
    const incoming = await Promise.all(
      [1, 2].map(() =>
        recordHandover(context.deps, change.changeId, {
          by: 'rita',
          note: 'Met Priya; took over the rebate question.',
        }),
      ),
    );
    expect(incoming.map((outcome) => outcome.outcome).sort()).toEqual(['recorded', 'replayed']);

    const view = await changeView(context.deps, (await context.deps.changes.get(change.changeId))!);
    expect(view).toMatchObject({
      handover: {
        outgoing: { userId: 'dana', note: expect.stringContaining('Introduced Rita') },
        incoming: { userId: 'rita', note: 'Met Priya; took over the rebate question.' },
      },
    });
    expect(view.openTasks.filter((task) => task.task === 'record-handover')).toEqual([]);
    expect(
      (await inboxOf(context.deps, { userId: 'rita', roles: ['partner-manager'] })).items.filter(
        (item) => item.task === 'record-handover',
      ),
    ).toEqual([]);
    const types = (await context.auditEntries(change.changeId)).map((entry) => entry.type);
    expect(types.filter((type) => type === 'handover-recorded')).toHaveLength(2);
  });

  it('is refused before the partner has been told', async () => {
    const change = await created();
    expect(await recordHandover(context.deps, change.changeId, { by: 'dana', note: 'Early.' })).toMatchObject(
      {
        outcome: 'not-announced',
      },
    );
  });
});

describe('trust', () => {
  it('records alliance-manager-reassigned on apply, and repeated-reassignment too within 12 months of the last one, flagged before submitting', async () => {
    const first = await acknowledged('rita');
    context.clock.set(first.notice!.applyAt);
    await applyChange(context.deps, first.changeId);
    expect((await context.ledgerFor(first.changeId)).map((event) => event.rule).sort()).toEqual([
      'alliance-manager-reassigned',
      'notice-full-period',
      'prompt-acknowledgement',
    ]);

    // Four months later Rita hands on to Aisha: the dry run flags it, and the forecast counts the repeat.
    context.clock.set(addDays(context.clock.now(), 120));
    const preview = await previewSubmission(
      context.deps,
      'alliance-manager-reassignment',
      request('aisha'),
      'rita',
    );
    if (preview.outcome !== 'preview') throw new Error(JSON.stringify(preview));
    expect(preview.preview.trust.flags).toContainEqual(
      expect.objectContaining({ flag: 'recent-reassignment', changeId: first.changeId }),
    );
    expect(preview.preview.forecast.events.map((event) => event.rule)).toContain('repeated-reassignment');

    const second = await submitChange(
      context.deps,
      'alliance-manager-reassignment',
      request('aisha'),
      'rita',
    );
    if (second.outcome !== 'created') throw new Error(JSON.stringify(second));
    expect(second.change.terms).toMatchObject({ lastReassignment: { changeId: first.changeId } });
    await approveChange(context.deps, second.change.changeId, { by: 'amara', comment: 'Agreed.' });
    await sendNotice(context.deps, second.change.changeId);
    const { noticeId, tokens } = await noticeTokens(context, second.change.changeId);
    await acknowledgeNotice(context.deps, {
      noticeId,
      token: Object.values(tokens)[0]!,
      sourceIp: '192.0.2.10',
      userAgent: 'test',
    });
    context.clock.set((await context.deps.changes.get(second.change.changeId))!.notice!.applyAt);
    await applyChange(context.deps, second.change.changeId);
    expect((await partner()).allianceManager.userId).toBe('aisha');
    expect((await context.ledgerFor(second.change.changeId)).map((event) => event.rule)).toEqual(
      expect.arrayContaining(['alliance-manager-reassigned', 'repeated-reassignment']),
    );
  });

  it('counts no repeat when the last reassignment applied more than 12 months before the handover', async () => {
    const first = await acknowledged('rita');
    context.clock.set(first.notice!.applyAt);
    await applyChange(context.deps, first.changeId);
    context.clock.set(addDays(context.clock.now(), 340));
    const second = await submitChange(
      context.deps,
      'alliance-manager-reassignment',
      request('aisha', 35),
      'rita',
    );
    if (second.outcome !== 'created') throw new Error(JSON.stringify(second));
    expect(second.change.terms).not.toHaveProperty('lastReassignment');
    // Only the reassignment itself is counted, without the repeat.
    expect(reassignmentKind.trustRules(second.change.terms as ReassignmentTerms)).toEqual([
      'alliance-manager-reassigned',
    ]);
  });
});
