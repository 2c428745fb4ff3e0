/** Calendar helpers on UTC days: effective dates are whole days ("YYYY-MM-DD"), starting at 00:00 UTC. */
const MS_PER_DAY = 86_400_000;

export const DAY_MS = MS_PER_DAY;

export function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function toIsoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Parses a strict YYYY-MM-DD calendar date; undefined when it is not a real date (2026-02-30). */
export function parseIsoDate(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime()) || toIsoDate(date) !== text) return undefined;
  return date;
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * MS_PER_DAY);
}

/** The first whole day on which something can take effect if it may not start before `instant`. */
export function firstFullDayFrom(instant: Date): Date {
  const day = startOfUtcDay(instant);
  return day.getTime() === instant.getTime() ? day : addDays(day, 1);
}

export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / MS_PER_DAY);
}
