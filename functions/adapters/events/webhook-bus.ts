import type { IntegrationEvent } from '../../domain/lifecycle-events.ts';
import type { EventBus } from '../../events/event-bus.ts';

/** Attempts per event before it is left unpublished for the next run (a webhook down stays visible, never dropped). */
export const MAX_WEBHOOK_ATTEMPTS = 4;
/** The first retry's delay; each next one doubles. */
const FIRST_RETRY_MS = 25;
/** A webhook that does not answer within this is a failed attempt. */
const WEBHOOK_TIMEOUT_MS = 5_000;

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
}

/**
 * The local webhook's address, checked: http(s) on the loopback only, so trying an integration never sends a
 * partner's data off the machine. Anything else is refused with the reason (at start-up).
 */
export function loopbackWebhookUrl(text: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookRefused(`${variable} is not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookRefused(`${variable} must be an http(s) URL, not ${url.protocol}`);
  if (!loopbackHosts.has(url.hostname))
    throw new WebhookRefused(
      `${variable} must point at the loopback (127.0.0.1, localhost or [::1]), not ${url.hostname}: local mode never sends events off this machine`,
    );
  return url;
}

/**
 * Local delivery: with no webhook, the event log (the Events table, GET /dev/events) is where events land
 * and every event is taken; with one, each event is POSTed as JSON (the envelope) with its id as the
 * Idempotency-Key and X-PCN-Event-Id, in order, each retried with back-off a bounded number of times. An
 * event the webhook keeps refusing is answered failed, and so are its subject's later events in this batch
 * (a subject's events arrive in order).
 */
export class WebhookBus implements EventBus {
  constructor(
    private readonly url: URL | undefined,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async publish(events: readonly IntegrationEvent[]): Promise<{ failed: string[] }> {
    if (!this.url) return { failed: [] };
    const failed: string[] = [];
    const blocked = new Set<string>();
    for (const event of events) {
      if (blocked.has(event.subject) || !(await this.deliver(event))) {
        failed.push(event.eventId);
        blocked.add(event.subject);
      }
    }
    return { failed };
  }

  private async deliver(event: IntegrationEvent): Promise<boolean> {
    for (let attempt = 1; attempt <= MAX_WEBHOOK_ATTEMPTS; attempt += 1) {
      try {
        const response = await fetch(this.url!, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': event.eventId,
            'x-pcn-event-id': event.eventId,
            'x-pcn-event-type': event.type,
          },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        await response.arrayBuffer();
        if (response.ok) return true;
      } catch {
        // Refused, reset or timed out: try again.
      }
      if (attempt < MAX_WEBHOOK_ATTEMPTS) await this.sleep(FIRST_RETRY_MS * 2 ** (attempt - 1));
    }
    return false;
  }
}
