/**
 * SES feedback against the real DynamoDB Local: a permanent bounce or a complaint for a notice marks its
 * recipient unreachable (one audited step) and, when no primary contact is left, sends the notice to the
 * fallback contacts (local outbox); the same feedback again, a transient bounce, or a message we cannot place
 * changes nothing. With SES itself mocked (aws-sdk-client-mock) and throttling past the mailer's bound, the
 * fallback notice stays queued and the sweep delivers it once.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SES_THROTTLE_ATTEMPTS, SesMailer } from '../../functions/adapters/email/ses-mailer.ts';
import { addDays } from '../../functions/domain/calendar.ts';
import { recordEmailFeedback } from '../../functions/email-feedback/record-feedback.ts';
import { createEmailFeedbackHandler } from '../../functions/handlers/email-feedback.ts';
import { advance } from '../../functions/notices/advance.ts';
import { startPendingWorkflows } from '../../functions/notices/start-pending-workflows.ts';
import { withdrawChange } from '../../functions/notices/withdraw.ts';
import {
  contoso,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  northwind,
} from '../support/integration-deps.ts';
import { onDefaultBus, sesBounce, sesComplaint } from '../support/ses-events.ts';

let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

/** The notice email a contact was sent, as SES would report it back. */
async function sentNotice(changeId: string, contactId: string, tag = 'notice') {
  const change = await context.deps.changes.get(changeId);
  const noticeId = change!.notice!.noticeId;
  const message = (await context.messagesFor(changeId)).find(
    (m) => m.messageId === `${noticeId}#${tag}#${contactId}`,
  );
  if (!message) throw new Error(`No ${tag} email to ${contactId} for ${changeId}`);
  return { messageId: message.messageId, changeId, kind: message.kind, to: message.to[0]!.email };
}

async function recipientsOf(changeId: string) {
  return (await context.deps.changes.get(changeId))!.notice!.recipients.map((r) => ({
    contactId: r.contactId,
    role: r.role,
    unreachable: r.unreachable?.reason,
  }));
}

