import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, type ApiResponse, isoDateAfter, realRationale } from '../support/api-client.ts';
import {
  countBy,
  createPartners,
  inParallel,
  type LatencySummary,
  latencySummary,
  latencyTable,
  ledgerByChange,
  settled,
  timed,
  verifiedAuditEntries,
} from '../support/reliability.ts';
import { sized } from '../support/reliability-size.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * Load on the partner's Acknowledge button, over real HTTP on the real local engines (DynamoDB Local, the ASL
 * on the local Step Functions runtime, the virtual clock): a burst of clicks on one link, and many partners
 * acknowledging at once. What is asserted is correctness under load — exactly one acknowledgement per notice,
 * none lost, no 5xx; the latencies are measured and printed, never asserted (timing targets are the bench's).
 */
const SAME_LINK_CLICKS = 200;
const PARTNERS = sized({ ci: 100, full: 1000 });
/** Clients preparing the load (submissions, approvals): the acknowledgements themselves all go at once. */
const SETUP_CONCURRENCY = 16;
/** The many-partners test prepares PARTNERS changes first: minutes at full size. */
const MANY_PARTNERS_TIMEOUT_MS = sized({ ci: 120_000, full: 1_200_000 });

const RECORDED = 'Thank you: your acknowledgement is recorded';
const ALREADY_RECORDED = 'Already recorded: your acknowledgement was received earlier';

let system: LocalSystem;
let api: ApiClient;
let finance: string;
let approver: string;
const latencies: Record<string, LatencySummary & { seconds: number }> = {};

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  approver = await api.token('approver', 'amara');
}, 90_000);

afterAll(async () => {
  if (Object.keys(latencies).length > 0) {
    console.log(
      latencyTable('Acknowledgement endpoint (POST /notices/{noticeId}/acknowledgement):', latencies),
    );
  }
  await system?.stop();
});

/** Submits a 1-point cut for the partner (effective in 31 days) and has a second person approve it. */
async function approvedCut(partnerId: string, currentRatePct: number): Promise<string> {
  const submitted = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
    token: finance,
    json: {
      partnerId,
      currentRatePct,
      newRatePct: currentRatePct - 1,
      effectiveDate: isoDateAfter(await api.now(), 31),
      rationale: realRationale,
    },
  });
  if (submitted.status !== 201) throw new Error(`submit ${partnerId}: ${submitted.status} ${submitted.text}`);
  const { changeId } = submitted.body;
  const approved = await api.request('POST', `/api/changes/${changeId}/approval`, {
    token: approver,
    json: { decision: 'approve', comment: 'Checked the numbers and the rationale.' },
  });
  if (approved.status !== 200) throw new Error(`approve ${changeId}: ${approved.status} ${approved.text}`);
  return changeId;
}

/** The link in each change's notice email (one primary contact each), by change id. */
async function noticeLinks(): Promise<Map<string, URL>> {
  const links = new Map<string, URL>();
  for (const message of await system.outbox.list()) {
    if (message.kind !== 'notice') continue;
    if (links.has(message.changeId)) throw new Error(`two notice emails for ${message.changeId}`);
    links.set(message.changeId, new URL(message.links[0]!));
  }
  return links;
}

/** The partner's browser posting the notice page's Acknowledge form. */
function acknowledge(link: URL): Promise<ApiResponse> {
  return api.request('POST', `${link.pathname}/acknowledgement`, {
    form: { token: link.searchParams.get('token')! },
    headers: { 'user-agent': 'Mozilla/5.0 (reliability suite)' },
  });
}

/** Fires every request at once and times each; the wall time is of the whole burst. */
async function burst(requests: (() => Promise<ApiResponse>)[]) {
  const began = performance.now();
  const results = await Promise.all(requests.map((request) => timed(request)));
  return { results, seconds: (performance.now() - began) / 1000 };
}

