import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, toIsoDate } from '../../functions/domain/calendar.ts';
import {
  ALL_SCOPE,
  commissionOwed,
  entryKeyOf,
  type RateScheduleEntry,
  rateForBooking,
  rateInForce,
  scopeKeyOf,
  scopeOfKey,
} from '../../functions/domain/rate-schedule.ts';
import { PROPERTY_RUNS } from './arbitraries.ts';

const BASE = new Date('2024-01-01T00:00:00Z');
const dayArb = fc.integer({ min: 0, max: 1500 }).map((n) => toIsoDate(addDays(BASE, n)));
const scopeArb = fc.constantFrom(ALL_SCOPE, 'products:edge', 'products:edge,storage', 'accounts:acme');
const rateArb = fc.integer({ min: 0, max: 4000 }).map((n) => n / 100);
const recordedAtArb = fc
  .integer({ min: 0, max: 2000 * 86_400_000 })
  .map((ms) => new Date(BASE.getTime() + ms).toISOString());

function entry(partial: Partial<RateScheduleEntry> & Pick<RateScheduleEntry, 'effectiveFrom' | 'ratePct'>) {
  return { partnerId: 'p1', scopeKey: ALL_SCOPE, recordedAt: '2024-01-01T00:00:00.000Z', ...partial };
}

const entryArb: fc.Arbitrary<RateScheduleEntry> = fc.record({
  partnerId: fc.constant('p1'),
  scopeKey: scopeArb,
  effectiveFrom: dayArb,
  ratePct: rateArb,
  recordedAt: recordedAtArb,
});

