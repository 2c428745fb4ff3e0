/**
 * The commission-change use cases against the real DynamoDB Local: submit, send the notice, park the
 * acknowledgement wait, acknowledge. Each rule is checked by reading the tables back, including under
 * concurrency (retried Lambdas, double clicks, racing workflow steps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditHead } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf, ChangeStore } from '../../functions/adapters/dynamodb/change-store.ts';
import { acknowledgeNotice } from '../../functions/commission-changes/acknowledge.ts';
import { awaitAcknowledgement } from '../../functions/commission-changes/await-acknowledgement.ts';
import { sendNotice } from '../../functions/commission-changes/send-notice.ts';
import {
  type CommissionChangeRequest,
  submitCommissionChange,
} from '../../functions/commission-changes/submit.ts';
import { verifyChain } from '../../functions/domain/audit-chain.ts';
import { demoPartners } from '../../local/seed.ts';
import {
  contoso,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  isoDateAfter,
  northwind,
  realRationale,
  tokenOf,
  validCut,
} from '../support/integration-deps.ts';

let context: IntegrationContext;
let changes: ChangeStore;

beforeAll(async () => {
  context = await createIntegrationContext();
  changes = new ChangeStore(context.deps.documentClient, context.deps.tables);
});

afterAll(() => context?.close());

async function expectIntactChain(changeId: string) {
  const entries = await changes.auditEntries(changeId);
  const head = await readAuditHead(
    context.deps.documentClient,
    context.deps.tables.auditTrail,
    auditStreamOf(changeId),
  );
  expect(verifyChain(entries, head)).toEqual({ intact: true, entries: entries.length });
  return entries;
}

async function changeItemsFor(changeId: string) {
  return (await context.scan('Changes')).filter((item) => item.pk === `change#${changeId}`);
}

async function ledgerFor(changeId: string, rule?: string) {
  return (await context.scan('TrustLedger')).filter(
    (event) => event.changeId === changeId && (rule === undefined || event.rule === rule),
  );
}

async function auditEntriesOfType(changeId: string, type: string) {
  return (await changes.auditEntries(changeId)).filter((entry) => entry.type === type);
}

describe('submitCommissionChange', () => {
  it('records the change with one change-submitted audit entry and starts its workflow once', async () => {
    const before = context.workflow.started.length;
    const outcome = await submitCommissionChange(
      context.deps,
      validCut(northwind, context.clock.now()),
      'finance-submit',
    );
    expect(outcome.outcome).toBe('created');
    if (outcome.outcome !== 'created') return;
    const { changeId } = outcome.change;

    const items = await changeItemsFor(changeId);
    expect(items.map((item) => item.sk)).toEqual(['change']);
    expect(items[0]).toMatchObject({ status: 'submitted', partnerId: northwind.partnerId, newRatePct: 10 });
    expect(await changes.get(changeId)).toEqual(outcome.change);

    const entries = await expectIntactChain(changeId);
    expect(entries.map((entry) => [entry.seq, entry.type, entry.actor])).toEqual([
      [1, 'change-submitted', 'finance-submit'],
    ]);
    expect(entries[0]!.details).toMatchObject({ rationale: realRationale, newRatePct: 10, direction: 'cut' });
    expect(context.workflow.started.slice(before)).toEqual([changeId]);
    // No Idempotency-Key, no idempotency record.
    expect(
      (await context.scan('Changes')).filter((item) =>
        String(item.pk).startsWith('idempotency#finance-submit#'),
      ),
    ).toEqual([]);
  });

  it('writes nothing at all when a submission breaks a rule (nothing half-written)', async () => {
    const now = context.clock.now();
    const good = validCut(northwind, now);
    const refused: [string, CommissionChangeRequest, number][] = [
      ['notice period too short', { ...good, effectiveDate: isoDateAfter(now, 10) }, 422],
      ['boilerplate rationale', { ...good, rationale: 'Rate adjustment due to business reasons.' }, 422],
      ['retroactive', { ...good, effectiveDate: isoDateAfter(now, -3) }, 422],
      ['no change', { ...good, newRatePct: northwind.ratePct }, 422],
      ['stale current rate', { ...good, currentRatePct: 11, newRatePct: 9 }, 409],
      ['unknown partner', { ...good, partnerId: 'no-such-partner' }, 404],
      ['not a date', { ...good, effectiveDate: '2026-02-30' }, 422],
    ];
    const before = await context.snapshot();
    const startsBefore = context.workflow.started.length;
    for (const [label, request, status] of refused) {
      const outcome = await submitCommissionChange(context.deps, request, 'finance-refused', `key-${label}`);
      expect(outcome, label).toMatchObject({ outcome: 'rejected', status });
    }
    expect(await context.snapshot()).toEqual(before);
    expect(context.workflow.started.length).toBe(startsBefore);
  });

  it('refuses a known Idempotency-Key reused for a different request, writing nothing', async () => {
    const request = validCut(northwind, context.clock.now());
    const first = await submitCommissionChange(context.deps, request, 'finance-reuse', 'reused-key');
    expect(first.outcome).toBe('created');
    const before = await context.snapshot();
    const second = await submitCommissionChange(
      context.deps,
      { ...request, newRatePct: 9 },
      'finance-reuse',
      'reused-key',
    );
    expect(second).toMatchObject({ outcome: 'rejected', status: 422 });
    expect(await context.snapshot()).toEqual(before);
  });

  it('records one change, one audit entry and one idempotency item for 8 concurrent same-key submissions', async () => {
    const request = validCut(contoso, context.clock.now());
    const startsBefore = context.workflow.started.length;
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        submitCommissionChange(context.deps, request, 'finance-concurrent', 'same-key'),
      ),
    );
    const changeIds = new Set(
      outcomes.map((outcome) => (outcome.outcome === 'rejected' ? 'rejected' : outcome.change.changeId)),
    );
    expect(changeIds.size).toBe(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'replayed')).toHaveLength(7);
    const [changeId] = [...changeIds] as [string];

    const all = await context.scan('Changes');
    expect(
      all.filter((item) => item.sk === 'change' && item.submittedBy === 'finance-concurrent'),
    ).toHaveLength(1);
    expect(all.filter((item) => item.pk === 'idempotency#finance-concurrent#same-key')).toEqual([
      expect.objectContaining({ changeId }),
    ]);
    const submittedEntries = (await context.scan('AuditTrail')).filter(
      (entry) => entry.type === 'change-submitted' && entry.actor === 'finance-concurrent',
    );
    expect(submittedEntries).toHaveLength(1);
    expect(submittedEntries[0]!.stream).toBe(auditStreamOf(changeId));
    await expectIntactChain(changeId);
    // Every start (the winner's and the replays') names the one change: Step Functions dedupes by name.
    const starts = context.workflow.started.slice(startsBefore);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(starts)).toEqual(new Set([changeId]));
  });

  it('starts the workflow on a same-key retry when the first attempt recorded the change but failed to start it', async () => {
    const request = validCut(northwind, context.clock.now());
    context.workflow.failStartsWith = new Error('ThrottlingException');
    await expect(submitCommissionChange(context.deps, request, 'finance-retry', 'retry-key')).rejects.toThrow(
      'ThrottlingException',
    );
    context.workflow.failStartsWith = undefined;
    const startsBefore = context.workflow.started.length;
    const retried = await submitCommissionChange(context.deps, request, 'finance-retry', 'retry-key');
    expect(retried.outcome).toBe('replayed');
    if (retried.outcome !== 'replayed') return;
    expect(context.workflow.started.slice(startsBefore)).toEqual([retried.change.changeId]);
    expect(
      (await context.scan('Changes')).filter(
        (item) => item.sk === 'change' && item.submittedBy === 'finance-retry',
      ),
    ).toHaveLength(1);
  });
});

describe('sendNotice', () => {
  it('emails each partner contact once, records one notice-sent entry, and reports the same progress every time', async () => {
    const submitted = await submitCommissionChange(
      context.deps,
      validCut(contoso, context.clock.now()),
      'finance-notice',
    );
    if (submitted.outcome !== 'created') throw new Error('not created');
    const { changeId } = submitted.change;

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => sendNotice(context.deps, changeId)));
    const again = await sendNotice(context.deps, changeId);
    for (const progress of [...concurrent, again]) expect(progress).toEqual(concurrent[0]);
    expect(concurrent[0]).toMatchObject({ holdForAcknowledgement: true, acknowledged: false });

    const stored = await changes.get(changeId);
    expect(stored?.status).toBe('notice-sent');
    expect(concurrent[0]!.applyAt).toBe(stored?.notice?.applyAt);
    const partner = demoPartners.find((p) => p.partnerId === contoso.partnerId)!;
    expect(stored?.notice?.recipients).toEqual(
      partner.contacts.map((contact) => ({ contactId: contact.contactId, email: contact.email })),
    );

    const messages = (await context.outbox.list()).filter((message) => message.changeId === changeId);
    expect(messages.map((message) => message.kind)).toEqual(['notice', 'notice']);
    expect(
      messages.map((message) => message.to).sort((a, b) => a[0]!.email.localeCompare(b[0]!.email)),
    ).toEqual(
      partner.contacts
        .map((contact) => [{ name: contact.name, email: contact.email }])
        .sort((a, b) => a[0]!.email.localeCompare(b[0]!.email)),
    );
    for (const message of messages) {
      expect(message.text).toContain(realRationale);
      expect(tokenOf(message).noticeId).toBe(stored?.notice?.noticeId);
    }
    // Each contact's notice was handed to the mailer's delivery once; every other attempt was 'already-sent'.
    expect(context.mailer.deliveries(`${stored?.notice?.noticeId}#`)).toEqual({
      [`${stored?.notice?.noticeId}#notice#cv-finance`]: 1,
      [`${stored?.notice?.noticeId}#notice#cv-ceo`]: 1,
    });
    expect((await changeItemsFor(changeId)).map((item) => item.sk).sort()).toEqual(['change', 'notice#1']);
    const entries = await expectIntactChain(changeId);
    expect(entries.map((entry) => entry.type)).toEqual(['change-submitted', 'notice-sent']);
  });
});

describe('acknowledgeNotice', () => {
  async function expectAcknowledgedOnce(changeId: string, parkedToken: string) {
    const stored = await changes.get(changeId);
    expect(stored?.status).toBe('acknowledged');
    expect(
      (await changeItemsFor(changeId)).filter((item) => String(item.sk).startsWith('acknowledgement#')),
    ).toHaveLength(1);
    expect(await auditEntriesOfType(changeId, 'acknowledgement-recorded')).toHaveLength(1);
    expect((await ledgerFor(changeId, 'prompt-acknowledgement')).length).toBeLessThanOrEqual(1);
    expect(context.workflow.resumed.filter((call) => call.taskToken === parkedToken)).toEqual([
      { taskToken: parkedToken, output: { acknowledgedAt: stored?.acknowledgement?.acknowledgedAt } },
    ]);
    await expectIntactChain(changeId);
    return stored!;
  }

  it('records one acknowledgement for 10 concurrent clicks of the same link and resumes the parked wait once', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, contoso, 'finance-ack-1');
    context.clock.advanceDays(1);
    expect(await awaitAcknowledgement(context.deps, { changeId, taskToken: 'parked-1' })).toBe('waiting');

    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        acknowledgeNotice(context.deps, {
          noticeId,
          token: tokens['cv-finance']!,
          sourceIp: `203.0.113.${index}`,
          userAgent: 'test',
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'already-recorded')).toHaveLength(9);
    const stored = await expectAcknowledgedOnce(changeId, 'parked-1');
    for (const outcome of outcomes) {
      if (outcome.outcome === 'refused') throw new Error('refused');
      expect(outcome.acknowledgement).toEqual(stored.acknowledgement);
    }
    expect(stored.acknowledgement).toMatchObject({ contactId: 'cv-finance', noticeVersion: 1 });
    // Before the first reminder day: exactly one prompt-acknowledgement credit.
    expect(await ledgerFor(changeId, 'prompt-acknowledgement')).toHaveLength(1);
  });

  it('credits prompt acknowledgement only before the first reminder day', async () => {
    // Northwind is transactional: the first reminder is due 3 days after delivery.
    const late = await deliveredCut(context, northwind, 'finance-ack-late');
    const prompt = await deliveredCut(context, northwind, 'finance-ack-prompt');
    const saved = context.clock.now();
    try {
      const deliveredAt = new Date((await changes.get(late.changeId))!.notice!.deliveredAt);
      context.clock.set(new Date(deliveredAt.getTime() + 3 * 86_400_000 - 1));
      await acknowledgeNotice(context.deps, {
        noticeId: prompt.noticeId,
        token: prompt.tokens['nw-ops']!,
        sourceIp: '192.0.2.4',
        userAgent: 'test',
      });
      context.clock.set(new Date(deliveredAt.getTime() + 3 * 86_400_000));
      await acknowledgeNotice(context.deps, {
        noticeId: late.noticeId,
        token: late.tokens['nw-ops']!,
        sourceIp: '192.0.2.4',
        userAgent: 'test',
      });
    } finally {
      context.clock.set(saved);
    }
    expect(await ledgerFor(prompt.changeId, 'prompt-acknowledgement')).toHaveLength(1);
    expect((await changes.get(late.changeId))?.status).toBe('acknowledged');
    expect(await ledgerFor(late.changeId)).toEqual([]);
  });

  it("records one acknowledgement when two contacts' links are clicked concurrently", async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, contoso, 'finance-ack-2');
    expect(await awaitAcknowledgement(context.deps, { changeId, taskToken: 'parked-2' })).toBe('waiting');
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        acknowledgeNotice(context.deps, {
          noticeId,
          token: tokens[index % 2 === 0 ? 'cv-finance' : 'cv-ceo']!,
          sourceIp: '198.51.100.7',
          userAgent: 'test',
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'already-recorded')).toHaveLength(9);
    const stored = await expectAcknowledgedOnce(changeId, 'parked-2');
    expect(contoso.contacts).toContain(stored.acknowledgement?.contactId);
  });

  it('resumes the workflow from awaitAcknowledgement when the acknowledgement was recorded first', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, northwind, 'finance-ack-3');
    const ack = await acknowledgeNotice(context.deps, {
      noticeId,
      token: tokens['nw-ops']!,
      sourceIp: '192.0.2.1',
      userAgent: 'test',
    });
    expect(ack.outcome).toBe('recorded');
    expect(context.workflow.resumed.filter((call) => call.taskToken === 'late-token')).toEqual([]);

    expect(await awaitAcknowledgement(context.deps, { changeId, taskToken: 'late-token' })).toBe(
      'already-acknowledged',
    );
    const stored = await changes.get(changeId);
    expect(stored?.acknowledgementTaskToken).toBeUndefined();
    expect(context.workflow.resumed.filter((call) => call.taskToken === 'late-token')).toEqual([
      { taskToken: 'late-token', output: { acknowledgedAt: stored?.acknowledgement?.acknowledgedAt } },
    ]);
  });

  it('resumes each wait exactly once whichever of awaitAcknowledgement and the click runs first', async () => {
    const delivered = [];
    for (let i = 0; i < 6; i += 1)
      delivered.push(await deliveredCut(context, northwind, `finance-race-${i}`));
    await Promise.all(
      delivered.flatMap(({ changeId, noticeId, tokens }, i) => [
        awaitAcknowledgement(context.deps, { changeId, taskToken: `race-token-${i}` }),
        acknowledgeNotice(context.deps, {
          noticeId,
          token: tokens['nw-ops']!,
          sourceIp: '192.0.2.2',
          userAgent: 'test',
        }),
      ]),
    );
    for (const [i, { changeId }] of delivered.entries()) {
      expect((await changes.get(changeId))?.status).toBe('acknowledged');
      expect(context.workflow.resumed.filter((call) => call.taskToken === `race-token-${i}`)).toHaveLength(1);
    }
  });

  it('refuses a link for another notice and writes nothing', async () => {
    const first = await deliveredCut(context, northwind, 'finance-foreign-1');
    const second = await deliveredCut(context, northwind, 'finance-foreign-2');
    const before = await context.snapshot();
    const outcome = await acknowledgeNotice(context.deps, {
      noticeId: second.noticeId,
      token: first.tokens['nw-ops']!,
      sourceIp: '192.0.2.3',
      userAgent: 'test',
    });
    expect(outcome).toEqual({ outcome: 'refused', problem: 'foreign' });
    expect(await context.snapshot()).toEqual(before);
  });
});
