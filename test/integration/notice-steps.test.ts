/**
 * The lifecycle's first steps against the real DynamoDB Local: submit, approve, send the notice, park the
 * workflow's wait, acknowledge. Each rule is checked by reading the tables back, including under concurrency
 * (retried Lambdas, double clicks, racing workflow steps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditStreamOf } from '../../functions/adapters/dynamodb/change-store.ts';
import { approveChange } from '../../functions/approvals/decide.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import { act } from '../../functions/notices/act.ts';
import { advance } from '../../functions/notices/advance.ts';
import { awaitEvent } from '../../functions/notices/await-event.ts';
import { progressOf } from '../../functions/notices/progress.ts';
import { sendNotice } from '../../functions/notices/send-notice.ts';
import { demoPartners } from '../../local/seed.ts';
import {
  type CommissionChangeRequest,
  contoso,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  isoDateAfter,
  northwind,
  realRationale,
  submitCommission,
  tokenOf,
  validCut,
} from '../support/integration-deps.ts';

let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

async function changeItemsFor(changeId: string) {
  return (await context.scan('Changes')).filter((item) => item.pk === `change#${changeId}`);
}

/** Parks the workflow's wait on the change as it is now, as the AwaitEvent task does. */
async function park(changeId: string, taskToken: string) {
  const change = await context.deps.changes.get(changeId);
  return awaitEvent(context.deps, { changeId, taskToken, revision: change!.revision });
}

