import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { PartnerStore } from '../functions/adapters/dynamodb/partner-store.ts';
import type { Dependencies } from '../functions/dependencies.ts';
import type { Partner } from '../functions/domain/partner.ts';
import { ALL_SCOPE, entryKeyOf, type RateScheduleEntry } from '../functions/domain/rate-schedule.ts';

/** Demo partners across the four relationship stages, so a new user can act at once. */
export const demoPartners: readonly (Partner & { ratePct: number })[] = [
  {
    partnerId: 'northwind-resellers',
    name: 'Northwind Resellers',
    stage: 'transactional',
    ratePct: 12,
    allianceManager: { name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
    contacts: [{ contactId: 'nw-ops', name: 'Priya Raman', email: 'priya.raman@northwind.example' }],
  },
  {
    partnerId: 'contoso-value-partners',
    name: 'Contoso Value Partners',
    stage: 'enhanced',
    ratePct: 15,
    allianceManager: { name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
    contacts: [
      { contactId: 'cv-finance', name: 'Maya Chen', email: 'maya.chen@contoso.example' },
      { contactId: 'cv-ceo', name: 'Tom Becker', email: 'tom.becker@contoso.example' },
    ],
  },
  {
    partnerId: 'fabrikam-solutions',
    name: 'Fabrikam Solutions',
    stage: 'collaborative',
    ratePct: 18,
    allianceManager: { name: 'Aisha Mensah', email: 'aisha.mensah@vendor.example' },
    contacts: [{ contactId: 'fb-alliances', name: 'Jonas Berg', email: 'jonas.berg@fabrikam.example' }],
  },
  {
    partnerId: 'tailspin-msp',
    name: 'Tailspin MSP Alliance',
    stage: 'partnership',
    ratePct: 20,
    allianceManager: { name: 'Rita Okafor', email: 'rita.okafor@vendor.example' },
    contacts: [
      { contactId: 'ts-partner-office', name: 'Elena Petrova', email: 'elena.petrova@tailspin.example' },
      { contactId: 'ts-cfo', name: 'Sam Rivera', email: 'sam.rivera@tailspin.example' },
    ],
  },
  {
    partnerId: 'adventure-works',
    name: 'Adventure Works Distribution',
    stage: 'transactional',
    ratePct: 10,
    allianceManager: { name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
    contacts: [{ contactId: 'aw-sales', name: 'Kim Novak', email: 'kim.novak@adventure-works.example' }],
  },
];

/** The demo partners' opening rate applies from this day. */
export const SEED_RATES_FROM = '2025-01-01';

/** Idempotent: existing partners (and their schedules) are left as they are. */
export async function seedDemoPartners(deps: Dependencies): Promise<number> {
  const store = new PartnerStore(deps.documentClient, deps.tables);
  let created = 0;
  for (const { ratePct, ...partner } of demoPartners) {
    if (!(await store.create(partner))) continue;
    created += 1;
    const entry: RateScheduleEntry = {
      partnerId: partner.partnerId,
      scopeKey: ALL_SCOPE,
      effectiveFrom: SEED_RATES_FROM,
      ratePct,
      recordedAt: `${SEED_RATES_FROM}T00:00:00.000Z`,
    };
    await deps.documentClient.send(
      new PutCommand({
        TableName: deps.tables.rateSchedule,
        Item: { ...entry, entryKey: entryKeyOf(entry) },
      }),
    );
  }
  return created;
}