describe('a permanent bounce of a notice', () => {
  it('marks the recipient unreachable, tells the fallback contacts once, and the same bounce again changes nothing', async () => {
    const { changeId, noticeId } = await deliveredCut(context, northwind, 'finance-user', 'bounce');
    const sent = await sentNotice(changeId, 'nw-ops');
    const entriesBefore = (await context.auditEntries(changeId)).length;
    const statusBefore = (await context.deps.changes.get(changeId))!.status;

    const outcome = await recordEmailFeedback(context.deps, sesBounce(sent));
    expect(outcome).toEqual({
      outcome: 'marked-unreachable',
      changeId,
      contactId: 'nw-ops',
      fallbackContacts: ['nw-owner'],
    });
    expect(await recipientsOf(changeId)).toEqual([
      { contactId: 'nw-ops', role: 'primary', unreachable: 'bounce' },
      { contactId: 'nw-owner', role: 'fallback', unreachable: undefined },
    ]);
    const change = (await context.deps.changes.get(changeId))!;
    expect(change.status).toBe(statusBefore);
    const fallback = await context.messagesFor(changeId, 'fallback-notice');
    expect(fallback.map((m) => [m.messageId, m.to[0]!.email])).toEqual([
      [`${noticeId}#fallback#nw-owner`, 'owen.hart@northwind.example'],
    ]);
    expect(fallback[0]!.text).toMatch(/primary contact could not be delivered/);
    // Delivered now (not left for the sweep), and one audit entry, chained, with the step.
    expect((await context.deps.changes.messages(changeId, true)).length).toBe(0);
    const entries = await context.auditEntries(changeId);
    expect(entries).toHaveLength(entriesBefore + 1);
    expect(entries.at(-1)).toMatchObject({
      type: 'recipient-unreachable',
      actor: 'email-provider',
      details: {
        noticeId,
        contactId: 'nw-ops',
        email: 'priya.raman@northwind.example',
        reason: 'bounce',
        detail: 'Permanent (General)',
        messageId: sent.messageId,
        fallbackContacts: ['nw-owner'],
      },
    });

    const before = await context.snapshot();
    const sendsBefore = context.mailer.sends.length;
    expect(await recordEmailFeedback(context.deps, sesBounce(sent))).toEqual({
      outcome: 'ignored',
      reason: 'already-unreachable',
    });
    // Two at once (SES delivers at least once; EventBridge retries): still nothing.
    await Promise.all([
      recordEmailFeedback(context.deps, sesBounce(sent)),
      recordEmailFeedback(context.deps, sesBounce(sent)),
    ]);
    expect(await context.snapshot()).toEqual(before);
    expect(context.mailer.sends.length).toBe(sendsBefore);

    // The escalation later takes the same path: the fallback contact already told is not told again.
    context.clock.set(addDays(new Date(change.notice!.deliveredAt!), 10));
    await advance(context.deps, changeId);
    expect((await context.deps.changes.get(changeId))!.status).toBe('escalated');
    expect(await context.messagesFor(changeId, 'escalation')).toHaveLength(1);
    expect(context.mailer.deliveries(`${noticeId}#fallback#`)).toEqual({
      [`${noticeId}#fallback#nw-owner`]: 1,
    });
  });

  it('keeps the fallback contacts out while another primary contact is reachable, and tells them when none is', async () => {
    const { changeId, noticeId } = await deliveredCut(context, contoso, 'finance-user', 'two-primaries');
    const first = await recordEmailFeedback(
      context.deps,
      sesBounce(await sentNotice(changeId, 'cv-finance')),
    );
    expect(first).toMatchObject({ outcome: 'marked-unreachable', fallbackContacts: [] });
    expect(await context.messagesFor(changeId, 'fallback-notice')).toEqual([]);

    // The reminder goes to the primary contact still reachable only.
    const deliveredAt = (await context.deps.changes.get(changeId))!.notice!.deliveredAt!;
    context.clock.set(addDays(new Date(deliveredAt), 3));
    await advance(context.deps, changeId);
    expect((await context.messagesFor(changeId, 'reminder')).map((m) => m.to[0]!.email)).toEqual([
      'tom.becker@contoso.example',
    ]);

    const second = await recordEmailFeedback(
      context.deps,
      sesComplaint(await sentNotice(changeId, 'cv-ceo')),
    );
    expect(second).toMatchObject({ outcome: 'marked-unreachable', fallbackContacts: ['cv-office'] });
    expect(await recipientsOf(changeId)).toEqual([
      { contactId: 'cv-finance', role: 'primary', unreachable: 'bounce' },
      { contactId: 'cv-ceo', role: 'primary', unreachable: 'complaint' },
      { contactId: 'cv-office', role: 'fallback', unreachable: undefined },
    ]);
    expect((await context.messagesFor(changeId, 'fallback-notice')).map((m) => m.messageId)).toEqual([
      `${noticeId}#fallback#cv-office`,
    ]);
    const types = (await context.auditEntries(changeId)).map((entry) => entry.type);
    expect(types.filter((type) => type === 'recipient-unreachable')).toHaveLength(2);

    // The fallback contact bounces too: marked, and nobody is left to tell (no loop, no error).
    const last = await recordEmailFeedback(
      context.deps,
      sesBounce(await sentNotice(changeId, 'cv-office', 'fallback')),
    );
    expect(last).toMatchObject({ outcome: 'marked-unreachable', fallbackContacts: [] });
  });
});