describe('rateInForce', () => {
  const schedule = [
    entry({ effectiveFrom: '2024-01-01', ratePct: 10 }),
    entry({ effectiveFrom: '2025-01-01', ratePct: 8, recordedAt: '2024-11-01T00:00:00.000Z' }),
    entry({ effectiveFrom: '2025-01-01', ratePct: 9, recordedAt: '2024-12-01T00:00:00.000Z' }),
    entry({ effectiveFrom: '2025-06-01', ratePct: 7, recordedAt: '2024-10-01T00:00:00.000Z' }),
    entry({ scopeKey: 'products:edge', effectiveFrom: '2025-03-01', ratePct: 12 }),
  ];

  it('has no rate before the first entry', () => {
    expect(rateInForce(schedule, '2023-12-31')).toBeUndefined();
    expect(() => commissionOwed(schedule, { bookedOn: '2023-12-31', amount: 100 })).toThrow(
      /No commission rate/,
    );
  });

  it('picks the latest effective date on or before the day, whatever the order of entries', () => {
    for (const entries of [schedule, [...schedule].reverse()]) {
      expect(rateInForce(entries, '2024-12-31')?.ratePct).toBe(10);
      expect(rateInForce(entries, '2025-05-31')?.ratePct).toBe(9);
      expect(rateInForce(entries, '2025-06-01')?.ratePct).toBe(7); // the effective day itself counts
    }
  });

  it('breaks a tie on effective date by the later recordedAt, even if recorded before a later-dated entry', () => {
    expect(rateInForce(schedule, '2025-01-01')?.ratePct).toBe(9);
    expect(rateInForce([...schedule].reverse(), '2025-01-01')?.ratePct).toBe(9);
  });

  it('uses the scoped rate when the scope has one in force, else falls back to the partner-wide rate', () => {
    expect(rateInForce(schedule, '2025-02-28', 'products:edge')?.ratePct).toBe(9);
    expect(rateInForce(schedule, '2025-03-01', 'products:edge')?.ratePct).toBe(12);
    expect(rateInForce(schedule, '2025-07-01', 'products:edge')?.ratePct).toBe(12);
    expect(rateInForce(schedule, '2025-07-01', 'products:storage')?.ratePct).toBe(7);
  });

  it('property: the chosen entry is in scope (or the fallback), not later than the day, and no better candidate exists', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 12 }), dayArb, scopeArb, (entries, day, scopeKey) => {
        const chosen = rateInForce(entries, day, scopeKey);
        const inScope = entries.filter((e) => e.scopeKey === scopeKey && e.effectiveFrom <= day);
        const pool =
          inScope.length > 0
            ? inScope
            : entries.filter((e) => e.scopeKey === ALL_SCOPE && e.effectiveFrom <= day);
        if (pool.length === 0) {
          expect(chosen).toBeUndefined();
          return;
        }
        expect(pool).toContain(chosen);
        for (const other of pool) {
          const later =
            other.effectiveFrom > chosen!.effectiveFrom ||
            (other.effectiveFrom === chosen!.effectiveFrom && other.recordedAt > chosen!.recordedAt);
          expect(later).toBe(false);
        }
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('commissionOwed: no retroactive cuts (principle 3)', () => {
  it('is the booking amount at the rate in force on the booking date, rounded to cents', () => {
    const entries = [
      entry({ effectiveFrom: '2024-01-01', ratePct: 10 }),
      entry({ effectiveFrom: '2025-01-01', ratePct: 7.5 }),
    ];
    expect(commissionOwed(entries, { bookedOn: '2024-12-31', amount: 1234.56 })).toBe(123.46);
    expect(commissionOwed(entries, { bookedOn: '2025-01-01', amount: 1234.56 })).toBe(92.59);
  });

  it('property: adding entries never changes what is owed on a booking dated before their effective date', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { minLength: 0, maxLength: 8 }),
        dayArb,
        scopeArb,
        fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), scopeArb, rateArb, recordedAtArb), {
          minLength: 1,
          maxLength: 6,
        }),
        (history, bookedOn, scopeKey, amount, additions) => {
          const entries = [entry({ effectiveFrom: '2024-01-01', ratePct: 10 }), ...history];
          const booking = { bookedOn, amount, scopeKey };
          const before = commissionOwed(entries, booking);
          const bookingDay = new Date(`${bookedOn}T00:00:00.000Z`);
          const later = additions.map(([ahead, scope, ratePct, recordedAt]) =>
            entry({
              scopeKey: scope,
              effectiveFrom: toIsoDate(addDays(bookingDay, ahead)),
              ratePct,
              recordedAt,
            }),
          );
          expect(commissionOwed([...entries, ...later], booking)).toBe(before);
          expect(commissionOwed([...later, ...entries], booking)).toBe(before);
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it('a cut effective tomorrow leaves a sale booked today at the old rate and applies to a sale booked tomorrow', () => {
    const entries = [entry({ effectiveFrom: '2024-01-01', ratePct: 10 })];
    const withCut = [
      ...entries,
      entry({ effectiveFrom: '2026-03-11', ratePct: 6, recordedAt: '2026-03-10T12:00:00.000Z' }),
    ];
    expect(commissionOwed(withCut, { bookedOn: '2026-03-10', amount: 1000 })).toBe(100);
    expect(commissionOwed(withCut, { bookedOn: '2026-03-11', amount: 1000 })).toBe(60);
  });
});

