import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compareRates,
  evaluateCommissionChange,
  exampleImpact,
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

describe('exampleImpact', () => {
  it('shows the money a partner sees on a round sale, before and after', () => {
    expect(exampleImpact({ currentRatePct: 12, newRatePct: 11 })).toBe(
      'On a $10,000.00 sale booked once it takes effect, your commission is $1,100.00 instead of $1,200.00.',
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
