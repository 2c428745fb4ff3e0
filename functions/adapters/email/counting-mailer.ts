import type { ProductMetrics } from '../../domain/product-metrics.ts';
import type { NoticeMailer } from './notice-mailer.ts';

/** A mailer whose failures are counted, and the mailer it wraps (to inspect how it was composed). */
export interface CountingMailer extends NoticeMailer {
  readonly counted: NoticeMailer;
}

/**
 * The mailer with every refused send counted as EmailFailures (each attempt: a retried send that fails twice
 * counts twice), whoever sends (a workflow step, a person's action, a policy batch, the sweep). The error still
 * reaches the caller, which retries or leaves the email queued as before.
 */
export function countingFailures(mailer: NoticeMailer, metrics: ProductMetrics): CountingMailer {
  return {
    counted: mailer,
    send: async (email) => {
      try {
        return await mailer.send(email);
      } catch (error) {
        metrics.count('EmailFailures');
        throw error;
      }
    },
  };
}