describe('submitting a change', () => {
  it('records a cut awaiting approval with one audit entry, its conflict lock and the approvers’ emails, and starts its workflow once', async () => {
    const before = context.workflow.started.length;
    const outcome = await submitCommission(context, validCut(northwind, context.clock.now()), 'fiona');
    expect(outcome.outcome).toBe('created');
    if (outcome.outcome !== 'created') return;
    const { changeId } = outcome.change;

    const items = await changeItemsFor(changeId);
    expect(items.map((item) => item.sk).sort()).toEqual(
      [
        'change',
        `message#${changeId}#approval-request#amara.osei@vendor.example`,
        `message#${changeId}#approval-request#victor.lindqvist@vendor.example`,
      ].sort(),
    );
    expect(items.find((item) => item.sk === 'change')).toMatchObject({
      status: 'awaiting-approval',
      partnerId: northwind.partnerId,
      terms: { newRatePct: 10, direction: 'cut' },
      approval: { required: 1, approvals: [] },
    });
    expect(await context.deps.changes.get(changeId)).toEqual(outcome.change);
    expect(await context.deps.changes.conflictHolder(northwind.partnerId, 'commission#all')).toBe(changeId);

    const entries = await context.auditEntries(changeId);
    expect(entries.map((entry) => [entry.seq, entry.type, entry.actor])).toEqual([
      [1, 'change-submitted', 'fiona'],
    ]);
    expect(entries[0]!.details).toMatchObject({
      rationale: realRationale,
      terms: { newRatePct: 10, direction: 'cut' },
    });
    expect(context.workflow.started.slice(before)).toEqual([changeId]);
    // The approvers are emailed (never the submitter), and nothing reaches the partner.
    const messages = (await context.outbox.list()).filter((message) => message.changeId === changeId);
    expect(messages.map((message) => [message.kind, message.to[0]!.email]).sort()).toEqual([
      ['approval-request', 'amara.osei@vendor.example'],
      ['approval-request', 'victor.lindqvist@vendor.example'],
    ]);
    // No Idempotency-Key, no idempotency record.
    expect(
      (await context.scan('Changes')).filter((item) => String(item.pk).startsWith('idempotency#fiona#')),
    ).toEqual([]);
  });

  it('writes nothing at all when a submission breaks a rule (nothing half-written)', async () => {
    const now = context.clock.now();
    const good = validCut(contoso, now);
    const refused: [string, CommissionChangeRequest, string][] = [
      ['notice period too short', { ...good, effectiveDate: isoDateAfter(now, 10) }, 'policy-violation'],
      [
        'boilerplate rationale',
        { ...good, rationale: 'Rate adjustment due to business reasons.' },
        'policy-violation',
      ],
      ['retroactive', { ...good, effectiveDate: isoDateAfter(now, -3) }, 'policy-violation'],
      ['no change', { ...good, newRatePct: contoso.ratePct }, 'policy-violation'],
      ['stale current rate', { ...good, currentRatePct: 11, newRatePct: 9 }, 'stale'],
      ['unknown partner', { ...good, partnerId: 'no-such-partner' }, 'unknown-partner'],
      ['not a date', { ...good, effectiveDate: '2026-02-30' }, 'policy-violation'],
      [
        'emergency that is no emergency',
        { ...good, emergency: { justification: 'x'.repeat(50) } },
        'policy-violation',
      ],
    ];
    const before = await context.snapshot();
    const startsBefore = context.workflow.started.length;
    for (const [label, request, expected] of refused) {
      const outcome = await submitCommission(context, request, 'finance-refused', `key-${label}`);
      expect(outcome.outcome, label).toBe(expected);
    }
    expect(await context.snapshot()).toEqual(before);
    expect(context.workflow.started.length).toBe(startsBefore);
  });

  it('refuses a second pending change for the same partner and scope, naming the first, and writes nothing', async () => {
    const first = await submitCommission(
      context,
      validCut(contoso, context.clock.now(), 60, 'overlap'),
      'fiona',
    );
    expect(first.outcome).toBe('created');
    if (first.outcome !== 'created') return;
    const before = await context.snapshot();
    const second = await submitCommission(
      context,
      { ...validCut(contoso, context.clock.now(), 70, 'overlap'), newRatePct: contoso.ratePct - 3 },
      'felix',
    );
    expect(second).toMatchObject({
      outcome: 'conflicting-change',
      conflictingChangeId: first.change.changeId,
    });
    expect(await context.snapshot()).toEqual(before);
    // Another scope of the same partner is another question: allowed.
    expect(
      (await submitCommission(context, validCut(contoso, context.clock.now(), 60, 'other'), 'felix')).outcome,
    ).toBe('created');
  });

  it('lets exactly one of two concurrent changes for the same partner and scope through', async () => {
    const outcomes = await Promise.all(
      [61, 62, 63, 64].map((days) =>
        submitCommission(context, validCut(contoso, context.clock.now(), days, 'race'), 'fiona'),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'conflicting-change')).toHaveLength(3);
  });

  it('refuses a known Idempotency-Key reused for a different request, writing nothing', async () => {
    const request = validCut(northwind, context.clock.now(), 60, 'reuse');
    const first = await submitCommission(context, request, 'finance-reuse', 'reused-key');
    expect(first.outcome).toBe('created');
    const before = await context.snapshot();
    const second = await submitCommission(
      context,
      { ...request, newRatePct: 9 },
      'finance-reuse',
      'reused-key',
    );
    expect(second.outcome).toBe('idempotency-key-reused');
    expect(await context.snapshot()).toEqual(before);
  });

  it('records one change, one audit entry and one idempotency item for 8 concurrent same-key submissions', async () => {
    const request = validCut(contoso, context.clock.now(), 60, 'same-key');
    const startsBefore = context.workflow.started.length;
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => submitCommission(context, request, 'finance-concurrent', 'same-key')),
    );
    const changeIds = new Set(
      outcomes.map((outcome) => ('change' in outcome ? outcome.change.changeId : outcome.outcome)),
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
    await context.auditEntries(changeId);
    // Every start (the winner's and the replays') names the one change: Step Functions dedupes by name.
    const starts = context.workflow.started.slice(startsBefore);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(starts)).toEqual(new Set([changeId]));
  });

  it('answers created when only the workflow start failed, and starts the workflow on a same-key retry', async () => {
    const request = validCut(northwind, context.clock.now(), 60, 'retry');
    context.workflow.failStartsWith = new Error('ThrottlingException');
    expect((await submitCommission(context, request, 'finance-retry', 'retry-key')).outcome).toBe('created');
    context.workflow.failStartsWith = undefined;
    const startsBefore = context.workflow.started.length;
    const retried = await submitCommission(context, request, 'finance-retry', 'retry-key');
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

describe('sending the notice', () => {
  it('emails each primary contact once, records one notice-sent entry, and reports the same progress every time', async () => {
    const submitted = await submitCommission(
      context,
      validCut(contoso, context.clock.now(), 60, 'notice'),
      'finance-notice',
    );
    if (submitted.outcome !== 'created') throw new Error('not created');
    const { changeId } = submitted.change;
    expect((await approveChange(context.deps, changeId, { by: 'amara', comment: 'ok' })).ok).toBe(true);

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => sendNotice(context.deps, changeId)));
    const again = await sendNotice(context.deps, changeId);
    for (const progress of [...concurrent, again]) expect(progress).toEqual(concurrent[0]);
    expect(concurrent[0]).toMatchObject({ next: 'wait', status: 'notice-sent' });

    const stored = await context.deps.changes.get(changeId);
    expect(stored?.status).toBe('notice-sent');
    const partner = demoPartners.find((p) => p.partnerId === contoso.partnerId)!;
    const primaries = partner.contacts.filter((contact) => contact.role === 'primary');
    expect(
      stored?.notice?.recipients.map(({ contactId, email, role }) => ({ contactId, email, role })),
    ).toEqual(primaries.map(({ contactId, email, role }) => ({ contactId, email, role })));
    // Delivery is recorded per recipient, and the notice period counts from the last primary delivery.
    expect(stored?.notice?.recipients.every((recipient) => recipient.deliveredAt)).toBe(true);
    expect(stored?.notice?.deliveredAt).toBeDefined();

    const messages = (await context.outbox.list()).filter(
      (message) => message.changeId === changeId && message.kind === 'notice',
    );
    expect(messages.map((message) => message.to[0]!.email).sort()).toEqual(
      primaries.map((c) => c.email).sort(),
    );
    for (const message of messages) {
      expect(message.text).toContain(realRationale);
      expect(tokenOf(message).noticeId).toBe(stored?.notice?.noticeId);
    }
    const noticeId = stored!.notice!.noticeId;
    // Each contact's notice was handed to the mailer once; every other attempt found it delivered.
    expect(context.mailer.deliveries(`${noticeId}#`)).toEqual({
      [`${noticeId}#notice#cv-finance`]: 1,
      [`${noticeId}#notice#cv-ceo`]: 1,
    });
    expect(
      (await changeItemsFor(changeId))
        .map((item) => String(item.sk))
        .filter((sk) => !sk.startsWith('message#'))
        .sort(),
    ).toEqual(['change', 'notice#0001']);
    const entries = await context.auditEntries(changeId);
    expect(entries.map((entry) => entry.type)).toEqual([
      'change-submitted',
      'approval-recorded',
      'notice-sent',
      'notice-delivered',
    ]);
  });

  it('commits the notice before any email about it leaves: an email is always for a notice that exists', async () => {
    const submitted = await submitCommission(
      context,
      validCut(northwind, context.clock.now(), 60, 'order'),
      'fiona',
    );
    if (submitted.outcome !== 'created') throw new Error('not created');
    const { changeId } = submitted.change;
    await approveChange(context.deps, changeId, { by: 'victor', comment: 'ok' });
    const seen: (string | undefined)[] = [];
    const original = context.deps.mailer;
    context.deps.mailer = {
      send: async (email) => {
        if (email.kind === 'notice') seen.push((await context.deps.changes.get(changeId))?.notice?.noticeId);
        return original.send(email);
      },
    };
    try {
      await sendNotice(context.deps, changeId);
    } finally {
      context.deps.mailer = original;
    }
    expect(seen).toEqual([`${changeId}-v1`]);
  });
  it('sends a committed but undelivered notice again when the workflow runs again, records its delivery then, and counts the notice period from it', async () => {
    const submitted = await submitCommission(
      context,
      validCut(northwind, context.clock.now(), 31, 'late-delivery'),
      'finance-late-delivery',
    );
    if (submitted.outcome !== 'created') throw new Error('not created');
    const { changeId } = submitted.change;
    await approveChange(context.deps, changeId, { by: 'amara', comment: 'ok' });
    // The mailer is down: SendNotice commits the notice, then fails for good (its retries spent).
    const original = context.deps.mailer;
    context.deps.mailer = {
      send: async () => {
        throw Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' });
      },
    };
    try {
      await expect(sendNotice(context.deps, changeId)).rejects.toThrow('Maximum sending rate exceeded');
    } finally {
      context.deps.mailer = original;
    }
    const issued = (await context.deps.changes.get(changeId))!;
    expect(issued.notice?.deliveredAt).toBeUndefined();

    // Two days later the workflow runs again (an operator's retry, or a restart re-driving it): from Advance.
    const saved = context.clock.now();
    try {
      context.clock.advanceDays(2);
      // Advance sees a notice whose delivery is unrecorded and routes to SendNotice, which finishes it.
      expect((await advance(context.deps, changeId)).next).toBe('send-notice');
      expect((await sendNotice(context.deps, changeId)).next).not.toBe('send-notice');
      const delivered = (await context.deps.changes.get(changeId))!;
      expect(delivered.notice?.deliveredAt).toBe(context.clock.now().toISOString());
      expect(Date.parse(delivered.notice!.applyAt)).toBeGreaterThanOrEqual(
        context.clock.now().getTime() + delivered.noticePeriodDays * 86_400_000,
      );
      expect(delivered.notice!.applyAt > issued.notice!.applyAt).toBe(true);
      expect(
        (await context.auditEntries(changeId)).filter((entry) => entry.type === 'notice-delivered'),
      ).toHaveLength(1);
      // A later run finds it recorded and records nothing more.
      expect((await advance(context.deps, changeId)).next).not.toBe('send-notice');
      await sendNotice(context.deps, changeId);
      expect(
        (await context.auditEntries(changeId)).filter((entry) => entry.type === 'notice-delivered'),
      ).toHaveLength(1);
    } finally {
      context.clock.set(saved);
    }
  });
});

