import { type HttpResponse, problem } from './responses.ts';

/**
 * Use cases answer in domain words ('self-approval', 'not-awaiting-approval'); only routes know HTTP. A route
 * names the status of each refusal it can get; a change that does not exist is 404 everywhere, a step the
 * lifecycle does not allow from the change's status 409.
 */
export function refused(
  outcome: { refusal: string; detail?: string | undefined },
  statuses: Record<string, number>,
  fields?: { field: string; reason: string }[],
): HttpResponse {
  const status = outcome.refusal === 'unknown-change' ? 404 : (statuses[outcome.refusal] ?? 409);
  const message =
    outcome.detail ??
    (outcome.refusal === 'unknown-change' ? 'No such change.' : `Refused: ${outcome.refusal}.`);
  return problem(status, outcome.refusal, message, fields ? { fields } : {});
}

/** Opaque page cursors: the last key of a page, base64url-encoded JSON of string values. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(text: string | undefined): Record<string, string> | undefined | 'invalid' {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid';
    const entries = Object.entries(value);
    if (entries.length === 0 || entries.length > 6) return 'invalid';
    if (!entries.every(([, item]) => typeof item === 'string' && item.length <= 400)) return 'invalid';
    return Object.fromEntries(entries) as Record<string, string>;
  } catch {
    return 'invalid';
  }
}
