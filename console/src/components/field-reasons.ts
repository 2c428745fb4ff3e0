import type { Problem } from '../api.ts';

/**
 * The API's field reasons placed under the form fields that show them (`fieldOf` names the form field for a
 * reason's path, or undefined when no field on the form shows it); the reasons left over belong to the form
 * as a whole, with the problem's message.
 */
export function placeReasons(
  problem: Problem | undefined,
  fieldOf: (path: string) => string | undefined,
): { byField: Record<string, string>; unplaced: Problem['fields'] } {
  const byField: Record<string, string> = {};
  const unplaced: Problem['fields'] = [];
  for (const item of problem?.fields ?? []) {
    const field = fieldOf(item.field);
    if (field === undefined) unplaced.push(item);
    else byField[field] = byField[field] ? `${byField[field]}; ${item.reason}` : item.reason;
  }
  return { byField, unplaced };
}

/** Whether the form as a whole must say what is wrong: something no field shows, or nothing shown at all. */
export function needsFormError({ byField, unplaced }: ReturnType<typeof placeReasons>): boolean {
  return unplaced.length > 0 || Object.keys(byField).length === 0;
}
