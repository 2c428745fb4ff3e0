import type { VirtualClock } from '@pcn/local-step-functions';
import { z } from 'zod';
import type { LocalOutboxMailer, OutboxMessage } from '../functions/adapters/email/local-outbox-mailer.ts';
import { roles } from '../functions/config/roles.ts';
import { escapeHtml } from '../functions/domain/notice.ts';
import { html, json, problem } from '../functions/http/responses.ts';
import { fieldErrors } from '../functions/http/schemas.ts';
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

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body || '{}');
  } catch {
    return undefined;
  }
}

function outboxPage(messages: OutboxMessage[]): string {
  const items = messages
    .map(
      (message) =>
        `<article><h2>${escapeHtml(message.subject)}</h2><p><strong>To:</strong> ${escapeHtml(
          message.to.map((recipient) => `${recipient.name} <${recipient.email}>`).join(', '),
        )} · <strong>${escapeHtml(message.kind)}</strong> · ${escapeHtml(message.sentAt)}</p>${message.links
          .map(
            (link) =>
              `<p><a href="${escapeHtml(link)}">${escapeHtml(link.length > 90 ? `${link.slice(0, 90)}…` : link)}</a></p>`,
          )
          .join(
            '',
          )}<details><summary>Text</summary><pre>${escapeHtml(message.text)}</pre></details></article>`,
    )
    .join('<hr>');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local outbox</title><style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}pre{white-space:pre-wrap}</style></head><body><h1>Local outbox (${messages.length})</h1><p>Every email the system sent, newest first. Open a notice link to see what the partner sees.</p>${items || '<p>No messages yet.</p>'}</body></html>`;
}

function indexPage(baseUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner Change Notice (local)</title><style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2rem}</style></head><body><h1>Partner Change Notice — local mode</h1><ul><li><a href="/dev/outbox">Outbox</a> (emails sent to partners)</li><li><a href="/dev/clock">Virtual clock</a></li><li><a href="/openapi.json">OpenAPI document</a></li></ul><p>Get a token: <code>curl -s -X POST ${escapeHtml(baseUrl)}/dev/token -d '{"user":"fiona","role":"finance"}'</code></p></body></html>`;
}

/** The seeded staff, for the console's dev sign-in: read from the seed itself, so the two never differ. */
function devPeople() {
  return { people: demoStaff.map(({ userId, name, roles }) => ({ userId, name, roles: [...roles] })) };
}

/** The /dev/* endpoints: local mode only (the deployed API has no such routes). */
export function createDevRoutes(options: {
  clock: VirtualClock;
  outbox: LocalOutboxMailer;
  tokenSecret: string;
  baseUrl: () => string;
  /** Resolves when every workflow has done all it can do at the current virtual time. */
  settle: () => Promise<void>;
  /** Moves the clock forward stopping at every timer on the way, as if the time had really passed. */
  advanceAndSettle: (ms: number) => Promise<Date>;
}): DevRoutes {
  return async ({ method, path, body, accept }) => {
    // `/` is the console's (local/console-files.ts); the developer index lives at /dev.
    if (method === 'GET' && (path === '/dev' || path === '/dev/'))
      return html(200, indexPage(options.baseUrl()));
    if (!path.startsWith('/dev/')) return undefined;
    const route = `${method} ${path.replace(/\/$/, '')}`;
    switch (route) {
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
      case 'GET /dev/people':
        return json(200, devPeople());
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
