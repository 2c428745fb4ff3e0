import type { NoticeMailer, OutgoingEmail } from '../adapters/email/notice-mailer.ts';

/**
 * Email at the provider's pace. SES limits an account to a sending rate (messages per second); the rounds'
 * batches run side by side (the Distributed Map's MaxConcurrency), so each batch takes its share of the rate
 * and spaces its sends by it. A throttled or failed send is retried with exponential back-off, a bounded
 * number of times; a contact that still fails makes way for the partner's fallback contacts, and a partner
 * none of whose contacts could be reached is reported unreachable, never dropped.
 */
export interface Pace {
  /** Emails per second this batch may send (its share of the account's rate). */
  ratePerSecond: number;
  /** Milliseconds since some origin (real time: the provider's rate is in real seconds). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Attempts per email before its contact counts as failed: the first try and three retries. */
export const MAX_SEND_ATTEMPTS = 4;
/** The first back-off after a failed send; doubled each time (full jitter is not needed: one sender per batch). */
export const FIRST_BACKOFF_MS = 200;
/** The longest back-off between two attempts. */
export const MAX_BACKOFF_MS = 5_000;

export const realTimePace = (ratePerSecond: number): Pace => ({
  ratePerSecond,
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

/** Spaces calls `1 / rate` seconds apart (a token bucket of one: no bursts above the rate). */
export class Pacer {
  private nextAt = Number.NEGATIVE_INFINITY;
  constructor(private readonly pace: Pace) {}

  async take(): Promise<void> {
    if (!Number.isFinite(this.pace.ratePerSecond)) return;
    const interval = 1000 / this.pace.ratePerSecond;
    const now = this.pace.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + interval;
    if (at > now) await this.pace.sleep(at - now);
  }

  backOff(attempt: number): Promise<void> {
    return this.pace.sleep(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1)));
  }
}

export type SendResult = { sent: true; attempts: number } | { sent: false; attempts: number; error: string };

/** One email, paced, retried with back-off up to MAX_SEND_ATTEMPTS (its messageId makes a retry harmless). */
export async function sendPaced(
  mailer: NoticeMailer,
  pacer: Pacer,
  email: OutgoingEmail,
): Promise<SendResult> {
  let last = '';
  for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS; attempt += 1) {
    await pacer.take();
    try {
      await mailer.send(email);
      return { sent: true, attempts: attempt };
    } catch (error) {
      last = `${(error as Error).name}: ${(error as Error).message}`;
      if (attempt < MAX_SEND_ATTEMPTS) await pacer.backOff(attempt);
    }
  }
  return { sent: false, attempts: MAX_SEND_ATTEMPTS, error: last };
}

export interface ContactEmail {
  contactId: string;
  email: OutgoingEmail;
}

export type PartnerSendOutcome =
  | { reached: true; deliveredTo: string[]; usedFallback: boolean }
  | { reached: false; failure: string };

/**
 * Sends a partner's emails: one to each primary contact (each with its own link); if none of them could be
 * sent, one to each fallback contact. Reached when the provider accepted at least one.
 */
export async function sendToPartner(
  mailer: NoticeMailer,
  pacer: Pacer,
  primary: readonly ContactEmail[],
  fallback: readonly ContactEmail[],
): Promise<PartnerSendOutcome> {
  const failures: string[] = [];
  for (const [group, usedFallback] of [
    [primary, false],
    [fallback, true],
  ] as const) {
    const deliveredTo: string[] = [];
    for (const { contactId, email } of group) {
      const result = await sendPaced(mailer, pacer, email);
      if (result.sent) deliveredTo.push(contactId);
      else failures.push(`${contactId}: ${result.error}`);
    }
    if (deliveredTo.length > 0) return { reached: true, deliveredTo, usedFallback };
  }
  return {
    reached: false,
    failure:
      failures.length > 0
        ? `Every contact failed after ${MAX_SEND_ATTEMPTS} attempts: ${failures.join('; ').slice(0, 900)}`
        : 'The partner has no contact to send to.',
  };
}
