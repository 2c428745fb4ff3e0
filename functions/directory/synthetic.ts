import type { AllianceManager } from '../domain/partner.ts';
import type { RelationshipStage } from '../domain/relationship-stage.ts';
import type { NewPartner } from './profile.ts';

/**
 * A realistic synthetic partner directory for benchmarks and demos (`pcn partners generate N`): the same
 * seed always gives the same partners. Stages come in the TECP pyramid's proportions (most partners are
 * transactional, few are in a partnership), each partner has one to three contacts (at least one primary), a
 * region, a tier that follows its stage, a few tags and an opening partner-wide rate that rises with the stage.
 * Every partner passes `newPartnerSchema`: they are rows of the import format as they are.
 */

/** The pyramid: the share of partners at each stage. */
export const stageShares: Readonly<Record<RelationshipStage, number>> = {
  transactional: 0.6,
  enhanced: 0.25,
  collaborative: 0.12,
  partnership: 0.03,
};

/** The partner managers of the local demo staff (local/seed.ts), so a generated directory works locally. */
export const syntheticAllianceManagers: readonly AllianceManager[] = [
  { userId: 'dana', name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
  { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
  { userId: 'aisha', name: 'Aisha Mensah', email: 'aisha.mensah@vendor.example' },
  { userId: 'rita', name: 'Rita Okafor', email: 'rita.okafor@vendor.example' },
];

/** The day generated opening rates apply from. */
export const SYNTHETIC_RATES_FROM = '2025-01-01';

const firstWords = [
  'Alder',
  'Apex',
  'Arbor',
  'Atlas',
  'Aurora',
  'Beacon',
  'Birch',
  'Blue Harbor',
  'Brightline',
  'Cascade',
  'Cedar',
  'Clearwater',
  'Cobalt',
  'Copper Hill',
  'Crestview',
  'Delta',
  'Evergreen',
  'Falcon',
  'Fjord',
  'Granite',
  'Harbor',
  'Highland',
  'Horizon',
  'Ironwood',
  'Juniper',
  'Keystone',
  'Lakeside',
  'Lumen',
  'Maple',
  'Meridian',
  'Northgate',
  'Oakridge',
  'Orbit',
  'Pinnacle',
  'Quarry',
  'Redwood',
  'Ridgeline',
  'Riverbend',
  'Sable',
  'Silverline',
  'Summit',
  'Tidewater',
  'Trident',
  'Vantage',
  'Westbrook',
  'Willow',
];
const middleWords = [
  'Cloud',
  'Data',
  'Digital',
  'Network',
  'Systems',
  'Software',
  'IT',
  'Infrastructure',
  'Security',
  'Analytics',
  'Office',
  'Tech',
  'Compute',
  'Storage',
  'Telecom',
  'Business',
  'Edge',
  'Integration',
];
const lastWords = [
  'Solutions',
  'Partners',
  'Group',
  'Services',
  'Consulting',
  'Distribution',
  'Resellers',
  'Technologies',
  'Labs',
  'Associates',
  'Alliance',
  'Works',
];
const cities = [
  'Lisbon',
  'Austin',
  'Osaka',
  'Leeds',
  'Lyon',
  'Porto',
  'Denver',
  'Perth',
  'Oslo',
  'Cork',
  'Pune',
  'Quito',
];
const givenNames = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Farah',
  'Goran',
  'Hana',
  'Ivan',
  'Jade',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Uma',
  'Viktor',
  'Wei',
  'Yara',
  'Zoe',
];
const familyNames = [
  'Adeyemi',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jansen',
  'Kowalski',
  'Larsen',
  'Moreno',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quinn',
  'Rossi',
  'Silva',
  'Tanaka',
  'Usman',
  'Varga',
  'Weber',
  'Xu',
  'Yilmaz',
  'Zhang',
];
const regions = [
  ['EMEA', 0.38],
  ['NA', 0.34],
  ['APAC', 0.18],
  ['LATAM', 0.1],
] as const;
const tierOfStage: Readonly<Record<RelationshipStage, readonly string[]>> = {
  transactional: ['registered', 'registered', 'silver'],
  enhanced: ['silver', 'silver', 'gold'],
  collaborative: ['gold', 'gold', 'platinum'],
  partnership: ['platinum'],
};
/** The partner-wide opening rate's range by stage, in percent (in steps of 0.5). */
const rateRange: Readonly<Record<RelationshipStage, readonly [number, number]>> = {
  transactional: [8, 12],
  enhanced: [11, 15],
  collaborative: [14, 18],
  partnership: [17, 22],
};
const tagPool = [
  'reseller',
  'msp',
  'var',
  'distributor',
  'integrator',
  'consulting',
  'cloud',
  'security',
  'smb',
  'enterprise',
  'public-sector',
  'healthcare',
  'retail',
  'manufacturing',
  'finance',
  'education',
];

/**
 * Mulberry32: a tiny, fast, well-distributed 32-bit generator. The functions code has no random library and
 * needs only a repeatable stream of numbers (not cryptographic quality); fast-check is a test dependency.
 */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` partners (ids prm-000001 …), the same for the same seed. */
export function syntheticPartners(count: number, seed = 1): NewPartner[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a whole number ≥ 0');
  const random = generator(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const weighted = <T>(entries: readonly (readonly [T, number])[]): T => {
    let roll = random();
    for (const [item, weight] of entries) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return entries.at(-1)![0];
  };
  const stages = Object.entries(stageShares) as [RelationshipStage, number][];
  const names = new Set<string>();
  const partners: NewPartner[] = [];
  for (let index = 0; index < count; index += 1) {
    const partnerId = `prm-${String(index + 1).padStart(6, '0')}`;
    const stage = weighted(stages);
    let name = `${pick(firstWords)} ${random() < 0.6 ? `${pick(middleWords)} ` : ''}${pick(lastWords)}`;
    if (names.has(name)) name = `${name} ${pick(cities)}`;
    if (names.has(name)) name = `${name} ${index + 1}`;
    names.add(name);
    const domain = `${name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')}.example`;
    const contactCount = weighted([
      [1, 0.35],
      [2, 0.45],
      [3, 0.2],
    ] as const);
    const usedEmails = new Set<string>();
    const contacts = Array.from({ length: contactCount }, (_, c) => {
      const given = pick(givenNames);
      const family = pick(familyNames);
      let local = `${given}.${family}`.toLowerCase();
      if (usedEmails.has(local)) local = `${local}${c + 1}`;
      usedEmails.add(local);
      return {
        contactId: `${partnerId}-c${c + 1}`,
        name: `${given} ${family}`,
        email: `${local}@${domain}`,
        // The first is primary; a second or third is a fallback two times in three.
        role: c === 0 || random() < 1 / 3 ? ('primary' as const) : ('fallback' as const),
      };
    });
    const tags = [...new Set(Array.from({ length: Math.floor(random() * 4) }, () => pick(tagPool)))].sort();
    const [low, high] = rateRange[stage];
    const ratePct = low + Math.floor(random() * ((high - low) * 2 + 1)) / 2;
    partners.push({
      partnerId,
      stage,
      name,
      region: weighted(regions),
      tier: pick(tierOfStage[stage]),
      ...(tags.length > 0 ? { tags } : {}),
      allianceManager: pick(syntheticAllianceManagers),
      contacts,
      openingRates: [{ ratePct, effectiveFrom: SYNTHETIC_RATES_FROM }],
    });
  }
  return partners;
}
