import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compareRates,
  evaluateCommissionChange,
  moneyExample,
} from '../../functions/commission-changes/rules.ts';
import { commissionChangeRequestSchema } from '../../functions/commission-changes/schemas.ts';
import { fieldErrors, parseInput, ratePct } from '../../functions/http/schemas.ts';

const context = { rateInForcePct: 10, raiseApprovalAbovePoints: 3 };

describe('evaluateCommissionChange', () => {
  it('needs an approver for a raise above the configured size, not for a smaller one, and always for a cut', () => {
    expect(evaluateCommissionChange({ currentRatePct: 10, newRatePct: 13 }, context)).toEqual({
      accepted: true,
      direction: 'raise',
      needsApproval: false,
    });
    expect(evaluateCommissionChange({ currentRatePct: 10, newRatePct: 13.01 }, context)).toEqual({
      accepted: true,
      direction: 'raise',
      needsApproval: true,
    });
    // A cut's approval comes from being adverse (the lifecycle's rule), not from its size.
    expect(evaluateCommissionChange({ currentRatePct: 10, newRatePct: 9.99 }, context)).toMatchObject({
      accepted: true,
      direction: 'cut',
    });
  });
});

describe('compareRates: how a revision compares for the partner', () => {
  it('a lower new rate is worse, a higher one better, the same rate the same', () => {
    expect(compareRates(10, 9)).toBe('worse');
    expect(compareRates(10, 11)).toBe('better');
    expect(compareRates(10, 10)).toBe('same');
  });
});

/** "$1,200.50" → 120050 cents: reads the example back as a partner would, independently of how it was made. */
function centsOf(shown: string): number {
  const match = /^\$(\d{1,3}(?:,\d{3})*)(?:\.(\d{2}))?$/.exec(shown);
  if (!match) throw new Error(`not money as a person writes it: ${shown}`);
  return Number(match[1]!.replaceAll(',', '')) * 100 + Number(match[2] ?? '0');
}

/** Rates as the request schema allows them: 0 to 100 with at most two decimals, as hundredths of a point. */
const rateHundredths = fc.integer({ min: 0, max: 10_000 });

describe('moneyExample: what a commission change means in money', () => {
  it('shows the commission per $10,000 of bookings before and after, in whole dollars', () => {
    expect(moneyExample({ currentRatePct: 12, newRatePct: 11 })).toEqual({
      label: 'Per $10,000 of bookings',
      before: '$1,200',
      after: '$1,100',
    });
    expect(moneyExample({ currentRatePct: 12.25, newRatePct: 9.5 })).toEqual({
      label: 'Per $10,000 of bookings',
      before: '$1,225',
      after: '$950',
    });
  });

  it('shows cents only when an amount has them', () => {
    expect(moneyExample({ currentRatePct: 12.25, newRatePct: 11.01 }, 250)).toEqual({
      label: 'Per $250 of bookings',
      before: '$30.63',
      after: '$27.53',
    });
  });

  it('property: per $10,000 the commission in dollars is the rate in hundredths of a point, exactly', () => {
    fc.assert(
      fc.property(rateHundredths, rateHundredths, (current, next) => {
        const example = moneyExample({ currentRatePct: current / 100, newRatePct: next / 100 });
        expect(centsOf(example.before)).toBe(current * 100);
        expect(centsOf(example.after)).toBe(next * 100);
      }),
      { numRuns: 500 },
    );
  });

  it('property: on any whole-dollar amount, each figure is amount × rate to the cent, and a cut shows less after', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        rateHundredths,
        rateHundredths,
        (amount, current, next) => {
          const example = moneyExample({ currentRatePct: current / 100, newRatePct: next / 100 }, amount);
          // amount × (hundredths / 100) % = amount × hundredths / 10,000 dollars = amount × hundredths / 100 cents.
          expect(centsOf(example.before)).toBe(Math.round((amount * current) / 100));
          expect(centsOf(example.after)).toBe(Math.round((amount * next) / 100));
          expect(example.label).toBe(`Per $${amount.toLocaleString('en-US')} of bookings`);
          if (next < current) expect(centsOf(example.after)).toBeLessThanOrEqual(centsOf(example.before));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the request schemas', () => {
  it.each([1e-200, 12.000000000001, 12.345, -1, 100.01, Number.NaN])('refuses the rate %s', (value) => {
    expect(ratePct.safeParse(value).success).toBe(false);
  });

  it.each([0, 12, 12.5, 12.25, 100])('accepts the rate %s', (value) => {
    expect(ratePct.safeParse(value).success).toBe(true);
  });

  it('names the expected type of a wrong-typed field instead of calling it missing', () => {
    const parsed = parseInput(commissionChangeRequestSchema, {
      partnerId: 12,
      currentRatePct: 'twelve',
      newRatePct: 11,
      effectiveDate: '2027-01-01',
    });
    expect(parsed.success).toBe(false);
    const fields = Object.fromEntries(fieldErrors(parsed.error!).map((item) => [item.field, item.reason]));
    expect(fields).toEqual({
      partnerId: 'must be a string, not a number',
      currentRatePct: 'must be a number, not a string',
      rationale: 'is required',
    });
  });

  it('refuses a product name that would collide with the scope key separators', () => {
    const parsed = commissionChangeRequestSchema.safeParse({
      partnerId: 'p',
      currentRatePct: 12,
      newRatePct: 11,
      effectiveDate: '2027-01-01',
      rationale: 'x',
      scope: { products: ['a,b'] },
    });
    expect(parsed.success).toBe(false);
    expect(fieldErrors(parsed.error!)).toEqual([
      { field: 'scope.products.0', reason: "must not contain ',', ';', '#' or control characters" },
    ]);
  });

  it('reports unknown fields by name', () => {
    const parsed = z.object({ a: z.string() }).strict().safeParse({ a: 'x', b: 1 });
    expect(fieldErrors(parsed.error!)).toEqual([{ field: 'b', reason: 'is not a known field' }]);
  });
});
