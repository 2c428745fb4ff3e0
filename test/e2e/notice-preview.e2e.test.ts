import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles } from '../../functions/config/roles.ts';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * GET /api/changes/{changeId}/notice: staff see the partner's page for the latest notice exactly as the
 * partner does (the console shows it in a sandboxed frame), with no link token in its forms — staff must not
 * hold a capability to act as the partner.
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

/** A cut 46 days ahead: enough notice for any stage without consultation (transactional 30, enhanced 45). */
async function submitCut(partnerId: string, currentRatePct: number, newRatePct: number): Promise<string> {
  const response = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
    token: finance,
    json: {
      partnerId,
      currentRatePct,
      newRatePct,
      effectiveDate: isoDateAfter(await api.now(), 46),
      rationale: realRationale,
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.changeId;
}

/** The partner's page with the link's token taken out of its forms: what staff must be shown. */
function withoutToken(partnerPage: string, token: string): string {
  return partnerPage.replaceAll(`<input type="hidden" name="token" value="${token}">`, '');
}

describe('the partner’s notice page, as staff see it', () => {
  it('is the partner’s page for the latest version, without the link’s token, for every staff role', async () => {
    const changeId = await submitCut('northwind-resellers', 12, 11);
    await api.approve(changeId);
    const link = new URL((await api.messagesOf(changeId, ['notice']))[0]!.links[0]!);
    const token = link.searchParams.get('token')!;
    const partner = await api.request('GET', `${link.pathname}${link.search}`);
    expect(partner.status).toBe(200);
    expect(partner.text).toContain(`value="${token}"`);

    for (const role of roles) {
      const preview = await api.request('GET', `/api/changes/${changeId}/notice`, {
        token: await api.token(role),
      });
      expect(preview.status, role).toBe(200);
      expect(preview.headers.get('content-type')).toContain('text/html');
      expect(preview.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(preview.text, role).toBe(withoutToken(partner.text, token));
      expect(preview.text).not.toContain(token);
      expect(preview.text).not.toContain('name="token"');
      expect(preview.text).toContain('Acknowledge this notice');
    }
  });

  it('follows the change: the partner’s acknowledgement, then a revised notice after a concern', async () => {
    const changeId = await submitCut('adventure-works', 10, 9);
    await api.approve(changeId);
    const link = new URL((await api.messagesOf(changeId, ['notice']))[0]!.links[0]!);
    const token = link.searchParams.get('token')!;
    const compliance = await api.token('compliance');
    const preview = async () =>
      (await api.request('GET', `/api/changes/${changeId}/notice`, { token: compliance })).text;

    const raised = await api.request('POST', `${link.pathname}/concern`, {
      form: { token, comment: 'Two deals close next month at the current rate; please keep 10% for them.' },
    });
    expect(raised.status).toBe(200);
    expect(await preview()).toContain('Your concern is being handled');
    const acknowledged = await api.request('POST', `${link.pathname}/acknowledgement`, { form: { token } });
    expect(acknowledged.status).toBe(200);
    expect(await preview()).toContain('This notice has already been acknowledged');

    const revised = await api.request('POST', `/api/changes/${changeId}/dispute-resolution`, {
      token: await api.token('partner-manager', 'dana'),
      json: {
        outcome: 'revised',
        answer: 'Deals in closing keep 10%: we narrowed the cut and kept the date you were given.',
        revision: { newRatePct: 9.5 },
        rationale: realRationale,
      },
    });
    expect(revised.status, revised.text).toBe(200);
    await api.settle();
    const latest = await preview();
    expect(latest).toContain('<h1 id="notice-title">Revised notice of commission reduction: 10% → 9.5%');
    expect(latest).toContain('Notice version 2');
    expect(latest).not.toContain('This notice has been replaced');
  });

  it('answers 404 with a reason while the change has no notice, or for an unknown change', async () => {
    const changeId = await submitCut('contoso-value-partners', 15, 14);
    const awaiting = await api.request<{ error: string; message: string }>(
      'GET',
      `/api/changes/${changeId}/notice`,
      { token: finance },
    );
    expect(awaiting.status).toBe(404);
    expect(awaiting.body).toEqual({ error: 'no-notice', message: `Change ${changeId} has no notice yet.` });
    const unknown = await api.request<{ error: string }>('GET', '/api/changes/chg_nope/notice', {
      token: finance,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not-found');
  });

  it('is for staff only: no token is 401', async () => {
    expect((await api.request('GET', '/api/changes/chg_nope/notice')).status).toBe(401);
  });
});
