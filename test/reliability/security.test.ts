import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../functions/config/roles.ts';
import { signAcknowledgementLink } from '../../functions/domain/acknowledgement-link.ts';
import { signingKey } from '../../functions/domain/link-keys.ts';
import { apiRoutes } from '../../functions/http/api.ts';
import { bodyLimitOf, MAX_BODY_BYTES, type Route } from '../../functions/http/router.ts';
import type { LocalSystem } from '../../local/system.ts';
import {
  type ApiClient,
  type ApiResponse,
  type ChangeView,
  isoDateAfter,
  type OutboxMessageView,
  realRationale,
} from '../support/api-client.ts';
import {
  closeRawConnections,
  partnerPageTitles,
  reasonOf,
  snapshotTables,
  type TableSnapshot,
  visibleText,
} from '../support/http-probe.ts';
import { policyRequest } from '../support/policy.ts';
import { sized } from '../support/reliability-size.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * The security properties of the HTTP API and the partner's pages, on the real local system: signed notice
 * links (tampered, foreign, for someone else, expired), maker-checker, the role of every route against every
 * role, replays, oversized bodies, markup in every free-text field, and the acknowledgement form against
 * cross-site requests (no cookies anywhere). The clock moves only virtually, and only in the last block.
 */
let system: LocalSystem;
let api: ApiClient;
const tokens = {} as Record<Role, string>;
let compliance: string;

/** Every answer this file receives, to check at the end that none of them set a cookie. */
const answers: { what: string; setCookie: string | null }[] = [];

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: Parameters<ApiClient['request']>[2] = {},
): Promise<ApiResponse<T>> {
  const response = await api.request<T>(method, path, options);
  answers.push({
    what: `${method} ${path.slice(0, 120)} → ${response.status}`,
    setCookie: response.headers.get('set-cookie'),
  });
  return response;
}

beforeAll(async () => {
  let finance: string;
  ({ system, api, finance } = await startTestSystem());
  tokens.finance = finance;
  tokens.approver = await api.token('approver', 'amara');
  tokens['partner-manager'] = await api.token('partner-manager', 'dana');
  tokens.compliance = await api.token('compliance', 'carla');
  compliance = tokens.compliance;
  expect(Object.keys(tokens).sort()).toEqual([...roles].sort());
}, 120_000);

afterAll(async () => {
  closeRawConnections();
  await system?.stop();
});

// ---------------------------------------------------------------------------------------------------------
// Helpers: changes over the API, links from the outbox, counts of what was written

const partners = {
  northwind: { partnerId: 'northwind-resellers', ratePct: 12 },
  contoso: { partnerId: 'contoso-value-partners', ratePct: 15 },
  fabrikam: { partnerId: 'fabrikam-solutions', ratePct: 18 },
  adventure: { partnerId: 'adventure-works', ratePct: 10 },
} as const;
type Partner = (typeof partners)[keyof typeof partners];

/** A cut for `partner` limited to its own product (so many can be pending at once), as `token` submits it. */
async function submitCut(
  partner: Partner,
  product: string,
  extra: Record<string, unknown> = {},
  token = tokens.finance,
  headers: Record<string, string> = {},
): Promise<ApiResponse<{ changeId: string; replayed: boolean; status: string }>> {
  return call<{ changeId: string; replayed: boolean; status: string }>('POST', '/api/commission-changes', {
    token,
    headers,
    json: {
      partnerId: partner.partnerId,
      currentRatePct: partner.ratePct,
      newRatePct: partner.ratePct - 1,
      effectiveDate: isoDateAfter(await api.now(), 61),
      rationale: realRationale,
      scope: { products: [product] },
      ...extra,
    },
  });
}

async function submitted(
  partner: Partner,
  product: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await submitCut(partner, product, extra);
  expect(response.status, response.text).toBe(201);
  return response.body.changeId;
}

interface Link {
  changeId: string;
  noticeId: string;
  token: string;
  /** /notices/<noticeId> */
  path: string;
}

function linkOf(message: OutboxMessageView): Link {
  const url = new URL(message.links[0]!);
  return {
    changeId: message.changeId,
    noticeId: decodeURIComponent(url.pathname.split('/').at(-1)!),
    token: url.searchParams.get('token')!,
    path: url.pathname,
  };
}

/** A cut approved by a second person, its notice delivered: the newest notice link of each contact. */
async function delivered(
  partner: Partner,
  product: string,
  extra: Record<string, unknown> = {},
): Promise<Link[]> {
  const changeId = await submitted(partner, product, extra);
  await api.approve(changeId);
  const notices = await api.messagesOf(changeId, ['notice']);
  expect(notices.length, `notices of ${changeId}`).toBeGreaterThan(0);
  return notices.map(linkOf);
}

async function view(changeId: string): Promise<ChangeView & Record<string, unknown>> {
  await api.settle();
  return api.view(changeId, tokens.finance);
}

