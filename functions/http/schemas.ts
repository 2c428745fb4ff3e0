import * as z from 'zod';
import { parseIsoDate } from '../domain/calendar.ts';

/** The building blocks every feature's schemas use; each external input is parsed with zod. */

/** A percentage with at most two decimals, written plainly (1e-200 and 12.000000000001 are refused). */
export const ratePct = z
  .number()
  .min(0, 'must be at least 0')
  .max(100, 'must be at most 100')
  .refine(
    (value) => /^\d{1,3}(\.\d{1,2})?$/.test(String(value)),
    'must have at most two decimals (e.g. 12.5)',
  );

export const calendarDate = z
  .string()
  .max(10, 'must be a date YYYY-MM-DD')
  .refine((text) => parseIsoDate(text) !== undefined, 'must be a real calendar date YYYY-MM-DD');

/** Product or account names: no ',' ';' '#' (they separate scope keys) and no control characters. */
export const identifier = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^,;#\p{Cc}]+$/u, "must not contain ',', ';', '#' or control characters");

export const identifiers = z
  .array(identifier)
  .min(1, 'must list at least one')
  .max(200, 'must list at most 200');

/** Free text a person writes (a comment, an answer, a summary): trimmed, bounded, never empty. */
export const prose = (minimum: number, maximum: number) =>
  z
    .string()
    .trim()
    .min(minimum, `must be at least ${minimum} characters`)
    .max(maximum, `must be at most ${maximum} characters`);

/** An id as it appears in a DynamoDB key: bounded, printable. */
export const idText = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

export const fieldErrorSchema = z.object({ field: z.string(), reason: z.string() });
export const errorResponseSchema = z.object({
  error: z.string(),
  message: z.string(),
  fields: z.array(fieldErrorSchema).optional(),
  earliestEffectiveDate: z.string().optional(),
  conflictingChangeId: z.string().optional(),
});

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  // A query value that is no number at all ("abc", "1e400") reaches a number schema as NaN or Infinity.
  if (typeof input === 'number' && !Number.isFinite(input)) return Number.isNaN(input) ? 'NaN' : `${input}`;
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}

/** A field path as the client wrote it; a key that is the empty string is shown as "" so it is still named. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((segment) => (segment === '' ? '""' : String(segment))).join('.');
}

/**
 * Parses external input keeping each bad value in its issue (zod leaves it out unless asked), so a field of
 * the wrong type is told the type it must have instead of being called missing.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown) {
  return schema.safeParse(value, { reportInput: true });
}

/** "field: reason" items from a zod error (from parseInput), with the field path as the client sent it. */
export function fieldErrors(
  error: z.ZodError,
  /** How a path is named to the client (an import names CSV columns); a dotted path by default. */
  nameOf: (path: readonly PropertyKey[]) => string = fieldName,
): { field: string; reason: string }[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: nameOf([...issue.path, key]),
        reason: 'is not a known field',
      }));
    }
    const field = nameOf(issue.path) || '(body)';
    if (issue.code === 'invalid_type') {
      const reason =
        issue.input === undefined
          ? 'is required'
          : `must be ${typeNames[issue.expected] ?? issue.expected}, not ${describeInput(issue.input)}`;
      return [{ field, reason }];
    }
    return [{ field, reason: issue.message }];
  });
}

/** The Idempotency-Key header of a submission: `what` names what a retry with the same key never creates twice. */
export const idempotencyKeyHeaders = (what: string) =>
  z.looseObject({
    'idempotency-key': z
      .string()
      .trim()
      .min(1, 'must be 1 to 200 characters')
      .max(200, 'must be 1 to 200 characters')
      .optional()
      .describe(`Retries with the same key never create a second ${what}.`),
  });
