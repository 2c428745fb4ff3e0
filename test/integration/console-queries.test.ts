/**
 * The console's read-only questions against the real DynamoDB Local: a submission's preview (trust score
 * before → after and its flags) and the inbox's queues, including a dispute on a favourable change, which
 * keeps its status and is found by the dispute itself.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseConcern } from '../../functions/disputes/raise-concern.ts';
import { trustEvent } from '../../functions/domain/trust-rules.ts';
import { inboxOf } from '../../functions/inbox/inbox.ts';
import { previewSubmission } from '../../functions/notices/preview.ts';
import { sendNotice } from '../../functions/notices/send-notice.ts';
import {
  type CommissionChangeRequest,
  contoso,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  isoDateAfter,
  northwind,
  noticeTokens,
  realRationale,
  submitCommission,
  validCut,
} from '../support/integration-deps.ts';

let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

function preview(request: CommissionChangeRequest) {
  return previewSubmission(context.deps, 'commission-change', request, 'fiona');
}

async function concernAbout(changeId: string, contact: string) {
  const { noticeId, tokens } = await noticeTokens(context, changeId);
  const outcome = await raiseConcern(context.deps, {
    noticeId,
    token: tokens[contact]!,
    comment: 'We planned our next quarter on the current terms; please talk to us first.',
  });
  expect(outcome.outcome).toBe('recorded');
}

describe('a submission preview', () => {
  it('flags a second cut within 12 months and shows the trust score falling; a raise is not flagged', async () => {
    const earlierCut = trustEvent('commission-cut', {
      partnerId: northwind.partnerId,
      stage: 'transactional',
      at: new Date(context.clock.now().getTime() - 100 * 86_400_000),
      cause: 'change#chg_earlier',
      source: { type: 'change-applied', id: 'chg_earlier' },
      changeId: 'chg_earlier',
      adverse: true,
    });
    await context.deps.documentClient.send(
      new TransactWriteCommand({ TransactItems: context.deps.trust.recordEvents([earlierCut]) }),
    );
    const before = await context.snapshot();

    const cut = await preview(validCut(northwind, context.clock.now(), 40));
    const raise = await preview({
      ...validCut(northwind, context.clock.now(), 1),
      newRatePct: northwind.ratePct + 1,
    });
    expect(await context.snapshot()).toEqual(before);

    if (cut.outcome !== 'preview' || raise.outcome !== 'preview') throw new Error('refused');
    expect(cut.preview.trust.flags).toEqual([
      {
        flag: 'repeated-cut',
        message: expect.stringMatching(/^Second cut in 12 months: Northwind Resellers had a cut applied on /),
        changeId: 'chg_earlier',
      },
    ]);
    expect(cut.preview.trust.scoreNow).toBeLessThan(50);
    expect(cut.preview.trust.scoreAfter).toBeLessThan(cut.preview.trust.scoreNow);
    expect(raise.preview.trust.flags).toEqual([]);
    expect(raise.preview.trust.scoreAfter).toBeGreaterThan(raise.preview.trust.scoreNow);
  });

  it('flags the partner’s open dispute and its other pending cut', async () => {
    const { changeId } = await deliveredCut(context, contoso, 'fiona', 'storage');
    await concernAbout(changeId, 'cv-finance');
    const outcome = await preview(validCut(contoso, context.clock.now(), 50));
    if (outcome.outcome !== 'preview') throw new Error(`refused: ${JSON.stringify(outcome)}`);
    expect(outcome.preview.trust.flags).toEqual([
      expect.objectContaining({ flag: 'pending-adverse-change', changeId }),
      expect.objectContaining({
        flag: 'open-dispute',
        changeId,
        message: expect.stringContaining('Contoso Value Partners has an open dispute'),
      }),
    ]);
  });
});

describe('the inbox', () => {
  it('finds a dispute on a favourable change, which keeps its status, for the partner managers and its submitter', async () => {
    const raise = await submitCommission(
      context,
      {
        partnerId: 'tailspin-msp',
        currentRatePct: 20,
        newRatePct: 21,
        effectiveDate: isoDateAfter(context.clock.now(), 10),
        rationale: realRationale,
      },
      'felix',
    );
    if (raise.outcome !== 'created') throw new Error(`refused: ${JSON.stringify(raise)}`);
    const changeId = raise.change.changeId;
    await sendNotice(context.deps, changeId);
    await concernAbout(changeId, 'ts-partner-office');
    expect((await context.deps.changes.get(changeId))!.status).toBe('scheduled');

    const rita = await inboxOf(context.deps, { userId: 'rita', roles: ['partner-manager'] });
    expect(rita.items.find((item) => item.changeId === changeId)).toMatchObject({
      task: 'resolve-dispute',
      status: 'scheduled',
      partnerName: 'Tailspin MSP Alliance',
      who: 'rita',
      mine: true,
    });
    const felix = await inboxOf(context.deps, { userId: 'felix', roles: ['finance'] });
    expect(felix.items.map((item) => [item.changeId, item.task])).toEqual([[changeId, 'resolve-dispute']]);
    // A person with two roles gets both roles' items, each once, the own ones first.
    const both = await inboxOf(context.deps, { userId: 'rita', roles: ['partner-manager', 'approver'] });
    const keys = both.items.map((item) => `${item.changeId}#${item.task}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(both.items.filter((item) => item.mine).length).toBeGreaterThan(0);
    expect(both.items.findIndex((item) => !item.mine)).toBeGreaterThanOrEqual(
      both.items.filter((item) => item.mine).length,
    );
  });
});