async function auditOf(changeId: string) {
  const response = await call<{
    entries: { type: string; actor: string; details: Record<string, unknown> }[];
  }>('GET', `/api/audit?changeId=${encodeURIComponent(changeId)}`, { token: compliance });
  expect(response.status, response.text).toBe(200);
  return response.body.entries;
}

async function auditTypes(changeId: string): Promise<string[]> {
  return (await auditOf(changeId)).map((entry) => entry.type);
}

async function ledgerOf(partner: Partner, changeId: string): Promise<{ rule: string }[]> {
  const response = await call<{ trust: { ledger: { rule: string; changeId?: string }[] } }>(
    'GET',
    `/api/partners/${partner.partnerId}`,
    { token: tokens.finance },
  );
  return response.body.trust.ledger.filter((event) => event.changeId === changeId);
}

function changedTables(before: TableSnapshot, after: TableSnapshot): string[] {
  return Object.keys({ ...before.counts, ...after.counts }).flatMap((name) =>
    before.digests[name] === after.digests[name]
      ? []
      : [
          `${name}: ${before.counts[name] ?? 0} items before, ${after.counts[name] ?? 0} after (contents differ)`,
        ],
  );
}

/** Runs `act`, lets every workflow settle, and expects no table of the system (the outbox too) to have changed. */
async function expectNothingWritten(act: () => Promise<void>): Promise<void> {
  await api.settle();
  const before = await snapshotTables(system.dynamodbEndpoint);
  await act();
  await api.settle();
  const after = await snapshotTables(system.dynamodbEndpoint);
  expect(changedTables(before, after), 'tables changed').toEqual([]);
}

function pageTitle(response: ApiResponse<unknown>): string {
  const reason = reasonOf(response);
  if (typeof reason === 'string') return `(no reason: ${reason})`;
  return reason.kind === 'page' ? reason.title : `(JSON: ${reason.message})`;
}

const acknowledge = (link: Pick<Link, 'path'>, token: string) =>
  call('POST', `${link.path}/acknowledgement`, { form: { token } });

// ---------------------------------------------------------------------------------------------------------

describe('(a) a tampered notice link', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  it('is refused (403, the link is not valid) for a change of any single character, and records nothing', async () => {
    const [link] = await delivered(partners.northwind, 'tamper');
    const { token } = link!;
    // Every position at full size (three other characters each); at CI size both ends, the separator and its
    // neighbours, and an even spread over the payload and the signature.
    const positions = sized({
      full: Array.from({ length: token.length }, (_, i) => i),
      ci: [
        ...new Set([
          0,
          1,
          2,
          token.indexOf('.') - 1,
          token.indexOf('.'),
          token.indexOf('.') + 1,
          token.length - 2,
          token.length - 1,
          ...Array.from({ length: 24 }, (_, i) => Math.floor((i * token.length) / 24)),
        ]),
      ].sort((a, b) => a - b),
    });
    const variants = sized({ ci: 1, full: 3 });
    const tampered = positions.flatMap((at) =>
      Array.from({ length: variants }, (_, k) => {
        let code = (alphabet.indexOf(token[at]!) + 1 + k * 21) % 64;
        if (alphabet[code] === token[at]) code = (code + 1) % 64;
        return `${token.slice(0, at)}${alphabet[code]}${token.slice(at + 1)}`;
      }),
    );
    expect(tampered.every((candidate) => candidate !== token && candidate.length === token.length)).toBe(
      true,
    );

    await expectNothingWritten(async () => {
      for (const candidate of tampered) {
        const refused = await acknowledge(link!, candidate);
        expect(refused.status, `token tampered at ${candidate}`).toBe(403);
        expect(pageTitle(refused)).toBe(partnerPageTitles.invalidLink);
      }
      for (const candidate of tampered.filter((_, i) => i % 4 === 0)) {
        const page = await call('GET', `${link!.path}?token=${encodeURIComponent(candidate)}`);
        expect(page.status).toBe(403);
        expect(pageTitle(page)).toBe(partnerPageTitles.invalidLink);
        const concern = await call('POST', `${link!.path}/concern`, {
          form: { token: candidate, comment: 'A concern sent with a tampered link.' },
        });
        expect(concern.status).toBe(403);
      }
    });
    const change = await view(link!.changeId);
    expect(change.status).toBe('notice-sent');
    expect(change.acknowledgement).toBeUndefined();
    expect(await auditTypes(link!.changeId)).not.toContain('acknowledgement-recorded');
    console.log(
      `security: ${tampered.length} tampered tokens over ${positions.length} of ${token.length} positions`,
    );

    // The genuine link still works, once.
    const genuine = await acknowledge(link!, token);
    expect(genuine.status).toBe(200);
    expect(genuine.text).toContain('Thank you: your acknowledgement is recorded');
  });
});

