import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIntegrationContext,
  type IntegrationContext,
  northwind,
  submitCommission,
  validCut,
} from '../support/integration-deps.ts';

/**
 * Principle 6 at submission: a change forecast to leave the partner's trust score under the configured
 * threshold is refused until the submitter says "I have read this" (trustForecastRead), and the audit trail
 * records that it did, with the scores it read. Above the threshold nothing is asked and nothing recorded.
 */
describe('a trust forecast under the threshold', () => {
  let context: IntegrationContext;
  beforeAll(async () => {
    // Every partner starts at 50: with the threshold at 60 any cut forecasts under it.
    context = await createIntegrationContext({ policy: { trustForecastThreshold: 60 } });
  });
  afterAll(() => context?.close());

  it('is refused without trustForecastRead, naming the field and writing nothing', async () => {
    const before = await context.snapshot();
    const refused = await submitCommission(
      context,
      { ...validCut(northwind, context.clock.now()), trustForecastRead: false },
      'fiona',
    );
    expect(refused.outcome).toBe('policy-violation');
    if (refused.outcome !== 'policy-violation') return;
    expect(refused.violations.map((item) => item.field)).toEqual(['trustForecastRead']);
    expect(refused.violations[0]?.reason).toMatch(/from 50 to \d+(\.\d)?, under 60/);
    expect(await context.snapshot()).toEqual(before);
  });

  it('is accepted with trustForecastRead: true, and the submitted audit entry records what was read', async () => {
    const created = await submitCommission(
      context,
      { ...validCut(northwind, context.clock.now()), trustForecastRead: true },
      'fiona',
    );
    if (created.outcome !== 'created') throw new Error(JSON.stringify(created));
    const [submitted] = await context.auditEntries(created.change.changeId);
    expect(submitted?.type).toBe('change-submitted');
    const read = (
      submitted!.details as {
        trustForecastRead?: { scoreNow: number; scoreAfter: number; threshold: number };
      }
    ).trustForecastRead;
    expect(read).toMatchObject({ scoreNow: 50, threshold: 60 });
    expect(read?.scoreAfter).toBeLessThan(60);
  });
});

describe('a trust forecast above the threshold', () => {
  let context: IntegrationContext;
  beforeAll(async () => {
    context = await createIntegrationContext({ policy: { trustForecastThreshold: 40 } });
  });
  afterAll(() => context?.close());

  it('needs no "I have read this" and records none', async () => {
    const created = await submitCommission(
      context,
      { ...validCut(northwind, context.clock.now()), trustForecastRead: false },
      'fiona',
    );
    if (created.outcome !== 'created') throw new Error(JSON.stringify(created));
    const [submitted] = await context.auditEntries(created.change.changeId);
    expect(submitted?.details).not.toHaveProperty('trustForecastRead');
  });
});
