/**
 * The product's counts (functions/domain/product-metrics.ts) on the real local system: DynamoDB Local, the ASL
 * workflows on the local runtime, the virtual clock. Counted from committed steps, so a duplicate acknowledgement
 * click counts nothing; an email the provider refuses counts as an EmailFailure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoticeMailer } from '../../functions/adapters/email/notice-mailer.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { ApiClient } from '../support/api-client.ts';
import { TEST_SYSTEM_START } from '../support/test-system.ts';

let system: LocalSystem;
let api: ApiClient;
let finance: string;
/** While set, the provider refuses every email (the outbox stands in for SES). */
let providerDown = false;

function refusingWhileDown(mailer: NoticeMailer): NoticeMailer {
  return {
    send: async (email) => {
      if (providerDown) throw Object.assign(new Error('provider down'), { name: 'ServiceUnavailable' });
      return mailer.send(email);
    },
  };
}

beforeAll(async () => {
  system = await startLocalSystem({ frozenAt: TEST_SYSTEM_START, faults: { mailer: refusingWhileDown } });
  api = new ApiClient(system.baseUrl);
  finance = await api.token('finance', 'fiona');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

describe('product metrics', () => {
  it('counts one notice sent and one acknowledged for a happy path, and nothing for a duplicate click', async () => {
    expect(system.metrics.total('NoticesSent')).toBe(0);
    const { link } = await api.approvedCut(finance, 'northwind-resellers', 12, 31);
    await api.settle();
    expect(system.metrics.total('NoticesSent')).toBe(1);
    expect(system.metrics.total('NoticesAcknowledged')).toBe(0);

    expect((await api.acknowledgeLink(link)).status).toBe(200);
    const repeat = await api.acknowledgeLink(link);
    expect(repeat.text).toContain('Already recorded');
    await api.settle();
    expect(system.metrics.total('NoticesAcknowledged')).toBe(1);
    expect(system.metrics.total('NoticesSent')).toBe(1);
    expect(system.metrics.total('EmailFailures')).toBe(0);
  });

  it('counts an email the provider refused as an EmailFailure', async () => {
    const before = system.metrics.total('EmailFailures');
    providerDown = true;
    try {
      // The submission's approval request is committed, its email refused and left queued for the sweep.
      const submitted = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
        token: finance,
        json: {
          partnerId: 'contoso-value-partners',
          currentRatePct: 15,
          newRatePct: 14,
          effectiveDate: '2027-01-31',
          rationale: 'Our hardware supplier raised list prices by 9%, so the margin we share has to shrink.',
        },
      });
      expect(submitted.status, submitted.text).toBe(201);
    } finally {
      providerDown = false;
    }
    expect(system.metrics.total('EmailFailures')).toBeGreaterThan(before);
  });
});
