import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { type RunningLocalProcess, startLocalProcess } from '../support/local-process.ts';

/**
 * Durability: `npm start` is stopped and started again around each step of a change. Nothing in flight is
 * lost, and nothing is sent, recorded or applied twice.
 */
let dataDir: string;
let running: RunningLocalProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pcn-restart-'));
});

afterAll(async () => {
  // SIGTERM: a clean stop; the kill tests in test/reliability/ use SIGKILL.
  await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function restart(): Promise<ApiClient> {
  const code = await running?.stop();
  if (running) expect(code, running.output()).toBe(0);
  running = await startLocalProcess(dataDir);
  return new ApiClient(running.baseUrl);
}

describe('stopping and starting the local system', () => {
  it('loses no in-flight change and repeats nothing', { timeout: 180_000 }, async () => {
    let api = await restart();
    const finance = await api.token('finance', 'fiona');
    const start = await api.now();
    const effectiveDate = isoDateAfter(start, 46);
    const submitted = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token: finance,
      json: {
        partnerId: 'contoso-value-partners',
        currentRatePct: 15,
        newRatePct: 14,
        effectiveDate,
        rationale: realRationale,
      },
    });
    expect(submitted.status).toBe(201);
    const { changeId } = submitted.body;

    // Restart while the workflow waits for the approval.
    api = await restart();
    expect(running!.output()).toMatch(/Resumed\s+1 in-flight/);
    await api.approve(changeId);
    const notices = await api.messagesOf(changeId, ['notice']);
    expect(notices).toHaveLength(2);

    // Restart while the workflow waits for the acknowledgement; the old link still works afterwards.
    api = await restart();
    expect(running!.output()).toMatch(/Resumed\s+1 in-flight/);
    const clockAfterRestart = await api.now();
    expect(clockAfterRestart.getTime()).toBeGreaterThanOrEqual(start.getTime());
    const link = new URL(notices[0]!.links[0]!.replace(/^http:\/\/127\.0\.0\.1:\d+/, api.baseUrl));
    const acknowledged = await api.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: link.searchParams.get('token')! },
    });
    expect(acknowledged.status, acknowledged.text).toBe(200);
    await api.settle();
    const token = await api.token('finance', 'fiona');
    const view = async () =>
      (
        await api.request<{ status: string; timeline: { type: string }[] }>(
          'GET',
          `/api/commission-changes/${changeId}`,
          { token },
        )
      ).body;
    expect((await view()).status).toBe('scheduled');

    // Restart while it waits for the effective date: the virtual clock kept its place.
    await api.advance(20);
    const before = await api.now();
    api = await restart();
    expect((await api.now()).getTime()).toBeGreaterThanOrEqual(before.getTime());
    await api.advance(27);
    const tokenAfter = await api.token('finance', 'fiona');
    const applied = (
      await api.request<{ status: string; timeline: { type: string }[] }>(
        'GET',
        `/api/commission-changes/${changeId}`,
        { token: tokenAfter },
      )
    ).body;
    expect(applied.status).toBe('applied');
    expect(applied.timeline.map((item) => item.type)).toEqual([
      'change-submitted',
      'approval-recorded',
      'notice-sent',
      'notice-delivered',
      'acknowledgement-recorded',
      'change-applied',
    ]);
    // One more restart after completion re-drives nothing and sends nothing new.
    api = await restart();
    expect(running!.output()).toMatch(/Resumed\s+0 in-flight/);
    await api.settle();
    // Two approval requests, the approval decision to the submitter, two notices: once each.
    expect((await api.messagesOf(changeId)).map((message) => message.kind).sort()).toEqual([
      'approval-decision',
      'approval-request',
      'approval-request',
      'notice',
      'notice',
    ]);
    const partner = await api.request<{ rateSchedule: { ratePct: number }[] }>(
      'GET',
      '/api/partners/contoso-value-partners',
      {
        token: await api.token('finance', 'fiona'),
      },
    );
    expect(partner.body.rateSchedule.map((entry) => entry.ratePct)).toEqual([15, 14]);
  });
});
