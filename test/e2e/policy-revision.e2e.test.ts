import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, realRationale } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * A policy change revised or withdrawn after its notice went out, on the real local engines: the EMEA seed
 * partners northwind-resellers and fabrikam-solutions are told each version, and a withdrawal.
 */
let system: LocalSystem;
let api: ApiClient;
let dana: string;
let amara: string;

type View = {
  policyChangeId: string;
  status: string;
  takesEffectAt?: string;
  noticeVersion?: number;
  error?: string;
  fields?: { field: string; reason: string }[];
};
const EMEA = ['fabrikam-solutions', 'northwind-resellers'];

beforeAll(async () => {
  ({ system, api } = await startTestSystem());
  dana = await api.token('partner-manager', 'dana');
  amara = await api.token('approver', 'amara');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

async function earliest(): Promise<string> {
  const preview = await api.request<{ earliestEffectiveDate: string }>(
    'POST',
    '/api/policy-changes/preview',
    {
      token: dana,
      json: { segment: { by: 'region', regions: ['EMEA'] }, adverse: true },
    },
  );
  return preview.body.earliestEffectiveDate;
}

const content = (effectiveDate: string, overrides: Record<string, unknown> = {}) => ({
  title: 'Deal registration window',
  summary: 'Deals must now be registered within 14 days of first customer contact to be protected.',
  policyText: 'Section 1. A deal is protected only when registered within 14 days of first customer contact.',
  rationale: realRationale,
  adverse: true,
  effectiveDate,
  ...overrides,
});

async function notifiedChange(): Promise<string> {
  const submitted = await api.request<View>('POST', '/api/policy-changes', {
    token: dana,
    json: { ...content(await earliest()), segment: { by: 'region', regions: ['EMEA'] } },
  });
  expect(submitted.status, submitted.text).toBe(201);
  const id = submitted.body.policyChangeId;
  const approved = await api.request('POST', `/api/policy-changes/${id}/approve`, {
    token: amara,
    json: { comment: 'Checked the notice period.' },
  });
  expect(approved.status, approved.text).toBe(200);
  await system.settle();
  expect((await get(id)).status).toBe('notified');
  return id;
}

async function get(id: string): Promise<View> {
  return (await api.request<View>('GET', `/api/policy-changes/${id}`, { token: dana })).body;
}

async function mailsOf(id: string) {
  return (await system.outbox.list()).filter((message) => message.changeId === id);
}

function revise(id: string, body: unknown, token = dana) {
  return api.request<View>('POST', `/api/policy-changes/${id}/revision`, { token, json: body });
}

function withdraw(id: string, token = dana) {
  return api.request<View>('POST', `/api/policy-changes/${id}/withdrawal`, {
    token,
    json: { reason: 'The programme board stopped it.' },
  });
}

describe('revising a notified policy change', () => {
  it('sends a worse revision as a new notice version to every partner and restarts the notice period', async () => {
    const id = await notifiedChange();
    const before = await get(id);
    expect((await mailsOf(id)).filter((mail) => mail.kind === 'notice').length).toBe(EMEA.length);
    await system.advanceAndSettle(3 * 86_400_000);
    const later = new Date(new Date(`${await earliest()}T00:00:00Z`).getTime() + 7 * 86_400_000);
    const revised = await revise(id, {
      reason: 'Shorter window after review.',
      content: content(later.toISOString().slice(0, 10), {
        summary: 'Deals must now be registered within 7 days of first customer contact.',
      }),
    });
    expect(revised.status, revised.text).toBe(200);
    await system.settle();
    const after = await get(id);
    expect(after.status).toBe('notified');
    expect(after.noticeVersion).toBe(2);
    expect(after.takesEffectAt! > before.takesEffectAt!).toBe(true);
    const v2 = (await mailsOf(id)).filter(
      (mail) => mail.kind === 'notice' && mail.subject.startsWith('Revised notice'),
    );
    expect([...new Set(v2.map((mail) => partnerOf(mail.messageId)))].sort()).toEqual(EMEA);
    const coverage = await system.deps.policyRecipients.coverage(id, 2);
    expect(coverage.targeted).toBe(EMEA.length);
  }, 120_000);

  it('keeps the date partners were told when a revision is better for them', async () => {
    const id = await notifiedChange();
    const before = await get(id);
    const revised = await revise(id, {
      reason: 'A longer window after feedback.',
      content: content(before.takesEffectAt!.slice(0, 10), { adverse: false }),
    });
    expect(revised.status, revised.text).toBe(200);
    await system.settle();
    expect((await get(id)).takesEffectAt).toBe(before.takesEffectAt);
  }, 120_000);

  it('refuses an invalid body naming the field, and any role but partner-manager', async () => {
    const id = await notifiedChange();
    const invalid = await revise(id, { reason: 'x', content: content('not-a-date') });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toContain('effectiveDate');
    // Only the partner-manager role revises or withdraws (as it submits): any other role is refused.
    const finance = await api.token('finance', 'fiona');
    const refused = await revise(id, { reason: 'Because.', content: content('2027-06-01') }, finance);
    expect(refused.status).toBe(403);
    expect((await withdraw(id, finance)).status).toBe(403);
    expect((await get(id)).status).toBe('notified');
  }, 120_000);
});

describe('withdrawing a policy change', () => {
  it('tells everyone notified, ends withdrawn, sends nothing after and refuses a second withdrawal', async () => {
    const id = await notifiedChange();
    const first = await withdraw(id);
    expect(first.status, first.text).toBe(200);
    expect((await withdraw(id)).status).toBe(409);
    await system.settle();
    expect((await get(id)).status).toBe('withdrawn');
    const withdrawals = (await mailsOf(id)).filter((mail) => mail.kind === 'withdrawal');
    expect([...new Set(withdrawals.map((mail) => partnerOf(mail.messageId)))].sort()).toEqual(EMEA);
    const sent = (await mailsOf(id)).length;
    await system.advanceAndSettle(20 * 86_400_000);
    expect((await mailsOf(id)).length).toBe(sent);
    expect((await withdraw(id)).status).toBe(409);
    expect((await revise(id, { reason: 'Too late now.', content: content('2027-06-01') })).status).toBe(409);
  }, 120_000);
});

/** The partner a policy email went to, from its deterministic id (functions/policy-changes/emails.ts). */
function partnerOf(messageId: string): string | undefined {
  return messageId.split('/')[2];
}
