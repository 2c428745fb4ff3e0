import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { isoDateAfter } from '../support/api-client.ts';
import { policyRequest } from '../support/policy.ts';
import { startTestSystem, TEST_SYSTEM_START } from '../support/test-system.ts';

/**
 * The partner's side of a policy notice over real HTTP on the local system: the link from the outbox, the
 * page, the acknowledgement and the concern, each recorded once with its counters.
 */
let system: LocalSystem;
let api: ApiClient;
let policyChangeId: string;
const links = new Map<string, URL>();

beforeAll(async () => {
  ({ system, api } = await startTestSystem());
  const manager = await api.token('partner-manager', 'dana');
  const submitted = await api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
    token: manager,
    json: policyRequest('EMEA', isoDateAfter(TEST_SYSTEM_START, 10)),
  });
  expect(submitted.status, submitted.text).toBe(201);
  policyChangeId = submitted.body.policyChangeId;
  await system.settle();
  for (const message of await system.outbox.list()) {
    if (message.changeId !== policyChangeId || message.kind !== 'notice') continue;
    const link = new URL(message.links[0]!);
    links.set(link.pathname.split('/').at(-1)!, link);
  }
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const coverage = () => system.deps.policyRecipients.coverage(policyChangeId, 1);
const tokenOf = (partnerId: string) => links.get(partnerId)!.searchParams.get('token')!;
const path = (partnerId: string) => links.get(partnerId)!.pathname;

describe('the partner’s policy notice page', () => {
  it('shows the notice from the link and records the first open once, not as an acknowledgement', async () => {
    expect([...links.keys()].sort()).toEqual(['fabrikam-solutions', 'northwind-resellers']);
    const first = await api.request(
      'GET',
      `${path('northwind-resellers')}?token=${encodeURIComponent(tokenOf('northwind-resellers'))}`,
    );
    expect(first.status, first.text).toBe(200);
    expect(first.text).toContain('Deal registration in EMEA');
    expect(first.text).toContain('Acknowledge this policy change');
    await api.request(
      'GET',
      `${path('northwind-resellers')}?token=${encodeURIComponent(tokenOf('northwind-resellers'))}`,
    );
    expect(await coverage()).toMatchObject({ delivered: 1, opened: 1, acknowledged: 0 });
    expect((await system.deps.policyRecipients.get(policyChangeId, 'northwind-resellers'))?.state).toBe(
      'opened',
    );
  });

  it('refuses a tampered link and another partner’s link with 403, writing nothing', async () => {
    const token = tokenOf('fabrikam-solutions');
    const tampered = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`;
    const before = await coverage();
    const bad = await api.request(
      'GET',
      `${path('fabrikam-solutions')}?token=${encodeURIComponent(tampered)}`,
    );
    expect(bad.status).toBe(403);
    const foreign = await api.request('POST', `${path('northwind-resellers')}/acknowledgement`, {
      form: { token },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toContain('another notice');
    // An address whose ids the router refuses (too long to be ours) is an invalid link, not a bad form.
    const mangled = await api.request(
      'GET',
      `/policy-notices/${policyChangeId}/${'x'.repeat(600)}?token=${encodeURIComponent(token)}`,
    );
    expect(mangled.status).toBe(403);
    expect(mangled.text).toContain('This link is not valid');
    expect(await coverage()).toEqual(before);
  });

  it('records a person’s acknowledgement once, with its evidence; 40 clicks at once are one acknowledgement', async () => {
    const clicks = await Promise.all(
      Array.from({ length: 40 }, () =>
        api.request('POST', `${path('northwind-resellers')}/acknowledgement`, {
          form: { token: tokenOf('northwind-resellers') },
        }),
      ),
    );
    expect(clicks.every((click) => click.status === 200)).toBe(true);
    expect(clicks.filter((click) => click.text.includes('your acknowledgement is recorded'))).toHaveLength(1);
    const recipient = await system.deps.policyRecipients.get(policyChangeId, 'northwind-resellers');
    expect(recipient?.state).toBe('acknowledged');
    expect(recipient?.acknowledgement).toMatchObject({ contactId: 'nw-ops', version: 1 });
    expect(recipient?.acknowledgement?.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await coverage()).toMatchObject({ delivered: 1, opened: 0, acknowledged: 1 });
  });

  it('takes a concern once, tells the alliance manager, and refuses a comment too short with 400', async () => {
    const short = await api.request('POST', `${path('fabrikam-solutions')}/concern`, {
      form: { token: tokenOf('fabrikam-solutions'), comment: 'no' },
    });
    expect(short.status).toBe(400);
    const text = 'Fourteen days is too short for our public-sector deals, which take a month to qualify.';
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const raised = await api.request('POST', `${path('fabrikam-solutions')}/concern`, {
        form: { token: tokenOf('fabrikam-solutions'), comment: text },
      });
      expect(raised.status, raised.text).toBe(200);
    }
    const recipient = await system.deps.policyRecipients.get(policyChangeId, 'fabrikam-solutions');
    expect(recipient).toMatchObject({ state: 'concern-raised', concern: { text } });
    const told = (await system.outbox.list()).filter(
      (message) => message.changeId === policyChangeId && message.kind === 'dispute-raised',
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.to[0]!.email).toBe(recipient?.allianceManager?.email);
    expect(told[0]!.text).toContain(text);
    expect(await coverage()).toMatchObject({ delivered: 0, 'concern-raised': 1, acknowledged: 1 });
  });

  it('lets the partner manager answer the concern once: the partner is emailed, a second answer is 409', async () => {
    const manager = await api.token('partner-manager', 'dana');
    const finance = await api.token('finance', 'fiona');
    const url = (partnerId: string) =>
      `/api/policy-changes/${policyChangeId}/recipients/${partnerId}/concern-answer`;
    const answer =
      'Public-sector deals get 30 days: register them with the tag public-sector and we will hold them.';
    expect(
      (await api.request('POST', url('fabrikam-solutions'), { token: finance, json: { answer } })).status,
    ).toBe(403);
    expect(
      (await api.request('POST', url('northwind-resellers'), { token: manager, json: { answer } })).status,
    ).toBe(409);
    expect(
      (await api.request('POST', url('no-such-partner'), { token: manager, json: { answer } })).status,
    ).toBe(404);
    const short = await api.request<{ fields: { field: string }[] }>('POST', url('fabrikam-solutions'), {
      token: manager,
      json: { answer: 'ok' },
    });
    expect(short.status).toBe(400);
    expect(short.body.fields.map((field) => field.field)).toContain('answer');
    const answered = await api.request<{ concern: { answer: { by: string; text: string } } }>(
      'POST',
      url('fabrikam-solutions'),
      { token: manager, json: { answer } },
    );
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body.concern.answer).toMatchObject({ by: 'dana', text: answer });
    const again = await api.request<{ error: string }>('POST', url('fabrikam-solutions'), {
      token: manager,
      json: { answer },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already-answered');
    const emails = (await system.outbox.list()).filter(
      (message) => message.changeId === policyChangeId && message.kind === 'dispute-answer',
    );
    expect(emails.map((message) => message.to[0]!.email)).toEqual(['jonas.berg@fabrikam.example']);
    expect(emails[0]!.text).toContain(answer);
    // The page shows the answer beside the concern.
    const page = await api.request(
      'GET',
      `${path('fabrikam-solutions')}?token=${encodeURIComponent(tokenOf('fabrikam-solutions'))}`,
    );
    expect(page.text).toContain('Answer: Public-sector deals get 30 days');
  });
});
