/**
 * What the API answers, as the server's own code defines it: these are type-only imports (erased from the
 * bundle), so a change of shape on the server is a type error here.
 */
import type { z } from 'zod';
import type {
  auditEntrySchema,
  auditResponseSchema,
  auditVerificationSchema,
} from '../../functions/audit/routes.ts';
import type { importReportSchema } from '../../functions/directory/import-routes.ts';
import type {
  partnerListSchema,
  partnerRecordSchema,
  partnerSummarySchema,
  versionConflictSchema,
} from '../../functions/directory/routes.ts';
import type { RateScheduleEntry } from '../../functions/domain/rate-schedule.ts';
import type { TrustLedgerEvent, TrustScore } from '../../functions/domain/trust-rules.ts';
import type { submissionPreviewSchema } from '../../functions/notices/submission-routes.ts';
import type { changeSummary, changeView } from '../../functions/notices/view.ts';
import type {
  policyCoverageSchema,
  policyRecipientPageSchema,
  policyRecipientViewSchema,
} from '../../functions/policy-changes/coverage-routes.ts';
import type { policyChangeViewSchema } from '../../functions/policy-changes/schemas.ts';
import type { stageHistorySchema } from '../../functions/stage-moves/routes.ts';
import type { healthSchema, partnerTrustSchema, portfolioSchema } from '../../functions/trust/schemas.ts';

export type ChangeSummary = ReturnType<typeof changeSummary>;
export type ChangeView = Awaited<ReturnType<typeof changeView>>;
export interface ChangePage {
  items: ChangeSummary[];
  cursor?: string;
}
export type PartnerSummary = z.infer<typeof partnerSummarySchema>;
export type PartnerPage = z.infer<typeof partnerListSchema>;
/** A partner as POST and PUT /api/partners answer it (and the `current` of a 409). */
export type PartnerRecord = z.infer<typeof partnerRecordSchema>;
export type VersionConflict = z.infer<typeof versionConflictSchema>;
/** GET /api/partners/{id}: the directory's record with its rates and trust. */
export type PartnerDetail = PartnerRecord & {
  currentRatePct: number | null;
  rateSchedule: Omit<RateScheduleEntry, 'partnerId'>[];
  trust: TrustScore & { ledger: TrustLedgerEvent[] };
};
export type StageHistory = z.infer<typeof stageHistorySchema>;
export type StageHistoryEntry = StageHistory['applied'][number];
export type SubmissionPreview = z.infer<typeof submissionPreviewSchema>;
/**
 * POST /api/partner-imports: the report (200, or 422 when every row of the call was refused: the same report
 * with the problems as fields).
 */
export type ImportReport = z.infer<typeof importReportSchema>;

/** GET /api/trust/portfolio and GET /api/trust/health (functions/trust/schemas.ts). */
export type TrustPortfolio = z.infer<typeof portfolioSchema>;
export type TrustPortfolioRow = TrustPortfolio['partners'][number];
export type TrustHealth = z.infer<typeof healthSchema>;

/** GET /api/partners/{partnerId}/trust (functions/trust/schemas.ts). */
export type PartnerTrust = z.infer<typeof partnerTrustSchema>;

/** GET /api/policy-changes/{id} and the items of GET /api/policy-changes (functions/policy-changes/schemas.ts). */
export type PolicyChangeView = z.infer<typeof policyChangeViewSchema>;
export interface PolicyChangePage {
  items: PolicyChangeView[];
  cursor?: string;
}

/**
 * GET /api/policy-changes/{id}/coverage: how far the current notice version has reached. The counters are the
 * recipient states of functions/policy-changes/rounds.ts plus the escalated mark; `notified` is delivered +
 * opened + acknowledged + concern-raised (functions/policy-changes/coverage-routes.ts).
 */
export type PolicyCoverage = z.infer<typeof policyCoverageSchema>;
export type PolicyRound = PolicyCoverage['rounds'][number];
/** One partner of GET /api/policy-changes/{id}/recipients?state=…: its state, and what it said. */
export type PolicyRecipient = z.infer<typeof policyRecipientViewSchema>;
export type PolicyRecipientPage = z.infer<typeof policyRecipientPageSchema>;

/** GET /api/audit (functions/audit/routes.ts): a page of entries newest first, or a change's whole chain. */
export type AuditSearch = z.infer<typeof auditResponseSchema>;
export type AuditEntryView = z.infer<typeof auditEntrySchema>;
/** GET /api/audit/verify: the verdict, the counts, the anchoring digest and each problem. */
export type AuditVerification = z.infer<typeof auditVerificationSchema>;
/** GET /api/audit/export: a page of entries in stream order. */
export interface AuditExportPage {
  entries: AuditEntryView[];
  nextCursor?: string;
}
