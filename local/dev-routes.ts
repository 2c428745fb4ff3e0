import type { VirtualClock } from '@pcn/local-step-functions';
import { z } from 'zod';
import type { EventStore } from '../functions/adapters/dynamodb/event-store.ts';
import type { LocalOutboxMailer, OutboxMessage } from '../functions/adapters/email/local-outbox-mailer.ts';
import type { SealOutcome } from '../functions/audit/anchoring.ts';
import { roles } from '../functions/config/roles.ts';
import { integrationEventTypes } from '../functions/domain/lifecycle-events.ts';
import { escapeHtml } from '../functions/domain/notice.ts';
import { envelopeOf } from '../functions/events/publish.ts';
import { html, json, problem } from '../functions/http/responses.ts';
import { fieldErrors } from '../functions/http/schemas.ts';
import type { LinkKeyRotation } from '../functions/notices/link-key-rotation.ts';
import { issueDevToken } from './dev-identity.ts';
import type { DevRoutes } from './http-server.ts';
import { demoStaff } from './seed.ts';

const advanceSchema = z
  .object({
    days: z.number().min(0).max(3650).optional(),
    hours: z.number().min(0).max(87600).optional(),
    minutes: z.number().min(0).max(5_256_000).optional(),
    seconds: z.number().min(0).max(315_360_000).optional(),
  })
  .strict()
  .refine(
    (value) => Object.values(value).some((amount) => amount !== undefined),
    'give days, hours, minutes or seconds',
  );

const tokenSchema = z
  .object({ user: z.string().trim().min(1, 'is required').max(100), role: z.enum(roles) })
  .strict();

const eventLogQuerySchema = z
  .object({
    type: z.enum(integrationEventTypes).optional(),
    subject: z.string().trim().min(1, 'is empty').max(200).optional(),
    after: z.string().trim().min(1, 'is empty').max(300).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body || '{}');
  } catch {
    return undefined;
  }
}

/**
 * The developer pages' look: the partner pages' plain system-font style, one column, long links and email
 * text wrapping so a phone never scrolls sideways (people try the local mode from a phone on the same desk).
 */
const devStyle = `*,*::before,*::after{box-sizing:border-box}
body{margin:0;background:#f4f4f4;color:#000716;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.5;overflow-wrap:anywhere}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.05rem;margin:0 0 .5rem}
a{color:#0062c4}
article,.card{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,7,22,.12);padding:1rem;margin:0 0 1rem}
.meta{color:#5f6b7a;font-size:.875rem;margin:0 0 .75rem}
a.open{display:block;min-height:2.75rem;padding:.6rem 1rem;margin:0 0 .75rem;border:2px solid #0972d3;border-radius:12px;text-decoration:none;font-weight:700}
a.open:focus-visible{outline:2px solid #0972d3;outline-offset:2px}
a.open .url{display:block;font-weight:400;font-size:.8125rem;color:#5f6b7a}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8125rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.75rem;border-radius:8px;margin:.5rem 0 0}
summary{cursor:pointer;min-height:2.75rem;display:flex;align-items:center;color:#0972d3}
ul{padding-left:1.25rem}li{margin:0 0 .5rem}`;

function devPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${devStyle}</style></head><body><main>${body}</main></body></html>`;
}

/** A link in an email as a block big enough to tap, with its address shown (wrapped) beneath its label. */
function outboxLink(link: string): string {
  const label = link.includes('/notices/')
    ? 'Open the notice page'
    : link.includes('/api/')
      ? 'The change in the API (needs a staff token)'
      : 'Open the link';
  return `<a class="open" href="${escapeHtml(link)}">${label}<span class="url">${escapeHtml(link)}</span></a>`;
}

function outboxPage(messages: OutboxMessage[]): string {
  const items = messages
    .map(
      (message) =>
        `<article><h2>${escapeHtml(message.subject)}</h2><p class="meta"><strong>To:</strong> ${escapeHtml(
          message.to.map((recipient) => `${recipient.name} <${recipient.email}>`).join(', '),
        )} · <strong>${escapeHtml(message.kind)}</strong> · ${escapeHtml(message.sentAt)}</p>${message.links
          .map(outboxLink)
          .join(
            '',
          )}<details><summary>Text</summary><pre>${escapeHtml(message.text)}</pre></details></article>`,
    )
    .join('');
  return devPage(
    'Local outbox',
    `<h1>Local outbox (${messages.length})</h1><p class="meta">Every email the system sent, newest first. Open a notice link to see what the partner sees. <a href="/dev">Developer pages</a></p>${items || '<p>No messages yet.</p>'}`,
  );
}

function indexPage(baseUrl: string): string {
  return devPage(
    'Partner Change Notice (local)',
    `<h1>Partner Change Notice — local mode</h1><div class="card"><ul><li><a href="/dev/outbox">Outbox</a> (emails sent to partners)</li><li><a href="/dev/clock">Virtual clock</a></li><li><a href="/dev/events">Event log</a> (the public events, JSON; set PCN_WEBHOOK_URL to a loopback URL to receive them)</li><li><a href="/openapi.json">OpenAPI document</a></li></ul></div><div class="card"><h2>Get a token</h2><pre>curl -s -X POST ${escapeHtml(baseUrl)}/dev/token -d '{"user":"fiona","role":"finance"}'</pre></div>`,
  );
}

/** The seeded staff, for the console's dev sign-in: read from the seed itself, so the two never differ. */
function devPeople() {
  return { people: demoStaff.map(({ userId, name, roles }) => ({ userId, name, roles: [...roles] })) };
}

/** The /dev and /dev/* endpoints: local mode only (the deployed API has no such routes). */
export function createDevRoutes(options: {
  clock: VirtualClock;
  outbox: LocalOutboxMailer;
  tokenSecret: string;
  baseUrl: () => string;
  /** Resolves when every workflow has done all it can do at the current virtual time. */
  settle: () => Promise<void>;
  /** Moves the clock forward stopping at every timer on the way, as if the time had really passed. */
  advanceAndSettle: (ms: number) => Promise<Date>;
  /** The public events: the local event log. */
  events: EventStore;
  /** Seals the audit heads into the next signed digest now (in AWS a schedule does: infra/). */
  sealAudit: () => Promise<SealOutcome>;
  /** Rotates the link-signing keys now (in AWS Secrets Manager's schedule does: infra/link-keys.ts). */
  rotateLinkKeys: () => Promise<LinkKeyRotation>;
}): DevRoutes {
  return async ({ method, path, body, accept, query }) => {
    // `/` is the console's (local/console-files.ts); the developer index lives at /dev.
    if (path !== '/dev' && !path.startsWith('/dev/')) return undefined;
    const route = `${method} ${path.replace(/\/$/, '')}`;
    switch (route) {
      case 'GET /dev':
        return html(200, indexPage(options.baseUrl()));
      case 'GET /dev/clock':
        return json(200, { now: options.clock.now().toISOString(), offsetMs: options.clock.offsetMs });
      case 'POST /dev/clock/advance': {
        const parsed = advanceSchema.safeParse(parseJson(body));
        if (!parsed.success) {
          return problem(400, 'invalid-request', 'Body must be like {"days": 30}.', {
            fields: fieldErrors(parsed.error),
          });
        }
        const { days = 0, hours = 0, minutes = 0, seconds = 0 } = parsed.data;
        await options.advanceAndSettle(((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000);
        return json(200, { now: options.clock.now().toISOString(), offsetMs: options.clock.offsetMs });
      }
      case 'GET /dev/events': {
        // The event log: every public event in order (time, then subject and audit seq), each with
        // publishedAt once handed over (to the webhook, if one is set). Page on with after=<last eventId>.
        const parsed = eventLogQuerySchema.safeParse(Object.fromEntries(query));
        if (!parsed.success) {
          return problem(
            400,
            'invalid-request',
            'Query must be like ?type=notice.acknowledged&subject=<id>.',
            {
              fields: fieldErrors(parsed.error),
            },
          );
        }
        const { type, subject, after, limit } = parsed.data;
        const afterEvent = after ? await options.events.get(after) : undefined;
        if (after && !afterEvent) {
          return problem(400, 'invalid-request', `No event ${after} to list after.`, {
            fields: [{ field: 'after', reason: 'is not the id of an event in the log' }],
          });
        }
        const events = await options.events.list({
          type,
          subject,
          afterLogKey: afterEvent?.logKey,
          limit,
        });
        return json(200, {
          events: events.map((event) => ({
            ...envelopeOf(event),
            ...(event.publishedAt ? { publishedAt: event.publishedAt } : {}),
          })),
          ...(events.length === limit ? { next: events.at(-1)?.eventId } : {}),
        });
      }
      case 'GET /dev/people':
        return json(200, devPeople());
      case 'POST /dev/audit/seal': {
        const sealed = await options.sealAudit();
        return json(200, sealed);
      }
      case 'POST /dev/link-keys/rotate':
        return json(200, await options.rotateLinkKeys());
      case 'POST /dev/workflows/settle':
        await options.settle();
        return json(200, { settled: true, now: options.clock.now().toISOString() });
      case 'POST /dev/token': {
        const parsed = tokenSchema.safeParse(parseJson(body));
        if (!parsed.success) {
          return problem(
            400,
            'invalid-request',
            `Body must be {"user", "role"} with role one of ${roles.join(', ')}.`,
            {
              fields: fieldErrors(parsed.error),
            },
          );
        }
        return json(200, {
          token: issueDevToken(parsed.data.user, parsed.data.role, options.tokenSecret, Date.now()),
        });
      }
      case 'GET /dev/outbox': {
        const messages = await options.outbox.list();
        return accept.includes('text/html') ? html(200, outboxPage(messages)) : json(200, { messages });
      }
      default:
        return problem(404, 'not-found', `No dev route ${route}.`);
    }
  };
}
