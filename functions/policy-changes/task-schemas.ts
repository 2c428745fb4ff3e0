import * as z from 'zod';
import { allianceManagerSchema, contactSchema } from '../directory/profile.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { idText } from '../http/schemas.ts';
import { roundKinds } from './rounds.ts';

/**
 * The policy workflow's task inputs (workflows/policy-change.asl.json): external input too, parsed before
 * any step runs, refused with the field and reason (InvalidTaskInput, never retried).
 */
const policyChangeId = idText;

export const policyTaskInputSchema = z.object({ policyChangeId });

const manifestLineSchema = z.object({
  partnerId: idText,
  name: z.string().min(1).max(300),
  stage: z.enum(relationshipStages),
  contacts: z.array(contactSchema).max(20),
  allianceManager: allianceManagerSchema.optional(),
});

/** A Distributed Map child's input: the ItemBatcher's BatchInput and the batch's manifest lines. */
export const policyBatchInputSchema = z
  .object({
    BatchInput: z.object({
      policyChangeId,
      roundId: z.string().min(1).max(100),
      roundKind: z.enum(roundKinds),
      version: z.number().int().min(0),
    }),
    Items: z.array(manifestLineSchema).max(1000),
  })
  .transform(({ BatchInput, Items }) => ({ ...BatchInput, items: Items }));

export const completeRoundInputSchema = z.object({
  policyChangeId,
  roundId: z.string().min(1).max(100),
  results: z
    .object({
      MapRunArn: z.string().optional(),
      ResultWriterDetails: z.object({ Bucket: z.string().min(1), Key: z.string().min(1) }).optional(),
    })
    .default({}),
});

export const awaitPolicyEventInputSchema = z.object({
  policyChangeId,
  taskToken: z.string().min(1).max(4096),
  revision: z.number().int().min(0),
});

export const policyFailureInputSchema = z.object({
  policyChangeId,
  failure: z
    .object({ Error: z.string().max(10_000).optional(), Cause: z.string().max(300_000).optional() })
    .default({}),
});
