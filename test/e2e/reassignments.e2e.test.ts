import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { type CliResult, runPcn } from '../support/cli.ts';
import { snapshotSettledTables } from '../support/table-snapshot.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * An alliance-manager reassignment over real HTTP on the real local engines, submitted with `pcn reassign`:
 * approved, noticed, acknowledged, applied by the workflow on the virtual clock; each manager records the
 * handover through the route (`pcn handover`), a third manager is refused.
 */
let system: LocalSystem;
let api: ApiClient;

beforeAll(async () => {
  ({ system, api } = await startTestSystem());
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

function pcn(...args: string[]): Promise<CliResult> {
  return runPcn(system.baseUrl, ...args);
}

const rationale =
  'Dana moves to lead our new distributor programme in March, so Rita, who already runs the three resellers ' +
  'next to you in the region, takes over your account because she knows your market and your products well.';

type Handover = { side: string; note?: string; userId: string };

describe('pcn reassign and the handover route', () => {
  it('reassigns Northwind from Dana to Rita on the handover date, after approval and acknowledgement; each manager records the handover once', {
    timeout: 90_000,
  }, async () => {
    const unknown = await pcn(
      'reassign',
      'northwind-resellers',
      '--to',
      'nobody',
      '--on',
      '+35',
      '--rationale',
      rationale,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^422 policy-violation/);
    expect(unknown.stderr).toContain('incomingManager');

    const submitted = await pcn(
      'reassign',
      'northwind-resellers',
      '--to',
      'rita',
      '--on',
      '+35',
      '--rationale',
      rationale,
      '--json',
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const { changeId, status } = JSON.parse(submitted.stdout) as { changeId: string; status: string };
    expect(status).toBe('awaiting-approval');

    const finance = await api.token('finance', 'fiona');
    const luis = await api.token('partner-manager', 'luis');
    const rita = await api.token('partner-manager', 'rita');
    await api.approve(changeId);
    await api.settle();
    const sent = await api.view(changeId, finance);
    expect(sent).toMatchObject({
      kind: 'alliance-manager-reassignment',
      status: 'notice-sent',
      summary: expect.stringContaining('Dana Whitfield → Rita Okafor'),
      openTasks: expect.arrayContaining([
        expect.objectContaining({ task: 'record-handover', who: 'dana' }),
        expect.objectContaining({ task: 'record-handover', who: 'rita' }),
      ]),
    });
    const notice = (await api.messagesOf(changeId, ['notice'])).at(-1)!;
    expect(notice.text).toContain('Your new alliance manager: Rita Okafor (rita.okafor@vendor.example)');

    // A manager who is neither side: 403 with the reason, nothing written.
    await api.settle();
    const before = await snapshotSettledTables(system);
    const foreign = await api.request<{ error: string; message: string }>(
      'POST',
      `/api/changes/${changeId}/handover`,
      {
        token: luis,
        json: { note: 'I know them as well.' },
      },
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ error: 'not-a-handover-manager' });
    expect(await snapshotSettledTables(system)).toEqual(before);
    const empty = await api.request('POST', `/api/changes/${changeId}/handover`, {
      token: rita,
      json: { note: ' ' },
    });
    expect(empty.status).toBe(400);

    const outgoing = await pcn(
      'handover',
      changeId,
      '--note',
      'Introduced Rita to Priya on the quarterly call.',
    );
    expect(outgoing.code, outgoing.stderr).toBe(0);
    expect(outgoing.stdout).toContain('outgoing manager');
    const again = await pcn(
      'handover',
      changeId,
      '--note',
      'Introduced Rita to Priya on the quarterly call.',
    );
    expect(again.stdout).toMatch(/^Already recorded/);
    const other = await pcn('handover', changeId, '--note', 'Another text.');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^409 already-recorded/);
    const incoming = await api.request('POST', `/api/changes/${changeId}/handover`, {
      token: rita,
      json: { note: 'Met Priya; took over the rebate question.' },
    });
    expect(incoming.status, incoming.text).toBe(201);

    const link = new URL(notice.links[0]!);
    const acknowledged = await api.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: link.searchParams.get('token')! },
    });
    expect(acknowledged.status, acknowledged.text).toBe(200);
    await api.advance(36);
    await api.settle();
    const applied = await api.view(changeId, finance);
    expect(applied.status).toBe('applied');
    expect((applied as unknown as { handover: Record<string, Handover> }).handover).toMatchObject({
      outgoing: { userId: 'dana', note: 'Introduced Rita to Priya on the quarterly call.' },
      incoming: { userId: 'rita', note: 'Met Priya; took over the rebate question.' },
    });
    const partner = await api.request<{ allianceManager: { userId: string }; version: number }>(
      'GET',
      '/api/partners/northwind-resellers',
      { token: finance },
    );
    expect(partner.body.allianceManager.userId).toBe('rita');
  });
});
