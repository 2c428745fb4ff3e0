import fc from 'fast-check';
import { type RelationshipStage, relationshipStages } from '../../functions/domain/relationship-stage.ts';

/** Instants between 2000 and 2090, at millisecond precision (includes exact midnights now and then). */
export const instantArb: fc.Arbitrary<Date> = fc.oneof(
  fc.date({
    min: new Date('2000-01-01T00:00:00.000Z'),
    max: new Date('2090-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  }),
  fc
    .integer({ min: Date.UTC(2000, 0, 1) / 86_400_000, max: Date.UTC(2090, 0, 1) / 86_400_000 })
    .map((day) => new Date(day * 86_400_000)),
);

export const stageArb: fc.Arbitrary<RelationshipStage> = fc.constantFrom(...relationshipStages);

/** A rationale a partner can act on: passes the rationale rules (asserted in rationale.test.ts). */
export const GOOD_RATIONALE =
  'Our hardware supplier raised component prices by 12% this quarter, which cut our margin on edge appliances ' +
  'from 21% to 9%. To keep list prices stable for your customers we are reducing commission on edge products; ' +
  'deals you register before the effective date keep the current rate, and the new storage bundle carries a ' +
  'higher rate you can move customers to.';

export const PROPERTY_RUNS = { numRuns: 200 } as const;