describe('feedback that changes nothing', () => {
  it('ignores a transient bounce, an untagged or unknown message, a non-notice email and garbage, writing nothing', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'finance-user', 'quiet');
    const sent = await sentNotice(changeId, 'nw-ops');
    const before = await context.snapshot();

    expect(await recordEmailFeedback(context.deps, sesBounce(sent, 'Transient'))).toEqual({
      outcome: 'ignored',
      reason: 'not-final',
    });
    expect(await recordEmailFeedback(context.deps, sesBounce(sent, 'Undetermined'))).toMatchObject({
      reason: 'not-final',
    });
    const untagged = sesBounce(sent);
    untagged.mail.tags = { 'ses:configuration-set': ['pcn-notices'] };
    expect(await recordEmailFeedback(context.deps, untagged)).toMatchObject({ reason: 'unknown-message' });
    expect(
      await recordEmailFeedback(
        context.deps,
        sesBounce({ ...sent, messageId: 'chg_0000000000000-v1#notice#nobody' }),
      ),
    ).toMatchObject({ reason: 'unknown-change' });
    expect(
      await recordEmailFeedback(
        context.deps,
        sesBounce({ ...sent, messageId: `${changeId}#approval-request#amara.osei@vendor.example` }),
      ),
    ).toMatchObject({ reason: 'unknown-message' });
    expect(
      await recordEmailFeedback(context.deps, sesBounce({ ...sent, to: 'someone.else@northwind.example' })),
    ).toMatchObject({ reason: 'not-a-recipient' });
    expect(
      await recordEmailFeedback(
        context.deps,
        sesBounce({ ...sent, messageId: 'pol_0abc/round-1/northwind-resellers/nw-ops' }),
      ),
    ).toMatchObject({ reason: 'policy-change-message' });
    expect(await recordEmailFeedback(context.deps, { eventType: 'Bounce' })).toMatchObject({
      reason: 'unparseable',
    });
    expect(await context.snapshot()).toEqual(before);
  });

  it('ignores a bounce that arrives after the change was withdrawn: the transition table allows none there', async () => {
    const { changeId } = await deliveredCut(context, northwind, 'finance-user', 'withdrawn');
    const sent = await sentNotice(changeId, 'nw-ops');
    const withdrawn = await withdrawChange(context.deps, changeId, {
      by: 'fiona',
      reason: 'Priced wrongly.',
    });
    expect(withdrawn.ok).toBe(true);
    const before = await context.snapshot();
    expect(await recordEmailFeedback(context.deps, sesBounce(sent))).toEqual({
      outcome: 'ignored',
      reason: 'not-allowed',
    });
    expect(await context.snapshot()).toEqual(before);
  });

  it('the handler takes the EventBridge envelope and answers an ignored event without throwing', async () => {
    const handler = createEmailFeedbackHandler(context.deps);
    expect(await handler(onDefaultBus({ not: 'an SES record' }))).toEqual({
      outcome: 'ignored',
      reason: 'unparseable',
    });
  });
});

describe('a fallback notice while SES throttles', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());

  it('stays queued past the mailer’s bound, and the sweep delivers it exactly once', async () => {
    const { changeId, noticeId } = await deliveredCut(context, northwind, 'finance-user', 'throttled');
    const sent = await sentNotice(changeId, 'nw-ops');
    ses
      .on(SendEmailCommand)
      .rejects(new TooManyRequestsException({ message: 'Maximum sending rate exceeded', $metadata: {} }));
    const waits: number[] = [];
    const sesMailer = new SesMailer(
      context.deps.documentClient,
      context.deps.tables.changes,
      'partner-notices@example.com',
      {
        configurationSetName: 'pcn-notices',
        ses: new SESv2Client({ region: 'eu-west-1' }),
        wait: async (ms) => {
          waits.push(ms);
        },
      },
    );
    const deps = { ...context.deps, mailer: sesMailer };

    // The step commits (mark and queued email) even though the email cannot go out now.
    expect(await recordEmailFeedback(deps, sesBounce(sent))).toMatchObject({
      outcome: 'marked-unreachable',
      fallbackContacts: ['nw-owner'],
    });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, SES_THROTTLE_ATTEMPTS);
    expect(waits).toHaveLength(SES_THROTTLE_ATTEMPTS - 1);
    const queued = await context.deps.changes.messages(changeId, true);
    expect(queued.map((m) => m.messageId)).toEqual([`${noticeId}#fallback#nw-owner`]);

    // SES allows sending again; the sweep (after its grace period) delivers it, once.
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-after-throttle' });
    context.clock.set(new Date(context.clock.now().getTime() + 5 * 60_000));
    await startPendingWorkflows(deps);
    await startPendingWorkflows(deps);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      ConfigurationSetName: 'pcn-notices',
      Destination: { ToAddresses: ['Owen Hart <owen.hart@northwind.example>'] },
    });
    expect(await context.deps.changes.messages(changeId, true)).toEqual([]);
  });
});
