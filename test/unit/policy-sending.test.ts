import { describe, expect, it } from 'vitest';
import type { NoticeMailer, OutgoingEmail } from '../../functions/adapters/email/notice-mailer.ts';
import {
  type ContactEmail,
  FIRST_BACKOFF_MS,
  MAX_BACKOFF_MS,
  MAX_SEND_ATTEMPTS,
  type Pace,
  Pacer,
  sendPaced,
  sendToPartner,
} from '../../functions/policy-changes/sending.ts';

/** A pace on a virtual millisecond clock: sleeping moves it, nothing waits for real time. */
function virtualPace(ratePerSecond: number): Pace & { sleeps: number[]; at: number } {
  const pace = {
    ratePerSecond,
    at: 0,
    sleeps: [] as number[],
    now: () => pace.at,
    sleep: async (ms: number) => {
      pace.sleeps.push(ms);
      pace.at += ms;
    },
  };
  return pace;
}

function email(to: string): OutgoingEmail {
  return {
    messageId: `m/${to}`,
    kind: 'notice',
    changeId: 'pol_1',
    to: [{ name: to, email: to }],
    subject: 's',
    text: 't',
    html: '<p>t</p>',
    links: [],
  };
}

/** Records when (on the virtual clock) each address was sent to; some addresses fail always or n times. */
class ScriptedMailer implements NoticeMailer {
  readonly sentAt: { to: string; at: number }[] = [];
  constructor(
    private readonly pace: { at: number },
    private readonly failures: Record<string, number> = {},
  ) {}
  async send(message: OutgoingEmail): Promise<'sent'> {
    const to = message.to[0]!.email;
    const left = this.failures[to] ?? 0;
    if (left > 0) {
      this.failures[to] = left - 1;
      throw Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' });
    }
    this.sentAt.push({ to, at: this.pace.at });
    return 'sent';
  }
}

const contact = (contactId: string): ContactEmail => ({ contactId, email: email(`${contactId}@x.example`) });

describe('email at the provider’s pace', () => {
  it('spaces sends by the rate: 4 per second is one every 250 ms, never a burst', async () => {
    const pace = virtualPace(4);
    const mailer = new ScriptedMailer(pace);
    const pacer = new Pacer(pace);
    for (const to of ['a', 'b', 'c', 'd', 'e']) await sendPaced(mailer, pacer, email(to));
    expect(mailer.sentAt.map((sent) => sent.at)).toEqual([0, 250, 500, 750, 1000]);
  });

  it('shares the rate between sends in flight at once (the pacer reserves each slot before it waits)', async () => {
    const pace = virtualPace(10);
    const mailer = new ScriptedMailer(pace);
    const pacer = new Pacer(pace);
    await Promise.all(['a', 'b', 'c'].map((to) => sendPaced(mailer, pacer, email(to))));
    // Three slots 100 ms apart: the first goes at once, each of the others waits for its own slot (the virtual
    // clock moves by each sleep as it is taken), so three sends take two intervals, never less.
    expect(pace.sleeps).toEqual([100, 100]);
    expect(pace.at).toBe(200);
    expect(mailer.sentAt).toHaveLength(3);
  });

  it('retries a throttled send with doubling back-off, and succeeds within the bound', async () => {
    const pace = virtualPace(Number.POSITIVE_INFINITY);
    const mailer = new ScriptedMailer(pace, { 'a@x.example': 2 });
    const result = await sendPaced(mailer, new Pacer(pace), email('a@x.example'));
    expect(result).toEqual({ sent: true, attempts: 3 });
    expect(pace.sleeps).toEqual([FIRST_BACKOFF_MS, FIRST_BACKOFF_MS * 2]);
  });

  it('gives up after MAX_SEND_ATTEMPTS with the last error, the back-off capped', async () => {
    const pace = virtualPace(Number.POSITIVE_INFINITY);
    const mailer = new ScriptedMailer(pace, { 'a@x.example': 100 });
    const result = await sendPaced(mailer, new Pacer(pace), email('a@x.example'));
    expect(result).toMatchObject({ sent: false, attempts: MAX_SEND_ATTEMPTS });
    expect(result.sent ? '' : result.error).toContain('TooManyRequestsException');
    expect(pace.sleeps).toHaveLength(MAX_SEND_ATTEMPTS - 1);
    expect(Math.max(...pace.sleeps)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
  });

  it('writes to the fallback contacts only when no primary contact could be reached', async () => {
    const pace = virtualPace(Number.POSITIVE_INFINITY);
    const reachedFirst = new ScriptedMailer(pace);
    expect(
      await sendToPartner(reachedFirst, new Pacer(pace), [contact('p1'), contact('p2')], [contact('f1')]),
    ).toEqual({
      reached: true,
      deliveredTo: ['p1', 'p2'],
      usedFallback: false,
    });
    expect(reachedFirst.sentAt.map((sent) => sent.to)).toEqual(['p1@x.example', 'p2@x.example']);

    const primaryDown = new ScriptedMailer(pace, { 'p1@x.example': 100 });
    expect(await sendToPartner(primaryDown, new Pacer(pace), [contact('p1')], [contact('f1')])).toEqual({
      reached: true,
      deliveredTo: ['f1'],
      usedFallback: true,
    });
  });

  it('reports a partner none of whose contacts could be reached as unreachable, naming each failure', async () => {
    const pace = virtualPace(Number.POSITIVE_INFINITY);
    const mailer = new ScriptedMailer(pace, { 'p1@x.example': 100, 'f1@x.example': 100 });
    const outcome = await sendToPartner(mailer, new Pacer(pace), [contact('p1')], [contact('f1')]);
    expect(outcome.reached).toBe(false);
    expect(outcome.reached ? '' : outcome.failure).toMatch(
      /p1: TooManyRequestsException.*f1: TooManyRequestsException/,
    );
    expect(mailer.sentAt).toEqual([]);
  });
});
