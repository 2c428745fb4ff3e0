import * as z from 'zod';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { trustRuleSet, trustRuleSets } from '../domain/trust-rules.ts';
import { calendarDate } from '../http/schemas.ts';

/**
 * What GET /api/trust/portfolio and GET /api/trust/health answer, declared once: the routes document
 * them and the console types its pages by them (console/src/types.ts).
 */
export const portfolioQuerySchema = z
  .object({
    stage: z.enum(relationshipStages).optional().describe('Only partners at this stage.'),
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(500, 'must be at most 500')
      .default(100),
    cursor: z
      .string()
      .max(12, 'is not a cursor from a previous page of this list')
      .regex(/^\d+$/, 'is not a cursor from a previous page of this list')
      .optional()
      .describe('From the previous page.'),
  })
  .strict();

export const portfolioRowSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  stage: z.enum(relationshipStages),
  score: z.number().describe('0–100, under the current rules version.'),
  lastChangeAt: z.string().nullable().describe('When a change last applied to this partner; null if never.'),
  openDisputes: z.number(),
});

export const portfolioSchema = z.object({
  rulesVersion: z.string(),
  at: z.string(),
  partners: portfolioRowSchema.array().describe('Lowest score first: the partners needing care first.'),
  cursor: z.string().optional().describe('Where the next page starts; absent on the last page.'),
});

export const stageHealthSchema = z.object({
  stage: z.enum(relationshipStages),
  partners: z.number(),
  averageScore: z.number().nullable(),
  noticeKeptPct: z
    .number()
    .nullable()
    .describe('Adverse changes applied with the full notice period, in % of all applied; null when none.'),
  disputesResolvedPct: z
    .number()
    .nullable()
    .describe('Disputes resolved, in % of all raised; null when none was raised.'),
});

export const healthSchema = z.object({
  rulesVersion: z.string(),
  at: z.string(),
  stages: stageHealthSchema.array(),
});

export const partnerTrustQuerySchema = z
  .object({
    at: calendarDate.optional().describe('The score at the end of this day (default: now).'),
    version: z
      .string()
      .max(20, 'is not a rules version')
      .refine((value) => trustRuleSet(value) !== undefined, {
        message: `is not a rules version (known: ${Object.keys(trustRuleSets).join(', ')})`,
      })
      .optional()
      .describe('The rules version to compute the score under (default: the current one).'),
  })
  .strict();

const contributionSchema = z.object({
  eventId: z.string(),
  rule: z.string(),
  explanation: z.string(),
  at: z.string(),
  stage: z.enum(relationshipStages).optional(),
  basePoints: z.number(),
  weight: z.number().describe('The stage weight the points were priced with.'),
  multiplier: z.number(),
  points: z.number().describe('basePoints × multiplier × weight, under the rules version asked.'),
  decay: z.number().describe('The share of the points left at `at` (1 on the day, ½ after a half-life).'),
  pointsNow: z.number(),
  source: z.object({ type: z.string(), id: z.string() }).optional(),
  changeId: z.string().optional(),
});

export const partnerTrustSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  stage: z.enum(relationshipStages),
  at: z.string(),
  rulesVersion: z.string(),
  rulesVersions: z.array(z.string()),
  startingScore: z.number(),
  score: z.number().describe('0–100: the starting score plus every contribution’s pointsNow, clamped.'),
  contributions: contributionSchema.array().describe('Every ledger event up to `at`, oldest first.'),
  history: z
    .object({ at: z.string(), score: z.number(), eventIds: z.array(z.string()) })
    .array()
    .describe('The score after each instant with events, and on the first of each month between.'),
  openChanges: z
    .object({
      changeId: z.string(),
      kind: z.string(),
      status: z.string(),
      summary: z.string(),
      effectiveDate: z.string(),
    })
    .array(),
  openDisputes: z.object({ changeId: z.string(), raisedAt: z.string(), dueAt: z.string() }).array(),
});
