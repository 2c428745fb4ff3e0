/**
 * The partner directory's writes against the real DynamoDB Local: a create is idempotent by the partner's
 * external id, an edit is guarded by the version (two editors from one version: one wins, one is told the
 * current version), an edit that changes nothing writes nothing, and every write is on the partner's audit
 * chain, which verifies.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditHead } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import {
  LEGACY_PARTNER_INSTANT,
  partnerAuditStream,
} from '../../functions/adapters/dynamodb/partner-store.ts';
import { type NewPartner, newPartnerSchema, profileOf } from '../../functions/directory/profile.ts';
import { createPartner, updatePartner } from '../../functions/directory/write.ts';
import { verifyChain } from '../../functions/domain/audit-chain.ts';
import { demoPartners, SEED_ACTOR } from '../../local/seed.ts';
import { createIntegrationContext, type IntegrationContext } from '../support/integration-deps.ts';

let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

function newPartner(partnerId: string, overrides: Partial<NewPartner> = {}): NewPartner {
  return newPartnerSchema.parse({
    partnerId,
    name: `Litware ${partnerId}`,
    stage: 'enhanced',
    region: 'EMEA',
    tier: 'silver',
    tags: ['var', 'cloud'],
    allianceManager: { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
    contacts: [
      { contactId: 'ops', name: 'Ada Kim', email: 'ada.kim@litware.example', role: 'primary' },
      { contactId: 'ceo', name: 'Ben Ode', email: 'ben.ode@litware.example', role: 'fallback' },
    ],
    openingRates: [
      { ratePct: 14, effectiveFrom: '2025-06-01' },
      { ratePct: 16, effectiveFrom: '2025-06-01', product: 'edge' },
    ],
    ...overrides,
  });
}

async function chainOf(partnerId: string) {
  const entries = await context.deps.partners.auditEntries(partnerId);
  const head = await readAuditHead(
    context.deps.documentClient,
    context.deps.tables.auditTrail,
    partnerAuditStream(partnerId),
  );
  return { entries, verdict: verifyChain(entries, head) };
}

describe('creating a partner', () => {
  it('writes version 1 with its opening rates and one partner-created entry on a chain that verifies', async () => {
    const outcome = await createPartner(context.deps, newPartner('litware-1'), 'dana');
    expect(outcome.outcome).toBe('created');
    const stored = await context.deps.partners.get('litware-1');
    expect(stored).toMatchObject({
      partnerId: 'litware-1',
      stage: 'enhanced',
      region: 'EMEA',
      tier: 'silver',
      tags: ['cloud', 'var'],
      version: 1,
      createdAt: context.clock.now().toISOString(),
      updatedAt: context.clock.now().toISOString(),
    });
    const schedule = await context.deps.partners.rateSchedule('litware-1');
    expect(
      schedule
        .map(({ scopeKey, effectiveFrom, ratePct }) => ({ scopeKey, effectiveFrom, ratePct }))
        .sort((a, b) => a.scopeKey.localeCompare(b.scopeKey)),
    ).toEqual([
      { scopeKey: 'all', effectiveFrom: '2025-06-01', ratePct: 14 },
      { scopeKey: 'products:edge', effectiveFrom: '2025-06-01', ratePct: 16 },
    ]);
    const { entries, verdict } = await chainOf('litware-1');
    expect(verdict).toEqual({ intact: true, entries: 1 });
    expect(entries[0]).toMatchObject({
      type: 'partner-created',
      actor: 'dana',
      details: { partnerId: 'litware-1', stage: 'enhanced', version: 1 },
    });
  });

  it('twice is "exists" with the stored partner, and nothing is doubled (partner, rates, audit)', async () => {
    await createPartner(context.deps, newPartner('litware-2'), 'dana');
    const before = await context.snapshot();
    const again = await createPartner(
      context.deps,
      newPartner('litware-2', { name: 'Another name' }),
      'luis',
    );
    expect(again).toMatchObject({ outcome: 'exists', current: { name: 'Litware litware-2', version: 1 } });
    expect(await context.snapshot()).toEqual(before);
  });

  it('concurrently from several writers creates it once', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => createPartner(context.deps, newPartner('litware-race'), 'dana')),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'exists')).toHaveLength(3);
    const { entries, verdict } = await chainOf('litware-race');
    expect(verdict.intact).toBe(true);
    expect(entries).toHaveLength(1);
    expect(await context.deps.partners.rateSchedule('litware-race')).toHaveLength(2);
  });

  it('seeds the demo partners through the same audited create, and a re-seed writes nothing', async () => {
    for (const demo of demoPartners) {
      const { entries, verdict } = await chainOf(demo.partnerId);
      expect(verdict.intact).toBe(true);
      expect(entries.map((entry) => [entry.type, entry.actor])).toEqual([['partner-created', SEED_ACTOR]]);
    }
    const before = await context.snapshot();
    const { seedDemoPartners } = await import('../../local/seed.ts');
    expect(await seedDemoPartners(context.deps)).toBe(0);
    expect(await context.snapshot()).toEqual(before);
  });
});

describe('updating a partner', () => {
  it('replaces the profile, bumps the version, keeps the stage and audits each field before → after', async () => {
    await createPartner(context.deps, newPartner('litware-3'), 'dana');
    const created = (await context.deps.partners.get('litware-3'))!;
    const editedAt = context.clock.set(new Date(context.clock.now().getTime() + 5 * 60_000)).toISOString();
    const profile = { ...profileOf(created), name: 'Litware Group', region: undefined, tags: ['msp'] };
    const outcome = await updatePartner(context.deps, 'litware-3', 1, profile, 'luis');
    expect(outcome).toMatchObject({
      outcome: 'updated',
      partner: { version: 2, name: 'Litware Group', stage: 'enhanced' },
    });
    const stored = (await context.deps.partners.get('litware-3'))!;
    expect(stored).toMatchObject({
      version: 2,
      name: 'Litware Group',
      stage: 'enhanced',
      tags: ['msp'],
      createdAt: created.createdAt,
      updatedAt: editedAt,
    });
    expect(stored.region).toBeUndefined();
    const { entries, verdict } = await chainOf('litware-3');
    expect(verdict).toEqual({ intact: true, entries: 2 });
    expect(entries[1]).toMatchObject({
      type: 'partner-updated',
      actor: 'luis',
      details: {
        partnerId: 'litware-3',
        version: { before: 1, after: 2 },
        changes: {
          name: { before: 'Litware litware-3', after: 'Litware Group' },
          region: { before: 'EMEA', after: null },
          tags: { before: ['cloud', 'var'], after: ['msp'] },
        },
      },
    });
    expect(Object.keys(entries[1]!.details.changes as object).sort()).toEqual(['name', 'region', 'tags']);
  });

  it('with the same profile writes nothing: no audit entry, the version kept', async () => {
    await createPartner(context.deps, newPartner('litware-4'), 'dana');
    const current = (await context.deps.partners.get('litware-4'))!;
    const before = await context.snapshot();
    // Key order and tag order do not make a profile different.
    const reordered = { ...profileOf(current), tags: [...(current.tags ?? [])].reverse() };
    const outcome = await updatePartner(context.deps, 'litware-4', 1, reordered, 'luis');
    expect(outcome).toMatchObject({ outcome: 'unchanged', partner: { version: 1 } });
    expect(await context.snapshot()).toEqual(before);
  });

  it('from one version by two editors at once: one is updated, the other told the current version', async () => {
    await createPartner(context.deps, newPartner('litware-5'), 'dana');
    const current = (await context.deps.partners.get('litware-5'))!;
    const [a, b] = await Promise.all([
      updatePartner(context.deps, 'litware-5', 1, { ...profileOf(current), name: 'Edited by Dana' }, 'dana'),
      updatePartner(context.deps, 'litware-5', 1, { ...profileOf(current), name: 'Edited by Luis' }, 'luis'),
    ]);
    const outcomes = [a.outcome, b.outcome].sort();
    expect(outcomes).toEqual(['updated', 'version-conflict']);
    const conflict = [a, b].find((outcome) => outcome.outcome === 'version-conflict');
    expect(conflict).toMatchObject({ currentVersion: 2, current: { version: 2 } });
    const { entries, verdict } = await chainOf('litware-5');
    expect(verdict.intact).toBe(true);
    expect(entries.filter((entry) => entry.type === 'partner-updated')).toHaveLength(1);
  });

  it('from a stale version is a version conflict and writes nothing', async () => {
    await createPartner(context.deps, newPartner('litware-6'), 'dana');
    const current = (await context.deps.partners.get('litware-6'))!;
    await updatePartner(context.deps, 'litware-6', 1, { ...profileOf(current), tier: 'gold' }, 'dana');
    const before = await context.snapshot();
    const stale = await updatePartner(
      context.deps,
      'litware-6',
      1,
      { ...profileOf(current), tier: 'platinum' },
      'luis',
    );
    expect(stale).toMatchObject({
      outcome: 'version-conflict',
      currentVersion: 2,
      current: { tier: 'gold' },
    });
    expect(await context.snapshot()).toEqual(before);
  });

  it('of no partner is "unknown-partner"', async () => {
    const profile = profileOf(newPartner('nobody'));
    expect(await updatePartner(context.deps, 'nobody', 1, profile, 'dana')).toEqual({
      outcome: 'unknown-partner',
    });
  });
});

describe('a partner recorded before the directory (no version, dates or search text)', () => {
  it('reads as version 1, is found by name, and is edited from version 1 to 2', async () => {
    const legacy = newPartner('legacy-1', { name: 'Old Timer Systems' });
    const { openingRates: _rates, ...item } = legacy;
    await context.deps.documentClient.send(
      new PutCommand({ TableName: context.deps.tables.partners, Item: item }),
    );
    expect(await context.deps.partners.get('legacy-1')).toMatchObject({
      version: 1,
      createdAt: LEGACY_PARTNER_INSTANT,
      updatedAt: LEGACY_PARTNER_INSTANT,
    });
    const found = await context.deps.partners.page({ q: 'Old Timer', limit: 10 });
    expect(found !== 'invalid-cursor' && found.partners.map((partner) => partner.partnerId)).toEqual([
      'legacy-1',
    ]);
    const edited = await updatePartner(
      context.deps,
      'legacy-1',
      1,
      { ...profileOf(legacy), tier: 'gold' },
      'dana',
    );
    expect(edited).toMatchObject({ outcome: 'updated', partner: { version: 2 } });
    expect(await context.deps.partners.get('legacy-1')).toMatchObject({ version: 2, tier: 'gold' });
    // Now it has search text: found case-insensitively like any other.
    const again = await context.deps.partners.page({ q: 'old timer', limit: 10 });
    expect(again !== 'invalid-cursor' && again.partners.map((partner) => partner.partnerId)).toEqual([
      'legacy-1',
    ]);
  });
});
