/** Inputs shared by the integration and end-to-end tests. */
export const realRationale =
  'Our hardware supplier raised list prices by 9% this quarter, which squeezes the margin we share with you. ' +
  'We are moving budget into the services attach bonus, where your margin grows, instead of the resale rate.';

/** A date `days` whole days after `from`, as YYYY-MM-DD (UTC). */
export function isoDateAfter(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * "2026-12-25" as a person writes it, "25 December 2026": what the partner's pages must show. Spelled out
 * here rather than borrowed from the code under test, so a wrong date format fails the tests.
 */
export function dateInWords(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  return `${day} ${MONTHS[month! - 1]} ${year}`;
}