describe('acknowledging', () => {
  async function expectAcknowledgedOnce(changeId: string, parkedToken: string) {
    const stored = await context.deps.changes.get(changeId);
    expect(stored?.status).toBe('scheduled');
    expect(
      (await changeItemsFor(changeId)).filter((item) => String(item.sk).startsWith('acknowledgement#')),
    ).toHaveLength(1);
    expect(
      (await context.auditEntries(changeId)).filter((entry) => entry.type === 'acknowledgement-recorded'),
    ).toHaveLength(1);
    expect((await context.ledgerFor(changeId, 'prompt-acknowledgement')).length).toBeLessThanOrEqual(1);
    const resumes = context.workflow.resumed.filter((call) => call.taskToken === parkedToken);
    expect(resumes).toHaveLength(1);
    expect(resumes[0]!.output).toMatchObject({ changeId, status: 'scheduled', next: 'wait' });
    await context.auditEntries(changeId);
    return stored!;
  }

  it('records one acknowledgement for 10 concurrent clicks of the same link and resumes the parked wait once', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, contoso, 'finance-ack-1', 'ack-1');
    context.clock.advanceDays(1);
    expect(await park(changeId, 'parked-1')).toBe('waiting');

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
      if (!('acknowledgement' in outcome)) throw new Error('refused');
      expect(outcome.acknowledgement).toEqual(stored.acknowledgement);
    }
    expect(stored.acknowledgement).toMatchObject({ contactId: 'cv-finance', noticeVersion: 1 });
    // Before the first reminder day: exactly one prompt-acknowledgement credit.
    expect(await context.ledgerFor(changeId, 'prompt-acknowledgement')).toHaveLength(1);
  });

  it('credits prompt acknowledgement only before the first reminder day', async () => {
    // Northwind is transactional: the first reminder is due 3 days after delivery.
    const late = await deliveredCut(context, northwind, 'finance-ack-late', 'late');
    const prompt = await deliveredCut(context, northwind, 'finance-ack-prompt', 'prompt');
    const saved = context.clock.now();
    try {
      const deliveredAt = new Date((await context.deps.changes.get(late.changeId))!.notice!.deliveredAt!);
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
    expect(await context.ledgerFor(prompt.changeId, 'prompt-acknowledgement')).toHaveLength(1);
    expect((await context.deps.changes.get(late.changeId))?.status).toBe('scheduled');
    expect(await context.ledgerFor(late.changeId, 'prompt-acknowledgement')).toEqual([]);
  });

  it("records one acknowledgement when two contacts' links are clicked concurrently", async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, contoso, 'finance-ack-2', 'ack-2');
    expect(await park(changeId, 'parked-2')).toBe('waiting');
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

  it('resumes the workflow from its wait when the acknowledgement was recorded before the wait parked', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(context, northwind, 'finance-ack-3', 'ack-3');
    const decidedOn = (await context.deps.changes.get(changeId))!;
    const ack = await acknowledgeNotice(context.deps, {
      noticeId,
      token: tokens['nw-ops']!,
      sourceIp: '192.0.2.1',
      userAgent: 'test',
    });
    expect(ack.outcome).toBe('recorded');
    // The workflow decided to wait on the revision before the click: parking finds it moved and resumes at once.
    expect(
      await awaitEvent(context.deps, { changeId, taskToken: 'late-token', revision: decidedOn.revision }),
    ).toBe('resumed');
    const stored = await context.deps.changes.get(changeId);
    expect(stored?.taskToken).toBeUndefined();
    expect(context.workflow.resumed.filter((call) => call.taskToken === 'late-token')).toEqual([
      { taskToken: 'late-token', output: progressOf(stored!, context.deps.policy, context.clock.now()) },
    ]);
  });

  it('resumes each wait exactly once whichever of the wait and the click runs first', async () => {
    const delivered = [];
    for (let i = 0; i < 6; i += 1) {
      const cut = await deliveredCut(context, northwind, `finance-race-${i}`, `race-${i}`);
      // The workflow decides to wait on the delivered revision before the race starts, as in Step Functions;
      // reading it inside the race could see the click's revision, and a wait on that is rightly left parked.
      delivered.push({ ...cut, revision: (await context.deps.changes.get(cut.changeId))!.revision });
    }
    await Promise.all(
      delivered.flatMap(({ changeId, noticeId, tokens, revision }, i) => [
        awaitEvent(context.deps, { changeId, taskToken: `race-token-${i}`, revision }),
        acknowledgeNotice(context.deps, {
          noticeId,
          token: tokens['nw-ops']!,
          sourceIp: '192.0.2.2',
          userAgent: 'test',
        }),
      ]),
    );
    for (const [i, { changeId }] of delivered.entries()) {
      expect((await context.deps.changes.get(changeId))?.status).toBe('scheduled');
      expect(context.workflow.resumed.filter((call) => call.taskToken === `race-token-${i}`)).toHaveLength(1);
    }
  });

  it('resumes the wait parked between a person’s read and commit, without reading the change back', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'finance-park-between', 'park-between');
    const gets = context.countRequests('GetItem');
    let rounds = 0;
    const outcome = await act(context.deps, changeId, async (change) => {
      rounds += 1;
      // The workflow parks its wait after this step read the change and before it commits.
      if (rounds === 1) expect(await park(changeId, 'parked-meanwhile')).toBe('waiting');
      return {
        event: 'acknowledge' as const,
        to: 'scheduled' as const,
        audit: {
          type: 'acknowledgement-recorded' as const,
          actor: 'test',
          details: { seen: change.revision },
        },
        result: rounds,
      };
    });
    const reads = gets.stop();
    expect(outcome).toMatchObject({ ok: true, result: 2 });
    // Decided again on the change with the new token, so that token is the one resumed.
    expect(context.workflow.resumed.filter((call) => call.taskToken === 'parked-meanwhile')).toHaveLength(1);
    const stored = await context.deps.changes.get(changeId);
    expect(outcome.ok && outcome.change).toEqual(stored);
    // One read of the change per round and the test's own read for the park: none after the commit.
    expect(reads).toBe(3);
  });

  it('refuses a link for another notice and writes nothing', async () => {
    const first = await deliveredCut(context, northwind, 'finance-foreign-1', 'foreign-1');
    const second = await deliveredCut(context, northwind, 'finance-foreign-2', 'foreign-2');
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
