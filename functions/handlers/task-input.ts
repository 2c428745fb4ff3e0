import type * as z from 'zod';
import type { Dependencies } from '../dependencies.ts';

/** Workflow task inputs are external input too: parsed, and refused with the field and reason. */
export class InvalidTaskInput extends Error {
  override readonly name = 'InvalidTaskInput';
}

export function parseTaskInput<T>(schema: z.ZodType<T, unknown>, event: unknown): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidTaskInput(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; '),
    );
  }
  return parsed.data;
}

/**
 * The workflow's correlation id, as the ASL passes it to each task (`$$.Execution.Name`: the change's execution,
 * `<changeId>` or `<changeId>-retry-<n>`, always there, even for an execution started before it was passed).
 * The request that started the execution is in the execution's input (`correlationId`, the API request id: see
 * functions/adapters/step-functions/workflow-gateway.ts).
 */
function correlationIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null || !('correlationId' in event)) return undefined;
  const { correlationId } = event;
  return typeof correlationId === 'string' && correlationId !== '' ? correlationId : undefined;
}

/**
 * The one shape of a workflow task handler: parse the input, set the log keys for this call only (reset
 * first, so a warm Lambda never carries the previous change's keys or correlation id), run one use case.
 */
export function taskHandler<Input extends { changeId: string } | { policyChangeId: string }, Result>(
  deps: Dependencies,
  schema: z.ZodType<Input, unknown>,
  useCase: (deps: Dependencies, input: Input) => Promise<Result>,
): (event: unknown) => Promise<Result> {
  return async (event) => {
    const input = parseTaskInput(schema, event);
    deps.logger.resetKeys();
    deps.logger.appendKeys(
      'changeId' in input ? { changeId: input.changeId } : { policyChangeId: input.policyChangeId },
    );
    const correlationId = correlationIdOf(event);
    if (correlationId) deps.logger.setCorrelationId(correlationId);
    return useCase(deps, input);
  };
}