describe('(b) a link for another notice, for another recipient, or expired (see the last block)', () => {
  it('a genuine token of another notice is refused (403, it belongs to another notice) on the page and both forms', async () => {
    const [mine] = await delivered(partners.adventure, 'foreign-a');
    const [other] = await delivered(partners.contoso, 'foreign-b');
    await expectNothingWritten(async () => {
      const page = await call('GET', `${mine!.path}?token=${encodeURIComponent(other!.token)}`);
      const ack = await acknowledge(mine!, other!.token);
      const concern = await call('POST', `${mine!.path}/concern`, {
        form: { token: other!.token, comment: 'Sent with the link of another notice.' },
      });
      for (const response of [page, ack, concern]) {
        expect(response.status).toBe(403);
        expect(pageTitle(response)).toBe(partnerPageTitles.foreign);
      }
    });
    expect((await view(mine!.changeId)).acknowledgement).toBeUndefined();
    expect((await view(other!.changeId)).acknowledgement).toBeUndefined();
  });

  it('a validly signed token for someone who is not a recipient of the notice is refused (403)', async () => {
    const [link] = await delivered(partners.northwind, 'foreign-recipient');
    const change = await view(link!.changeId);
    // Signed with the system's own secret: only the recipient differs (a contact of another partner).
    const forSomeoneElse = signAcknowledgementLink(
      {
        changeId: link!.changeId,
        noticeId: link!.noticeId,
        contactId: 'cv-finance',
        expiresAt: Date.parse(change.applyAt!) + 86_400_000,
      },
      signingKey(await system.deps.acknowledgementLinkKeys()),
    );
    await expectNothingWritten(async () => {
      const ack = await acknowledge(link!, forSomeoneElse);
      expect(ack.status).toBe(403);
      expect(pageTitle(ack)).toBe(partnerPageTitles.foreign);
      const page = await call('GET', `${link!.path}?token=${encodeURIComponent(forSomeoneElse)}`);
      expect(page.status).toBe(403);
      expect(pageTitle(page)).toBe(partnerPageTitles.foreign);
    });
  });
});

describe('(c) maker-checker', () => {
  it('refuses the submitter approving (or rejecting) its own change: 403, audited, nothing else written', async () => {
    const changeId = await submitted(partners.contoso, 'self-approval');
    const selfApprover = await api.token('approver', 'fiona');
    await api.settle();
    const outboxBefore = (await api.messagesOf(changeId)).length;
    const auditBefore = await auditOf(changeId);
    for (const decision of ['approve', 'reject']) {
      const self = await call<{ error: string; message: string }>(
        'POST',
        `/api/changes/${changeId}/approval`,
        {
          token: selfApprover,
          json: { decision, comment: 'I am sure it is fine.' },
        },
      );
      expect(self.status).toBe(403);
      expect(self.body.error).toBe('self-approval');
      expect(self.body.message).toMatch(/second person/);
    }
    const audit = await auditOf(changeId);
    expect(audit.slice(auditBefore.length).map((entry) => [entry.type, entry.actor])).toEqual([
      ['self-approval-refused', 'fiona'],
      ['self-approval-refused', 'fiona'],
    ]);
    const change = await view(changeId);
    expect(change.status).toBe('awaiting-approval');
    expect((change.approval as { approvals: unknown[] }).approvals).toEqual([]);
    expect((await api.messagesOf(changeId)).length).toBe(outboxBefore);
  });
});

describe('(d) the role matrix, from the routes’ own declarations', () => {
  const routes = apiRoutes();
  type Caller = Role | 'none' | 'junk';
  const callers: Caller[] = [...roles, 'none', 'junk'];

  it('a route answers 401/403 exactly when its declared roles exclude the caller (public routes never)', async () => {
    const [notice] = await delivered(partners.adventure, 'role-matrix');
    // A policy notice's genuine link too, for the policy-notice pages.
    const submitted = await call<{ policyChangeId: string }>('POST', '/api/policy-changes', {
      token: tokens['partner-manager'],
      json: policyRequest('EMEA', isoDateAfter(await api.now(), 10)),
    });
    expect(submitted.status, submitted.text).toBe(201);
    await system.settle();
    const [policyMessage] = await api.messagesOf(submitted.body.policyChangeId, ['notice']);
    const policyLink = new URL(policyMessage!.links[0]!);
    const policyToken = policyLink.searchParams.get('token')!;
    /** A request each route would serve for an allowed caller (public pages: the genuine link). */
    const probe = (route: Route) => {
      const publicPage = !route.roles && route.path.includes('{noticeId}');
      const policyPage = !route.roles && route.path.startsWith('/policy-notices/');
      const token = policyPage ? policyToken : notice!.token;
      const path = policyPage
        ? `${policyLink.pathname}${route.path.slice('/policy-notices/{policyChangeId}/{partnerId}'.length)}`
        : route.path.replace(/\{(\w+)\}/g, () =>
            publicPage ? encodeURIComponent(notice!.noticeId) : 'role-matrix-probe',
          );
      if ((publicPage || policyPage) && route.method === 'GET')
        return { path: `${path}?token=${encodeURIComponent(token)}` };
      if (route.body?.mediaType === 'application/x-www-form-urlencoded') {
        return { path, form: { token, comment: 'A concern raised while probing the roles.' } };
      }
      if (route.body) return { path, json: {} };
      return { path };
    };
    const documented = (
      await call<{ paths: Record<string, Record<string, { 'x-roles'?: string[] }>> }>('GET', '/openapi.json')
    ).body;
    const rows: string[] = [];
    for (const route of routes) {
      expect(
        documented.paths[route.path]?.[route.method.toLowerCase()]?.['x-roles'],
        `${route.method} ${route.path} documented roles`,
      ).toEqual(route.roles ? [...route.roles] : undefined);
      for (const caller of callers) {
        const { path, ...body } = probe(route);
        const headers: Record<string, string> =
          caller === 'junk' ? { authorization: 'Bearer not-a-token' } : {};
        const response = await call(route.method, path, {
          ...body,
          headers,
          ...(caller !== 'none' && caller !== 'junk' ? { token: tokens[caller] } : {}),
        });
        const refusedForRole = response.status === 401 || response.status === 403;
        const excluded =
          route.roles !== undefined &&
          (caller === 'none' || caller === 'junk' || !route.roles.includes(caller));
        const expected = !route.roles
          ? 'not 401/403'
          : caller === 'none' || caller === 'junk'
            ? '401'
            : excluded
              ? '403'
              : 'not 401/403';
        const ok =
          expected === 'not 401/403'
            ? !refusedForRole
            : response.status === Number(expected) && refusedForRole;
        if (!ok)
          rows.push(
            `${route.method} ${route.path} as ${caller}: expected ${expected}, got ${response.status} ${response.text.slice(0, 120)}`,
          );
        if (refusedForRole)
          expect(typeof reasonOf(response), `${route.method} ${route.path} as ${caller}`).toBe('object');
      }
    }
    expect(rows).toEqual([]);
    console.log(`security: role matrix of ${routes.length} routes × ${callers.length} callers`);
  });
});

