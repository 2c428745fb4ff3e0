import type { AuditEntryDraft } from './audit-chain.ts';

/**
 * The product's own figures, as the dashboard and the alarms read them (infra/operations.ts): one count each,
 * emitted by the use cases through the ProductMetrics port (Powertools Metrics in Lambda, a recording in local
 * mode and tests).
 */
export const PRODUCT_METRICS_NAMESPACE = 'PartnerChangeNotice';

export const productMetricNames = [
  'NoticesSent',
  'NoticesAcknowledged',
  /** An adverse change reached its apply date unacknowledged and is held (the acknowledgement is overdue). */
  'AcknowledgementsOverdue',
  'DisputesOpened',
  /** An unacknowledged notice or an unanswered dispute escalated to the alliance manager. */
  'Escalations',
  /** An email the provider refused (each failed attempt). */
  'EmailFailures',
  /** A successful run of the audit sealer (sealed, nothing to seal, or raced): the anchoring is alive. */
  'AuditSealRuns',
] as const;
export type ProductMetricName = (typeof productMetricNames)[number];

/** The port the use cases count through; they never import an observability library. */
export interface ProductMetrics {
  count(name: ProductMetricName, value?: number): void;
}

/** In memory: local mode and the tests read what was counted. */
export class RecordingMetrics implements ProductMetrics {
  private readonly counts = new Map<ProductMetricName, number>();

  count(name: ProductMetricName, value = 1): void {
    if (value <= 0) return;
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  /** What was counted under `name` so far (0 if nothing). */
  total(name: ProductMetricName): number {
    return this.counts.get(name) ?? 0;
  }
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/**
 * What one committed audit entry counts for. Counted from the entries, after their commit: a step is counted
 * exactly when it happened, so a refused duplicate (a second click on an acknowledgement link) or a lost race
 * counts nothing. A policy round's entries cover many partners: they count each partner.
 */
export function productMetricsOf(
  entry: Pick<AuditEntryDraft, 'type' | 'details'>,
): [ProductMetricName, number][] {
  switch (entry.type) {
    case 'notice-sent':
      return [['NoticesSent', 1]];
    case 'acknowledgement-recorded':
    case 'policy-acknowledgement-recorded':
      return [['NoticesAcknowledged', 1]];
    case 'change-held':
      return [['AcknowledgementsOverdue', 1]];
    case 'concern-raised':
    case 'policy-concern-raised':
      return [['DisputesOpened', 1]];
    case 'escalated-to-alliance-manager':
    case 'dispute-escalated':
      return [['Escalations', 1]];
    case 'policy-notices-delivered':
      return [['NoticesSent', lengthOf(entry.details.delivered)]];
    case 'policy-escalations-sent':
      return [['Escalations', lengthOf(entry.details.partnerIds)]];
    default:
      return [];
  }
}

/** Counts the committed entries (see productMetricsOf). */
export function countCommitted(
  metrics: ProductMetrics,
  entries: readonly Pick<AuditEntryDraft, 'type' | 'details'>[],
): void {
  for (const entry of entries) {
    for (const [name, value] of productMetricsOf(entry)) metrics.count(name, value);
  }
}
