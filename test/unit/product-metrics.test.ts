/** What each committed audit entry counts for (functions/domain/product-metrics.ts). */
import { describe, expect, it } from 'vitest';
import {
  countCommitted,
  productMetricsOf,
  RecordingMetrics,
} from '../../functions/domain/product-metrics.ts';

describe('product metrics of audit entries', () => {
  it('counts a change step once per entry', () => {
    expect(productMetricsOf({ type: 'notice-sent', details: {} })).toEqual([['NoticesSent', 1]]);
    expect(productMetricsOf({ type: 'acknowledgement-recorded', details: {} })).toEqual([
      ['NoticesAcknowledged', 1],
    ]);
    expect(productMetricsOf({ type: 'change-held', details: {} })).toEqual([['AcknowledgementsOverdue', 1]]);
    expect(productMetricsOf({ type: 'concern-raised', details: {} })).toEqual([['DisputesOpened', 1]]);
    expect(productMetricsOf({ type: 'escalated-to-alliance-manager', details: {} })).toEqual([
      ['Escalations', 1],
    ]);
    expect(productMetricsOf({ type: 'dispute-escalated', details: {} })).toEqual([['Escalations', 1]]);
  });

  it("counts a policy round's entry once per partner it covers", () => {
    const metrics = new RecordingMetrics();
    countCommitted(metrics, [
      {
        type: 'policy-notices-delivered',
        details: { delivered: [{ partnerId: 'a' }, { partnerId: 'b' }], unreachable: [{ partnerId: 'c' }] },
      },
      { type: 'policy-escalations-sent', details: { partnerIds: ['a', 'b', 'c'] } },
      { type: 'policy-acknowledgement-recorded', details: {} },
    ]);
    expect(metrics.total('NoticesSent')).toBe(2);
    expect(metrics.total('Escalations')).toBe(3);
    expect(metrics.total('NoticesAcknowledged')).toBe(1);
  });

  it('counts nothing for the other entries (an open is not an acknowledgement)', () => {
    for (const type of [
      'notice-opened',
      'notice-delivered',
      'change-submitted',
      'policy-notice-opened',
    ] as const)
      expect(productMetricsOf({ type, details: {} }), type).toEqual([]);
  });
});