describe('acknowledgement under load', () => {
  it(`records one acknowledgement when ${SAME_LINK_CLICKS} POSTs of the same link arrive at once, and answers none with a 5xx`, async () => {
    const changeId = await approvedCut('northwind-resellers', 12);
    await settled(system, 'notice of the burst change');
    const link = (await noticeLinks()).get(changeId)!;
    expect(link, 'notice link').toBeDefined();

    const { results, seconds } = await burst(
      Array.from({ length: SAME_LINK_CLICKS }, () => () => acknowledge(link)),
    );
    latencies[`${SAME_LINK_CLICKS} clicks, one link`] = {
      ...latencySummary(results.map((r) => r.ms)),
      seconds,
    };
    const responses = results.map((r) => r.result);

    expect(responses.filter((response) => response.status >= 500).map((r) => r.status)).toEqual([]);
    // The first click records; every other one is told, plainly, that it was already recorded.
    expect(countBy(responses, (response) => String(response.status))).toEqual({ 200: SAME_LINK_CLICKS });
    expect(responses.filter((response) => response.text.includes(RECORDED))).toHaveLength(1);
    expect(responses.filter((response) => response.text.includes(ALREADY_RECORDED))).toHaveLength(
      SAME_LINK_CLICKS - 1,
    );

    await settled(system, 'the resumed workflow of the burst change');
    const view = await api.view(changeId, finance);
    expect(view.status).toBe('scheduled');
    expect(view.timeline.filter((entry) => entry.type === 'acknowledgement-recorded')).toHaveLength(1);
    const audit = await verifiedAuditEntries(system, changeId);
    expect(countBy(audit, (entry) => entry.type)).toEqual({
      'change-submitted': 1,
      'approval-recorded': 1,
      'notice-sent': 1,
      'notice-delivered': 1,
      'acknowledgement-recorded': 1,
    });
    const ledger = (await ledgerByChange(system)).get(changeId) ?? [];
    expect(ledger.map((event) => event.rule)).toEqual(['prompt-acknowledgement']);
    // One acknowledgement item for the notice, and the one the change and the receipt show.
    const stored = await system.deps.changes.get(changeId);
    expect(stored?.acknowledgement).toEqual(
      await system.deps.changes.acknowledgement(changeId, stored!.notice!.noticeId),
    );
  });

  it(
    `records every acknowledgement when ${PARTNERS} partners acknowledge at once, and loses none on the way to applied`,
    async () => {
      const partners = await createPartners(system, 'load', PARTNERS);
      const changeIds = await inParallel(partners.length, SETUP_CONCURRENCY, (index) =>
        approvedCut(partners[index]!.partnerId, partners[index]!.ratePct),
      );
      await settled(system, `notices of ${PARTNERS} changes`, 300);
      const links = await noticeLinks();
      const ours = changeIds.map((changeId) => {
        const link = links.get(changeId);
        if (!link) throw new Error(`no notice email for ${changeId}`);
        return link;
      });

      const { results, seconds } = await burst(ours.map((link) => () => acknowledge(link)));
      latencies[`${PARTNERS} partners, one click each`] = {
        ...latencySummary(results.map((r) => r.ms)),
        seconds,
      };
      const failed = results
        .map(({ result }, index) => ({
          changeId: changeIds[index],
          status: result.status,
          recorded: result.text.includes(RECORDED),
        }))
        .filter((outcome) => outcome.status !== 200 || !outcome.recorded);
      expect(failed).toEqual([]);
      const summary = latencySummary(results.map((r) => r.ms));
      expect(summary.count).toBe(PARTNERS);
      expect(Number.isFinite(summary.p99) && summary.p99 > 0).toBe(true);

      await settled(system, `${PARTNERS} resumed workflows`, 300);
      const stored = await inParallel(changeIds.length, SETUP_CONCURRENCY, (index) =>
        system.deps.changes.get(changeIds[index]!),
      );
      expect(countBy(stored, (change) => change?.status ?? 'missing')).toEqual({ scheduled: PARTNERS });
      expect(stored.filter((change) => !change?.acknowledgement).map((change) => change?.changeId)).toEqual(
        [],
      );
      const audits = await inParallel(changeIds.length, SETUP_CONCURRENCY, (index) =>
        verifiedAuditEntries(system, changeIds[index]!),
      );
      expect(
        audits
          .map((entries, index) => ({
            changeId: changeIds[index],
            acknowledgements: entries.filter((entry) => entry.type === 'acknowledgement-recorded').length,
          }))
          .filter((audit) => audit.acknowledgements !== 1),
      ).toEqual([]);
      const ledger = await ledgerByChange(system);
      expect(
        changeIds.filter(
          (changeId) =>
            (ledger.get(changeId) ?? []).filter((event) => event.rule === 'prompt-acknowledgement').length !==
            1,
        ),
      ).toEqual([]);

      // Through the notice period on the virtual clock: every one of them applies, once.
      await system.advanceAndSettle(32 * DAY_MS);
      const applied = await inParallel(changeIds.length, SETUP_CONCURRENCY, (index) =>
        system.deps.changes.get(changeIds[index]!),
      );
      expect(countBy(applied, (change) => change?.status ?? 'missing')).toEqual({ applied: PARTNERS });
      const afterApply = await inParallel(changeIds.length, SETUP_CONCURRENCY, (index) =>
        system.deps.changes.auditEntries(changeIds[index]!),
      );
      expect(
        afterApply.filter(
          (entries) => entries.filter((entry) => entry.type === 'change-applied').length !== 1,
        ),
      ).toEqual([]);
    },
    MANY_PARTNERS_TIMEOUT_MS,
  );
});