describe('(e) replayed requests never double anything', () => {
  it('the same acknowledgement, again and five at once: recorded once (audit, ledger, outbox unchanged)', async () => {
    const [link] = await delivered(partners.contoso, 'replay-ack');
    const first = await acknowledge(link!, link!.token);
    expect(first.text).toContain('Thank you: your acknowledgement is recorded');
    await api.settle();
    const counts = async () => ({
      acknowledgements: (await auditTypes(link!.changeId)).filter(
        (type) => type === 'acknowledgement-recorded',
      ).length,
      ledger: (await ledgerOf(partners.contoso, link!.changeId)).length,
      outbox: (await api.messagesOf(link!.changeId)).length,
    });
    const once = await counts();
    expect(once.acknowledgements).toBe(1);
    expect(once.ledger).toBe(1);
    await expectNothingWritten(async () => {
      const again = await acknowledge(link!, link!.token);
      expect(again.status).toBe(200);
      expect(again.text).toContain('Already recorded');
      const burst = await Promise.all(Array.from({ length: 5 }, () => acknowledge(link!, link!.token)));
      expect(burst.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    });
    expect(await counts()).toEqual(once);
  });

  it('acknowledgements racing each other: exactly one is recorded', async () => {
    const [link] = await delivered(partners.northwind, 'replay-race');
    const burst = await Promise.all(Array.from({ length: 6 }, () => acknowledge(link!, link!.token)));
    expect(burst.map((response) => response.status)).toEqual(Array(6).fill(200));
    expect(
      burst.filter((response) => response.text.includes('Thank you: your acknowledgement is recorded')),
    ).toHaveLength(1);
    await api.settle();
    expect(
      (await auditTypes(link!.changeId)).filter((type) => type === 'acknowledgement-recorded'),
    ).toHaveLength(1);
    expect(await ledgerOf(partners.northwind, link!.changeId)).toHaveLength(1);
  });

  it('the same submission with the same Idempotency-Key: one change, one audit entry, one set of emails', async () => {
    const key = 'security-replay-1';
    const first = await submitCut(partners.adventure, 'replay-idem', {}, tokens.finance, {
      'idempotency-key': key,
    });
    expect(first.status, first.text).toBe(201);
    await api.settle();
    await expectNothingWritten(async () => {
      const again = await submitCut(partners.adventure, 'replay-idem', {}, tokens.finance, {
        'idempotency-key': key,
      });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ changeId: first.body.changeId, replayed: true });
      // The same key for a different request is refused, and writes nothing either.
      const reused = await submitCut(partners.adventure, 'replay-idem', { newRatePct: 8 }, tokens.finance, {
        'idempotency-key': key,
      });
      expect(reused.status).toBe(422);
      expect(reused.body).toMatchObject({ error: 'idempotency-key-reused' });
    });
    expect(
      (await auditTypes(first.body.changeId)).filter((type) => type === 'change-submitted'),
    ).toHaveLength(1);
  });

  it('the same submission five times at once with one key: one change for all five answers', async () => {
    const key = 'security-replay-burst';
    const burst = await Promise.all(
      Array.from({ length: 5 }, () =>
        submitCut(partners.northwind, 'replay-burst', {}, tokens.finance, { 'idempotency-key': key }),
      ),
    );
    expect(burst.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 201]);
    const ids = new Set(burst.map((response) => response.body.changeId));
    expect(ids.size).toBe(1);
    const [changeId] = [...ids];
    await api.settle();
    expect((await auditTypes(changeId!)).filter((type) => type === 'change-submitted')).toHaveLength(1);
    const list = await call<{ items: { changeId: string; terms: { scope?: { products?: string[] } } }[] }>(
      'GET',
      '/api/changes?partnerId=northwind-resellers&limit=100',
      { token: tokens.finance },
    );
    expect(
      list.body.items.filter((item) => item.terms.scope?.products?.includes('replay-burst')),
    ).toHaveLength(1);
    const requests = await api.messagesOf(changeId!, ['approval-request']);
    expect(new Set(requests.map((message) => message.messageId)).size).toBe(requests.length);
  });

  it('a concern, an approval and a withdrawal sent twice: the second changes nothing', async () => {
    const [link] = await delivered(partners.adventure, 'replay-concern');
    const comment = 'We booked two deals at the current rate this week.';
    const concern = await call('POST', `${link!.path}/concern`, { form: { token: link!.token, comment } });
    expect(concern.text).toContain('your concern is recorded');
    await expectNothingWritten(async () => {
      const again = await call('POST', `${link!.path}/concern`, { form: { token: link!.token, comment } });
      expect(again.status).toBe(200);
      expect(again.text).toContain('Your concern was already received');
    });
    expect(await api.messagesOf(link!.changeId, ['dispute-raised'])).toHaveLength(1);

    const changeId = await submitted(partners.contoso, 'replay-approval');
    const approval = { token: tokens.approver, json: { decision: 'approve', comment: 'Numbers check out.' } };
    expect((await call('POST', `/api/changes/${changeId}/approval`, approval)).status).toBe(200);
    await expectNothingWritten(async () => {
      const again = await call<{ error: string }>('POST', `/api/changes/${changeId}/approval`, approval);
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('not-awaiting-approval');
    });
    expect((await auditTypes(changeId)).filter((type) => type === 'approval-recorded')).toHaveLength(1);
    expect(await api.messagesOf(changeId, ['approval-decision'])).toHaveLength(1);

    const withdrawal = { token: tokens.finance, json: { reason: 'The supplier reversed its price rise.' } };
    expect((await call('POST', `/api/changes/${changeId}/withdrawal`, withdrawal)).status).toBe(200);
    const told = (await api.messagesOf(changeId, ['withdrawal'])).length;
    expect(told).toBeGreaterThan(0);
    await expectNothingWritten(async () => {
      const again = await call('POST', `/api/changes/${changeId}/withdrawal`, withdrawal);
      expect(again.status).toBe(409);
    });
    expect(await api.messagesOf(changeId, ['withdrawal'])).toHaveLength(told);
  });
});

