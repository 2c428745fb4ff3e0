import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  DAY_MS,
  firstFullDayFrom,
  parseIsoDate,
  startOfUtcDay,
  toIsoDate,
  wholeDaysBetween,
} from '../../functions/domain/calendar.ts';
import { instantArb, PROPERTY_RUNS } from './arbitraries.ts';

describe('parseIsoDate', () => {
  it.each([
    '2026-02-30',
    '2026-02-29', // 2026 is not a leap year
    '2100-02-29', // century, not divisible by 400
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-01-00',
    '2026-1-01',
    '2026-01-1',
    '26-01-01',
    '2026/01/01',
    '2026-01-01T00:00:00Z',
    ' 2026-01-01',
    '2026-01-01 ',
    '',
    'tomorrow',
  ])('rejects %j', (text) => {
    expect(parseIsoDate(text)).toBeUndefined();
  });

  it.each([
    ['2026-01-01', Date.UTC(2026, 0, 1)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2000-02-29', Date.UTC(2000, 1, 29)],
    ['2026-12-31', Date.UTC(2026, 11, 31)],
  ])('accepts the real date %s as 00:00 UTC that day', (text, epoch) => {
    expect(parseIsoDate(text)?.getTime()).toBe(epoch);
  });

  it('round-trips every real calendar date: toIsoDate(parseIsoDate(d)) === d', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, day) => {
          const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // month length in a leap year
          const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
          const real = day <= daysInMonth && !(month === 2 && day === 29 && !leap);
          const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const parsed = parseIsoDate(text);
          if (real) {
            expect(parsed).toBeDefined();
            expect(toIsoDate(parsed!)).toBe(text);
            expect(parsed!.getUTCHours() + parsed!.getUTCMinutes() + parsed!.getUTCSeconds()).toBe(0);
          } else {
            expect(parsed).toBeUndefined();
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips dates generated from instants', () => {
    fc.assert(
      fc.property(instantArb, (instant) => {
        const text = toIsoDate(instant);
        expect(toIsoDate(parseIsoDate(text)!)).toBe(text);
        expect(parseIsoDate(text)!.getTime()).toBe(startOfUtcDay(instant).getTime());
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('day arithmetic', () => {
  it('firstFullDayFrom is the instant itself at midnight, otherwise the next midnight', () => {
    fc.assert(
      fc.property(instantArb, (instant) => {
        const first = firstFullDayFrom(instant);
        expect(first.getTime()).toBe(startOfUtcDay(first).getTime());
        expect(first.getTime()).toBeGreaterThanOrEqual(instant.getTime());
        expect(first.getTime() - instant.getTime()).toBeLessThan(DAY_MS);
      }),
      PROPERTY_RUNS,
    );
    expect(toIsoDate(firstFullDayFrom(new Date('2026-03-01T00:00:00.000Z')))).toBe('2026-03-01');
    expect(toIsoDate(firstFullDayFrom(new Date('2026-03-01T00:00:00.001Z')))).toBe('2026-03-02');
  });

  it('wholeDaysBetween counts completed days and inverts addDays', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: -400, max: 400 }), (instant, days) => {
        expect(wholeDaysBetween(instant, addDays(instant, days))).toBe(days);
      }),
      PROPERTY_RUNS,
    );
    expect(wholeDaysBetween(new Date('2026-01-01T12:00:00Z'), new Date('2026-01-02T11:59:59Z'))).toBe(0);
  });
});
