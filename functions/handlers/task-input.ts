import type { z } from 'zod';

/** Workflow task inputs are external input too: parsed, and refused with the field and reason. */
export class InvalidTaskInput extends Error {
  override readonly name = 'InvalidTaskInput';
}

export function parseTaskInput<T>(schema: z.ZodType<T>, event: unknown): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidTaskInput(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; '),
    );
  }
  return parsed.data;
}