describe('(f) bodies over the limit', () => {
  it('every POST and PUT route answers 413 before doing anything, staff and public alike, and writes nothing', async () => {
    const [link] = await delivered(partners.contoso, 'oversized');
    const awaiting = await submitted(partners.northwind, 'oversized');
    const posts = apiRoutes().filter((route) => route.method !== 'GET');
    expect(posts.length).toBeGreaterThan(5);
    await expectNothingWritten(async () => {
      for (const route of posts) {
        // Bodies that would be acted on if their size did not stop them: real ids, valid fields, padding.
        const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) =>
          name === 'noticeId' ? encodeURIComponent(link!.noticeId) : awaiting,
        );
        const token = route.roles ? tokens[route.roles[0]!] : undefined;
        let response: ApiResponse;
        if (route.body?.mediaType === 'application/x-www-form-urlencoded') {
          const fields = { token: link!.token, comment: 'A concern that is far too long.' };
          const padding =
            MAX_BODY_BYTES + 1 - new URLSearchParams({ ...fields, padding: '' }).toString().length;
          response = await call('POST', path, { form: { ...fields, padding: 'p'.repeat(padding) } });
        } else {
          const body = JSON.stringify(
            route.path.endsWith('/approval')
              ? { decision: 'approve', comment: 'Padded, but otherwise fine.' }
              : route.path.endsWith('/withdrawal')
                ? { reason: 'The supplier reversed its price rise.' }
                : {},
          );
          // A route may set its own limit (an import takes files): one byte over that one.
          const limit = bodyLimitOf(route);
          const text = Array.isArray(route.body?.mediaType) ? route.body.mediaType[0] : undefined;
          response = await call(route.method, path, {
            ...(token ? { token } : {}),
            ...(text
              ? { headers: { 'content-type': text }, body: `${'\n'.repeat(limit + 1)}` }
              : { json: `${body}${' '.repeat(limit + 1 - Buffer.byteLength(body))}` }),
          });
        }
        expect(response.status, `${route.method} ${route.path}`).toBe(413);
        const reason = reasonOf(response);
        expect(typeof reason, `${route.method} ${route.path}: ${response.text.slice(0, 200)}`).toBe('object');
        if (typeof reason !== 'string' && reason.kind === 'page')
          expect(reason.title).toBe(partnerPageTitles.tooLarge);
        if (typeof reason !== 'string' && reason.kind === 'json') expect(reason.error).toBe('body-too-large');
      }
    });
    expect((await view(awaiting)).status).toBe('awaiting-approval');
    // The limit itself is allowed: exactly MAX_BODY_BYTES is parsed (here: refused for what it says, 404).
    const body = JSON.stringify({ decision: 'approve', comment: 'At the limit.' });
    const atLimit = await call('POST', '/api/changes/chg_no-such-change/approval', {
      token: tokens.approver,
      json: `${body}${' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(body))}`,
    });
    expect(atLimit.status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** Markup a person could type into any free-text field; every field below carries a variant of it. */
const MARKUP = `<script>alert("pcn")</script><img src=x onerror=alert(1)>&"'`;
const escapedMarkup = MARKUP.replaceAll('&', '&amp;')
  .replaceAll('<', '&lt;')
  .replaceAll('>', '&gt;')
  .replaceAll('"', '&quot;')
  .replaceAll("'", '&#39;');

/** An HTML document shows `text` only escaped: never a live tag from it. */
function expectShownEscaped(html: string, text: string, where: string): void {
  expect(html, `${where}: a raw <script> or <img>`).not.toMatch(/<script|<img/i);
  const escaped = text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
  expect(html.includes(escaped), `${where}: shows ${text.slice(0, 60)} escaped`).toBe(true);
}

describe('(g) markup in every free-text field is shown as text', () => {
  const rationale = `${realRationale} ${MARKUP}`;
  const internalNote = `Internal: ${MARKUP}`;
  const product = `<script>alert("product")</script>`;
  const approvalComment = `Approved ${MARKUP}`;
  const concernComment = `Our concern: ${MARKUP}`;
  const answer = `We checked your numbers: ${MARKUP}`;
  const withdrawalReason = `Withdrawn because ${MARKUP}`;
  const approverName = '<i>eve</i>';
  let link: Link;

  it('rationale, internal note, product, approver’s name and comment: the notice page, its emails, the staff emails, the JSON', async () => {
    const changeId = await submitted(partners.northwind, product, { rationale, internalNote });
    const approver = await api.token('approver', approverName);
    const approved = await call('POST', `/api/changes/${changeId}/approval`, {
      token: approver,
      json: { decision: 'approve', comment: approvalComment },
    });
    expect(approved.status, approved.text).toBe(200);
    const [notice] = await api.messagesOf(changeId, ['notice']);
    link = linkOf(notice!);

    const page = await call('GET', `${link.path}?token=${encodeURIComponent(link.token)}`);
    expect(page.status).toBe(200);
    expectShownEscaped(page.text, rationale, 'notice page');
    expectShownEscaped(page.text, product, 'notice page');
    expect(page.text, 'the internal note never reaches the partner').not.toContain('Internal:');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");

    expectShownEscaped(notice!.html, rationale, 'notice email');
    expectShownEscaped(notice!.html, product, 'notice email');
    expect(notice!.text, 'the text part shows the rationale as written').toContain(rationale);
    expect(`${notice!.text}${notice!.html}`).not.toContain('Internal:');

    const [request] = await api.messagesOf(changeId, ['approval-request']);
    expectShownEscaped(request!.html, internalNote, 'approval request');
    expectShownEscaped(request!.html, rationale, 'approval request');
    const [decision] = await api.messagesOf(changeId, ['approval-decision']);
    expectShownEscaped(decision!.html, approvalComment, 'approval decision');
    expectShownEscaped(decision!.html, approverName, 'approval decision');

    // In JSON the text stays data, exactly as written.
    const change = await view(changeId);
    expect(change).toMatchObject({ rationale, internalNote });
    expect(change.terms).toMatchObject({ scope: { products: [product] } });
    const approval = (await auditOf(changeId)).find((entry) => entry.type === 'approval-recorded');
    expect(approval).toMatchObject({ actor: approverName, details: { comment: approvalComment } });
  });

  it('a concern’s comment, the dispute’s answer and a withdrawal’s reason: the pages and the emails', async () => {
    const concern = await call('POST', `${link.path}/concern`, {
      form: { token: link.token, comment: concernComment },
    });
    expect(concern.status).toBe(200);
    expectShownEscaped(concern.text, concernComment, 'concern page');
    const page = await call('GET', `${link.path}?token=${encodeURIComponent(link.token)}`);
    expectShownEscaped(page.text, concernComment, 'notice page with the open concern');
    const [raised] = await api.messagesOf(link.changeId, ['dispute-raised']);
    expectShownEscaped(raised!.html, concernComment, 'dispute-raised email');

    const upheld = await call('POST', `/api/changes/${link.changeId}/dispute-resolution`, {
      token: tokens['partner-manager'],
      json: { outcome: 'upheld', answer },
    });
    expect(upheld.status, upheld.text).toBe(200);
    const answers = await api.messagesOf(link.changeId, ['dispute-answer']);
    expect(answers.length).toBeGreaterThan(0);
    for (const message of answers) {
      expectShownEscaped(message.html, answer, 'dispute answer');
      expect(message.text).toContain(answer);
    }

    const withdrawn = await call('POST', `/api/changes/${link.changeId}/withdrawal`, {
      token: tokens.finance,
      json: { reason: withdrawalReason },
    });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    const told = await api.messagesOf(link.changeId, ['withdrawal']);
    expect(told.length).toBeGreaterThan(0);
    for (const message of told) expectShownEscaped(message.html, withdrawalReason, 'withdrawal email');
    const audit = await auditOf(link.changeId);
    expect(audit.find((entry) => entry.type === 'concern-raised')?.details).toMatchObject({
      comment: concernComment,
    });
  });

  it('a revised dispute: the answer and the new rationale on the v2 notice page and email', async () => {
    const [notice] = await delivered(partners.contoso, 'markup-revised');
    const concern = await call('POST', `${notice!.path}/concern`, {
      form: { token: notice!.token, comment: 'This cut hurts two deals in flight.' },
    });
    expect(concern.status).toBe(200);
    const revisedRationale = `${realRationale} Revised: ${MARKUP}`;
    const revised = await call('POST', `/api/changes/${notice!.changeId}/dispute-resolution`, {
      token: tokens['partner-manager'],
      json: { outcome: 'revised', answer, revision: { newRatePct: 14.5 }, rationale: revisedRationale },
    });
    expect(revised.status, revised.text).toBe(200);
    const notices = await api.messagesOf(notice!.changeId, ['notice']);
    const v2 = notices.map(linkOf).find((candidate) => candidate.noticeId.endsWith('-v2'));
    expect(v2).toBeDefined();
    const message = notices.find((candidate) => linkOf(candidate).noticeId === v2!.noticeId)!;
    expectShownEscaped(message.html, revisedRationale, 'revised notice email');
    const page = await call('GET', `${v2!.path}?token=${encodeURIComponent(v2!.token)}`);
    expectShownEscaped(page.text, revisedRationale, 'revised notice page');
    for (const answered of await api.messagesOf(notice!.changeId, ['dispute-answer']))
      expectShownEscaped(answered.html, answer, 'revision answer');
  });

  it('an emergency’s justification (shown to the partner) and a rejection’s comment', async () => {
    const justification = `Our supplier went bankrupt overnight and we must act now: ${MARKUP}`;
    const changeId = await submitted(partners.adventure, 'markup-emergency', {
      effectiveDate: isoDateAfter(await api.now(), 10),
      emergency: { justification },
    });
    await api.approve(changeId, 'amara');
    await api.approve(changeId, 'victor');
    const [notice] = await api.messagesOf(changeId, ['notice']);
    expect(notice).toBeDefined();
    expectShownEscaped(notice!.html, justification, 'emergency notice email');
    const emergencyLink = linkOf(notice!);
    const page = await call('GET', `${emergencyLink.path}?token=${encodeURIComponent(emergencyLink.token)}`);
    expectShownEscaped(page.text, justification, 'emergency notice page');

    const rejected = await submitted(partners.contoso, 'markup-rejected');
    const rejection = `Rejected: ${MARKUP}`;
    const response = await call('POST', `/api/changes/${rejected}/approval`, {
      token: tokens.approver,
      json: { decision: 'reject', comment: rejection },
    });
    expect(response.status, response.text).toBe(200);
    const [decision] = await api.messagesOf(rejected, ['approval-decision']);
    expectShownEscaped(decision!.html, rejection, 'rejection email');
  });

  it('a consultation’s participants and summary stay data in JSON and escaped wherever shown', async () => {
    const changeId = await submitted(partners.fabrikam, 'markup-consultation');
    await api.approve(changeId);
    expect((await view(changeId)).status).toBe('awaiting-consultation');
    const summary = `Walked Jonas through the price rise; he wrote: ${MARKUP}`;
    const participants = ['Jonas Berg', `<b>Aisha</b> ${MARKUP}`];
    const recorded = await call('POST', `/api/changes/${changeId}/consultation`, {
      token: await api.token('partner-manager', 'aisha'),
      json: { heldOn: isoDateAfter(await api.now(), 0), participants, summary },
    });
    expect(recorded.status, recorded.text).toBe(200);
    const entry = (await auditOf(changeId)).find((candidate) => candidate.type === 'consultation-recorded');
    expect(entry?.details).toMatchObject({ summary, participants });
    await api.settle();
    for (const message of await api.messagesOf(changeId)) {
      expect(message.html, `${message.kind}: a raw tag`).not.toMatch(/<script|<img|<b>/i);
      if (message.text.includes(summary)) expectShownEscaped(message.html, summary, message.kind);
    }
  });

  it('no email in the whole outbox carries a live tag from data, and the local outbox page shows them escaped', async () => {
    await api.settle();
    const messages = await api.outbox();
    expect(messages.length).toBeGreaterThan(10);
    for (const message of messages) {
      expect(message.html, `${message.kind} ${message.messageId}`).not.toMatch(
        /<script|<img|<i>eve|<b>Aisha/i,
      );
      if (message.text.includes(MARKUP)) expect(message.html).toContain(escapedMarkup);
    }
    const outboxPage = await call('GET', '/dev/outbox', { headers: { accept: 'text/html' } });
    expect(outboxPage.text).not.toMatch(/<script|<img/i);
    expect(visibleText(outboxPage.text)).toContain(MARKUP);
  });
});

describe('(h) the acknowledgement form against cross-site requests', () => {
  it('works only with the token in the form body; no token (whatever else is sent) is refused and records nothing', async () => {
    const [link] = await delivered(partners.northwind, 'csrf');
    const page = await call('GET', `${link!.path}?token=${encodeURIComponent(link!.token)}`);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.text).toContain(
      `<form class="acknowledge" method="post" action="/notices/${encodeURIComponent(link!.noticeId)}/acknowledgement">`,
    );
    const ackPath = `${link!.path}/acknowledgement`;
    const evil = { origin: 'https://evil.example', referer: 'https://evil.example/page' };
    await expectNothingWritten(async () => {
      const attempts = [
        await call('POST', ackPath, { form: {} }),
        await call('POST', ackPath, { form: {}, headers: evil }),
        await call('POST', ackPath, {
          headers: { ...evil, 'content-type': 'application/x-www-form-urlencoded' },
        }),
        await call('POST', `${ackPath}?token=${encodeURIComponent(link!.token)}`, {
          form: {},
          headers: evil,
        }),
        await call('POST', ackPath, {
          form: { comment: 'no token' },
          headers: { cookie: `token=${link!.token}` },
        }),
        await call('POST', ackPath, {
          form: {},
          headers: { authorization: `Bearer ${link!.token}`, ...evil },
        }),
        await call('POST', ackPath, { form: { token: '' }, headers: evil }),
        // Opening the page (as a mail scanner does) never acknowledges either.
        await call('GET', `${link!.path}?token=${encodeURIComponent(link!.token)}`),
        await call('HEAD', `${link!.path}?token=${encodeURIComponent(link!.token)}`),
      ];
      for (const attempt of attempts.slice(0, 7)) {
        expect(attempt.status).toBe(403);
        expect(pageTitle(attempt)).toBe(partnerPageTitles.incomplete);
      }
      expect(attempts.slice(7).map((attempt) => attempt.status)).toEqual([200, 200]);
    });
    const acknowledged = await acknowledge(link!, link!.token);
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.text).toContain('Thank you: your acknowledgement is recorded');
    for (const response of [page, acknowledged]) expect(response.headers.get('set-cookie')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Last: the clock moves (months), which every change above lives through.

describe('(b, g) once the clock has moved', () => {
  it('an escalation’s withdrawal note is shown escaped; an expired link is refused (410) with its reason', async () => {
    const [escalated] = await delivered(partners.adventure, 'markup-escalation');
    const [expiring] = await delivered(partners.northwind, 'expiry');
    await api.advance(11);
    expect((await view(escalated!.changeId)).status).toBe('escalated');
    const note = `Withdrawn after the call: ${MARKUP}`;
    const resolved = await call('POST', `/api/changes/${escalated!.changeId}/escalation-resolution`, {
      token: tokens['partner-manager'],
      json: { outcome: 'withdraw', note },
    });
    expect(resolved.status, resolved.text).toBe(200);
    const told = await api.messagesOf(escalated!.changeId, ['withdrawal']);
    expect(told.length).toBeGreaterThan(0);
    for (const message of told) expectShownEscaped(message.html, note, 'escalation withdrawal email');

    // Past the apply date and the link's validity after it.
    const applyAt = Date.parse((await view(expiring!.changeId)).applyAt!);
    const days = Math.ceil((applyAt - (await api.now()).getTime()) / 86_400_000) + 61;
    await api.advance(days);
    await expectNothingWritten(async () => {
      const page = await call('GET', `${expiring!.path}?token=${encodeURIComponent(expiring!.token)}`);
      const ack = await acknowledge(expiring!, expiring!.token);
      const concern = await call('POST', `${expiring!.path}/concern`, {
        form: { token: expiring!.token, comment: 'A concern sent long after the link expired.' },
      });
      for (const response of [page, ack, concern]) {
        expect(response.status).toBe(410);
        expect(pageTitle(response)).toBe(partnerPageTitles.expired);
      }
    });
    expect(await auditTypes(expiring!.changeId)).not.toContain('acknowledgement-recorded');
  }, 120_000);
});

describe('(h) cookies', () => {
  it('no answer of this whole file set a cookie', () => {
    expect(answers.length).toBeGreaterThan(200);
    expect(answers.filter((answer) => answer.setCookie !== null)).toEqual([]);
  });
});
