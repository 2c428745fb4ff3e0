import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  newPartnerSchema,
  partnerProfileSchema,
  profileChanges,
  profileOf,
  sameProfile,
} from '../../functions/directory/profile.ts';
import { stageShares, syntheticPartners } from '../../functions/directory/synthetic.ts';
import { relationshipStages } from '../../functions/domain/relationship-stage.ts';
import { fieldErrors, parseInput } from '../../functions/http/schemas.ts';
import { demoPartners } from '../../local/seed.ts';

const profile = {
  name: 'Litware Partners',
  region: 'EMEA',
  tier: 'gold',
  tags: ['msp', 'cloud'],
  allianceManager: { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
  contacts: [
    { contactId: 'a', name: 'Ada Kim', email: 'ada@litware.example', role: 'primary' as const },
    { contactId: 'b', name: 'Ben Ode', email: 'ben@litware.example', role: 'fallback' as const },
  ],
};

const problems = (
  value: unknown,
  schema: typeof partnerProfileSchema | typeof newPartnerSchema = partnerProfileSchema,
) => {
  const parsed = parseInput(schema, value);
  return parsed.success ? [] : fieldErrors(parsed.error);
};

describe('the partner profile schema', () => {
  it('accepts a profile and keeps tags as a sorted set', () => {
    expect(partnerProfileSchema.parse({ ...profile, tags: ['msp', 'cloud', 'msp'] }).tags).toEqual([
      'cloud',
      'msp',
    ]);
  });

  it('refuses a bad email, no primary contact and a repeated contact id, naming each field', () => {
    const refused = problems({
      ...profile,
      contacts: [
        { contactId: 'a', name: 'Ada', email: 'ada@', role: 'fallback' },
        { contactId: 'a', name: 'Ben', email: 'ben@litware.example', role: 'fallback' },
      ],
    });
    expect(refused).toEqual(
      expect.arrayContaining([
        { field: 'contacts.0.email', reason: 'must be a valid email address (name@domain)' },
        { field: 'contacts', reason: expect.stringContaining('at least one primary contact') },
        { field: 'contacts.1.contactId', reason: expect.stringContaining('unique within the partner') },
      ]),
    );
    expect(refused).toHaveLength(3);
  });

  it('refuses unknown fields, a stage and an id in a profile (an edit never moves a stage)', () => {
    expect(
      problems({ ...profile, stage: 'partnership', partnerId: 'x', colour: 1 })
        .map((p) => p.field)
        .sort(),
    ).toEqual(['colour', 'partnerId', 'stage']);
  });

  it('bounds strings and lists', () => {
    const long = 'x'.repeat(201);
    const refused = problems({
      ...profile,
      name: long,
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
      contacts: Array.from({ length: 21 }, (_, i) => ({ ...profile.contacts[0]!, contactId: `c${i}` })),
    });
    expect(refused.map((p) => p.field).sort()).toEqual(['contacts', 'name', 'tags']);
  });

  it('refuses a new partner with an id unfit for a URL or CSV, an unknown stage, or two opening rates for one scope and day', () => {
    const refused = problems(
      {
        ...profile,
        partnerId: 'a/b c',
        stage: 'best-friends',
        openingRates: [
          { ratePct: 12, effectiveFrom: '2025-01-01' },
          { ratePct: 13, effectiveFrom: '2025-01-01' },
          { ratePct: 12.345, effectiveFrom: '2025-02-30', product: 'a,b' },
        ],
      },
      newPartnerSchema,
    );
    expect(refused.map((p) => p.field).sort()).toEqual([
      'openingRates.1.effectiveFrom',
      'openingRates.2.effectiveFrom',
      'openingRates.2.product',
      'openingRates.2.ratePct',
      'partnerId',
      'stage',
    ]);
  });
});

describe('profileOf and sameProfile', () => {
  const stored = {
    ...partnerProfileSchema.parse(profile),
    partnerId: 'p',
    stage: 'enhanced' as const,
    version: 3,
    createdAt: 'a',
    updatedAt: 'b',
  };

  it('a stored partner has the profile it was written with (id, stage and bookkeeping left out)', () => {
    expect(profileOf(stored)).toEqual(partnerProfileSchema.parse(profile));
    expect(sameProfile(stored, partnerProfileSchema.parse(profile))).toBe(true);
  });

  it('ignores key order, tag order and duplicates, and absent versus empty tags', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(['a', 'b', 'c', 'd'], { minLength: 0 }),
        fc.boolean(),
        (tags, duplicate) => {
          const left = { ...profile, tags: [...tags].sort() };
          const right = {
            contacts: profile.contacts,
            allianceManager: profile.allianceManager,
            tier: 'gold',
            region: 'EMEA',
            name: profile.name,
            ...(tags.length > 0 || duplicate ? { tags: duplicate ? [...tags, ...tags] : tags } : {}),
          };
          expect(sameProfile(left, right)).toBe(true);
        },
      ),
    );
  });

  it('tells any changed field, and contact order, apart', () => {
    const changes: [string, object][] = [
      ['name', { name: 'Other' }],
      ['region', { region: undefined }],
      ['tier', { tier: 'silver' }],
      ['tags', { tags: ['msp'] }],
      ['allianceManager', { allianceManager: { ...profile.allianceManager, email: 'l@vendor.example' } }],
      ['contacts', { contacts: [...profile.contacts].reverse() }],
    ];
    for (const [field, change] of changes) {
      const edited = { ...profile, ...change };
      expect(sameProfile(profile, edited), field).toBe(false);
      expect(Object.keys(profileChanges(profile, edited)), field).toEqual([field]);
    }
  });
});

describe('the synthetic directory', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(syntheticPartners(200, 7)).toEqual(syntheticPartners(200, 7));
    expect(syntheticPartners(200, 8)).not.toEqual(syntheticPartners(200, 7));
  });

  it('has its stages in pyramid proportions (within 2.5 points at 4,000 partners)', () => {
    const partners = syntheticPartners(4000, 42);
    for (const stage of relationshipStages) {
      const share = partners.filter((partner) => partner.stage === stage).length / partners.length;
      expect(Math.abs(share - stageShares[stage]), stage).toBeLessThan(0.025);
    }
  });

  it('gives every partner a unique id, 1–3 contacts with a primary, and passes newPartnerSchema', () => {
    for (const seed of [1, 2, 3, 99, 2026]) {
      const partners = syntheticPartners(300, seed);
      expect(new Set(partners.map((partner) => partner.partnerId)).size).toBe(300);
      for (const partner of partners) {
        const parsed = parseInput(newPartnerSchema, JSON.parse(JSON.stringify(partner)));
        expect(parsed.success ? [] : fieldErrors(parsed.error), partner.partnerId).toEqual([]);
        expect(partner.contacts.length).toBeGreaterThanOrEqual(1);
        expect(partner.contacts.length).toBeLessThanOrEqual(3);
        expect(partner.openingRates).toHaveLength(1);
        // Parsing changes nothing: a generated row is its own canonical form.
        if (parsed.success) expect(parsed.data).toEqual(partner);
      }
    }
  });

  it('the demo partners pass newPartnerSchema too', () => {
    for (const { ratePct, ...partner } of demoPartners) {
      expect(
        problems({ ...partner, openingRates: [{ ratePct, effectiveFrom: '2025-01-01' }] }, newPartnerSchema),
      ).toEqual([]);
    }
  });
});
