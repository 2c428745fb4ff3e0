/**
 * How big the reliability runs are: `ci` (the default, minutes on two cores) or `full` (by flag:
 * `npm run test:reliability -- --full`, which sets RELIABILITY_SIZE=full).
 */
export type ReliabilitySize = 'ci' | 'full';

export const reliabilitySize: ReliabilitySize = process.env.RELIABILITY_SIZE === 'full' ? 'full' : 'ci';

/** Picks the figure for the current size. */
export function sized<T>(figures: { ci: T; full: T }): T {
  return figures[reliabilitySize];
}
