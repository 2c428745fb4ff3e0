/**
 * What the API answers, as the server's own code defines it: these are type-only imports (erased from the
 * bundle), so a change of shape on the server is a type error here.
 */
import type { z } from 'zod';
import type { partnerSummarySchema } from '../../functions/directory/routes.ts';
import type { Partner } from '../../functions/domain/partner.ts';
import type { RateScheduleEntry } from '../../functions/domain/rate-schedule.ts';
import type { TrustLedgerEvent, TrustScore } from '../../functions/domain/trust-rules.ts';
import type { changeSummary, changeView } from '../../functions/notices/view.ts';

export type ChangeSummary = ReturnType<typeof changeSummary>;
export type ChangeView = Awaited<ReturnType<typeof changeView>>;
export interface ChangePage {
  items: ChangeSummary[];
  cursor?: string;
}
export type PartnerSummary = z.infer<typeof partnerSummarySchema>;
export interface PartnerDetail extends Partner {
  currentRatePct: number | null;
  rateSchedule: Omit<RateScheduleEntry, 'partnerId'>[];
  trust: TrustScore & { ledger: TrustLedgerEvent[] };
}