describe('scopeKeyOf', () => {
  it('is "all" when nothing narrows the scope', () => {
    expect(scopeKeyOf(undefined)).toBe(ALL_SCOPE);
    expect(scopeKeyOf({})).toBe(ALL_SCOPE);
    expect(scopeKeyOf({ products: [], accounts: [] })).toBe(ALL_SCOPE);
  });

  it('a product and an account with the same name are different scopes', () => {
    expect(scopeKeyOf({ products: ['acme'] })).not.toBe(scopeKeyOf({ accounts: ['acme'] }));
  });

  it('names products then accounts', () => {
    expect(scopeKeyOf({ accounts: ['acme'], products: ['storage', 'edge'] })).toBe(
      'products:edge,storage;accounts:acme',
    );
  });

  it('property: order-insensitive and deduplicating, distinct scopes get distinct keys', () => {
    const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { maxLength: 5 });
    fc.assert(
      fc.property(names, names, fc.infiniteStream(fc.nat()), (products, accounts, picks) => {
        const key = scopeKeyOf({ products, accounts });
        const shuffled = (items: string[]) => {
          const copy = [...items, ...items.slice(0, 2)]; // duplicates
          for (let i = copy.length - 1; i > 0; i--) {
            const j = picks.next().value % (i + 1);
            [copy[i], copy[j]] = [copy[j]!, copy[i]!];
          }
          return copy;
        };
        expect(scopeKeyOf({ products: shuffled(products), accounts: shuffled(accounts) })).toBe(key);
        if (products.length > 0) {
          expect(scopeKeyOf({ products: products.slice(1), accounts })).not.toBe(key);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('entryKeyOf sorts by scope, then effective date, then recording time', () => {
    const a = entryKeyOf(
      entry({ effectiveFrom: '2025-01-01', ratePct: 1, recordedAt: '2025-02-01T00:00:00.000Z' }),
    );
    const b = entryKeyOf(
      entry({ effectiveFrom: '2025-01-02', ratePct: 1, recordedAt: '2024-02-01T00:00:00.000Z' }),
    );
    const c = entryKeyOf(
      entry({ effectiveFrom: '2025-01-02', ratePct: 1, recordedAt: '2024-03-01T00:00:00.000Z' }),
    );
    expect([c, b, a].sort()).toEqual([a, b, c]);
  });
});

describe('rateForBooking: the rate for a sale', () => {
  const entry = (scopeKey: string, effectiveFrom: string, ratePct: number): RateScheduleEntry => ({
    partnerId: 'p1',
    scopeKey,
    effectiveFrom,
    ratePct,
    recordedAt: `${effectiveFrom}T00:00:00.000Z`,
  });
  const schedule = [
    entry('all', '2025-01-01', 12),
    entry('all', '2026-04-01', 11),
    entry('products:edge,storage', '2026-02-01', 9),
    entry('accounts:acme', '2026-03-01', 8),
    entry('products:edge;accounts:acme', '2026-05-01', 7),
  ];

  it('is the partner-wide rate of the booking day when no scope covers the sale', () => {
    expect(rateForBooking(schedule, { bookedOn: '2026-03-31' })?.ratePct).toBe(12);
    expect(rateForBooking(schedule, { bookedOn: '2026-04-01', product: 'cloud' })?.ratePct).toBe(11);
  });

  it('prefers the most specific scope covering the sale that has a rate in force that day', () => {
    expect(rateForBooking(schedule, { bookedOn: '2026-02-15', product: 'storage' })?.ratePct).toBe(9);
    expect(rateForBooking(schedule, { bookedOn: '2026-03-15', account: 'acme' })?.ratePct).toBe(8);
    // Two scopes as specific as each other (a product, an account): the one decided later wins.
    expect(
      rateForBooking(schedule, { bookedOn: '2026-04-30', product: 'edge', account: 'acme' })?.ratePct,
    ).toBe(8);
    expect(
      rateForBooking(schedule, { bookedOn: '2026-05-01', product: 'edge', account: 'acme' })?.ratePct,
    ).toBe(7);
    // Before the scoped entries exist, the partner-wide one applies.
    expect(rateForBooking(schedule, { bookedOn: '2026-01-31', product: 'edge' })?.ratePct).toBe(12);
  });

  it('has no rate before the first entry', () => {
    expect(rateForBooking(schedule, { bookedOn: '2024-12-31' })).toBeUndefined();
  });

  it('scopeOfKey reads back what scopeKeyOf wrote', () => {
    expect(scopeOfKey(scopeKeyOf({ products: ['b', 'a'], accounts: ['x'] }))).toEqual({
      products: ['a', 'b'],
      accounts: ['x'],
    });
    expect(scopeOfKey('all')).toEqual({});
  });
});
