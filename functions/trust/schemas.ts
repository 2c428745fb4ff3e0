import { z } from 'zod';
import { relationshipStages } from '../domain/relationship-stage.ts';

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
