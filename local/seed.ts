import type { Dependencies } from '../functions/dependencies.ts';
import type { NewPartner } from '../functions/directory/profile.ts';
import { createPartner } from '../functions/directory/write.ts';
import type { StaffMember } from '../functions/domain/partner.ts';

/** Demo partners across the four relationship stages, so a new user can act at once. */
export const demoPartners: readonly (Omit<NewPartner, 'openingRates'> & { ratePct: number })[] = [
  {
    partnerId: 'northwind-resellers',
    name: 'Northwind Resellers',
    stage: 'transactional',
    region: 'EMEA',
    tier: 'registered',
    tags: ['reseller', 'smb'],
    ratePct: 12,
    allianceManager: { userId: 'dana', name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
    contacts: [
      { contactId: 'nw-ops', name: 'Priya Raman', email: 'priya.raman@northwind.example', role: 'primary' },
      { contactId: 'nw-owner', name: 'Owen Hart', email: 'owen.hart@northwind.example', role: 'fallback' },
    ],
  },
  {
    partnerId: 'contoso-value-partners',
    name: 'Contoso Value Partners',
    stage: 'enhanced',
    region: 'NA',
    tier: 'silver',
    tags: ['cloud', 'var'],
    ratePct: 15,
    allianceManager: { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
    contacts: [
      { contactId: 'cv-finance', name: 'Maya Chen', email: 'maya.chen@contoso.example', role: 'primary' },
      { contactId: 'cv-ceo', name: 'Tom Becker', email: 'tom.becker@contoso.example', role: 'primary' },
      { contactId: 'cv-office', name: 'Ines Duarte', email: 'ines.duarte@contoso.example', role: 'fallback' },
    ],
  },
  {
    partnerId: 'fabrikam-solutions',
    name: 'Fabrikam Solutions',
    stage: 'collaborative',
    region: 'EMEA',
    tier: 'gold',
    tags: ['integrator', 'manufacturing'],
    ratePct: 18,
    allianceManager: { userId: 'aisha', name: 'Aisha Mensah', email: 'aisha.mensah@vendor.example' },
    contacts: [
      {
        contactId: 'fb-alliances',
        name: 'Jonas Berg',
        email: 'jonas.berg@fabrikam.example',
        role: 'primary',
      },
      { contactId: 'fb-ceo', name: 'Lena Vogel', email: 'lena.vogel@fabrikam.example', role: 'fallback' },
    ],
  },
  {
    partnerId: 'tailspin-msp',
    name: 'Tailspin MSP Alliance',
    stage: 'partnership',
    region: 'APAC',
    tier: 'platinum',
    tags: ['managed-services', 'msp'],
    ratePct: 20,
    allianceManager: { userId: 'rita', name: 'Rita Okafor', email: 'rita.okafor@vendor.example' },
    contacts: [
      {
        contactId: 'ts-partner-office',
        name: 'Elena Petrova',
        email: 'elena.petrova@tailspin.example',
        role: 'primary',
      },
      { contactId: 'ts-cfo', name: 'Sam Rivera', email: 'sam.rivera@tailspin.example', role: 'fallback' },
    ],
  },
  {
    partnerId: 'adventure-works',
    name: 'Adventure Works Distribution',
    stage: 'transactional',
    region: 'NA',
    tier: 'registered',
    tags: ['distributor', 'retail'],
    ratePct: 10,
    allianceManager: { userId: 'dana', name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
    contacts: [
      {
        contactId: 'aw-sales',
        name: 'Kim Novak',
        email: 'kim.novak@adventure-works.example',
        role: 'primary',
      },
      {
        contactId: 'aw-owner',
        name: 'Raj Patel',
        email: 'raj.patel@adventure-works.example',
        role: 'fallback',
      },
    ],
  },
];

/** The vendor's demo staff: who submits, approves, manages partners and audits. */
export const demoStaff: readonly StaffMember[] = [
  { userId: 'fiona', name: 'Fiona Grant', email: 'fiona.grant@vendor.example', roles: ['finance'] },
  { userId: 'felix', name: 'Felix Moreau', email: 'felix.moreau@vendor.example', roles: ['finance'] },
  { userId: 'amara', name: 'Amara Osei', email: 'amara.osei@vendor.example', roles: ['approver'] },
  {
    userId: 'victor',
    name: 'Victor Lindqvist',
    email: 'victor.lindqvist@vendor.example',
    roles: ['approver'],
  },
  {
    userId: 'dana',
    name: 'Dana Whitfield',
    email: 'dana.whitfield@vendor.example',
    roles: ['partner-manager'],
  },
  { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example', roles: ['partner-manager'] },
  { userId: 'aisha', name: 'Aisha Mensah', email: 'aisha.mensah@vendor.example', roles: ['partner-manager'] },
  { userId: 'rita', name: 'Rita Okafor', email: 'rita.okafor@vendor.example', roles: ['partner-manager'] },
  { userId: 'carla', name: 'Carla Ruiz', email: 'carla.ruiz@vendor.example', roles: ['compliance'] },
];

/** The demo partners' opening rate applies from this day. */
export const SEED_RATES_FROM = '2025-01-01';

/** The actor of the seed's audit entries (not a person: the demo data set up by `npm start` and the tests). */
export const SEED_ACTOR = 'seed';

/**
 * Idempotent: existing partners (and their schedules) and staff are left as they are. Partners are created
 * through the directory's own create (audited, version 1), so a restart finds them and writes nothing.
 */
export async function seedDemoPartners(deps: Dependencies): Promise<number> {
  for (const member of demoStaff) await deps.staff.create(member);
  let created = 0;
  for (const { ratePct, ...partner } of demoPartners) {
    const outcome = await createPartner(
      deps,
      { ...partner, openingRates: [{ ratePct, effectiveFrom: SEED_RATES_FROM }] },
      SEED_ACTOR,
    );
    if (outcome.outcome === 'created') created += 1;
  }
  return created;
}
