import * as z from 'zod';
import { canonicalJson } from '../domain/canonical-json.ts';
import type { Partner, PartnerProfile } from '../domain/partner.ts';
import { scopeKeyOf } from '../domain/rate-schedule.ts';
import { relationshipStages } from '../domain/relationship-stage.ts';
import { calendarDate, identifier, idText, ratePct } from '../http/schemas.ts';

/**
 * The partner profile as a client writes it (the API, the CLI, an import row): one place for its rules, so
 * the routes, the import and the synthetic generator accept exactly the same partners.
 */

const MAX_CONTACTS = 20;
const MAX_TAGS = 20;
const MAX_OPENING_RATES = 50;

/** A short label (region, tier, tag): trimmed, bounded, printable. */
const label = (maximum: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(maximum, `must be at most ${maximum} characters`)
    .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

const personName = label(200);

const email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be a valid email address (name@domain)'));

/**
 * The partner's external id (its id in the company's CRM or PRM): letters, digits and . _ : @ -, so it sits
 * in a URL path, a CSV cell and a DynamoDB key as it is.
 */
export const externalPartnerId = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/,
    'must start with a letter or digit and hold only letters, digits and . _ : @ -',
  )
  .describe('The partner’s external id: the id the company’s CRM or PRM knows it by.');

export const allianceManagerSchema = z
  .strictObject({
    userId: idText.describe('The staff user who owns the relationship.'),
    name: personName,
    email,
  })
  .describe('The vendor’s person who owns the relationship.');

export const contactSchema = z.strictObject({
  contactId: idText.describe('Unique within the partner.'),
  name: personName,
  email,
  role: z.enum(['primary', 'fallback'], "must be 'primary' or 'fallback'"),
});

const contactsSchema = z
  .array(contactSchema)
  .min(1, 'must list at least one contact')
  .max(MAX_CONTACTS, `must list at most ${MAX_CONTACTS} contacts`)
  .superRefine((contacts, context) => {
    if (!contacts.some((contact) => contact.role === 'primary')) {
      context.addIssue({
        code: 'custom',
        message: 'must include at least one primary contact (notices go to the primary contacts)',
      });
    }
    const seen = new Set<string>();
    contacts.forEach((contact, index) => {
      if (seen.has(contact.contactId)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'contactId'],
          message: `repeats contact id ${contact.contactId}: each contact id must be unique within the partner`,
        });
      }
      seen.add(contact.contactId);
    });
  });

/** Tags are a set: duplicates dropped and sorted, so the same tags always compare (and export) the same. */
const tagsSchema = z
  .array(label(50))
  .max(MAX_TAGS, `must list at most ${MAX_TAGS} tags`)
  .transform((tags) => [...new Set(tags)].sort());

const profileShape = {
  name: label(200).describe('The partner’s name as shown to staff and in notices.'),
  region: label(50).optional().describe('e.g. EMEA, NA, APAC.'),
  tier: label(50).optional().describe('The programme tier, e.g. gold.'),
  tags: tagsSchema.optional(),
  allianceManager: allianceManagerSchema,
  contacts: contactsSchema,
};

/** What an edit may change. The stage is not part of it: moving a partner's stage is a change of its own. */
export const partnerProfileSchema = z.strictObject(profileShape);

export const openingRateSchema = z.strictObject({
  ratePct: ratePct.describe('Commission rate in percent.'),
  effectiveFrom: calendarDate.describe('First day (UTC) the rate applies to bookings.'),
  product: identifier.optional().describe('Only for this product (default: every product).'),
  account: identifier.optional().describe('Only for this account (default: every account).'),
});
export type OpeningRate = z.output<typeof openingRateSchema>;

/** The scope key an opening rate applies to ('all' for a partner-wide rate). */
export function scopeKeyOfOpeningRate(rate: Pick<OpeningRate, 'product' | 'account'>): string {
  return scopeKeyOf({
    ...(rate.product ? { products: [rate.product] } : {}),
    ...(rate.account ? { accounts: [rate.account] } : {}),
  });
}

/** A new partner: its profile, its external id, its stage and (optionally) its opening rate schedule. */
export const newPartnerSchema = z.strictObject({
  partnerId: externalPartnerId,
  stage: z.enum(relationshipStages, `must be one of ${relationshipStages.join(', ')}`),
  ...profileShape,
  openingRates: z
    .array(openingRateSchema)
    .max(MAX_OPENING_RATES, `must list at most ${MAX_OPENING_RATES} rates`)
    .superRefine((rates, context) => {
      // Two entries for one scope and day would be one schedule entry written twice.
      const seen = new Set<string>();
      rates.forEach((rate, index) => {
        const key = `${scopeKeyOfOpeningRate(rate)}#${rate.effectiveFrom}`;
        if (seen.has(key)) {
          context.addIssue({
            code: 'custom',
            path: [index, 'effectiveFrom'],
            message: 'repeats another opening rate’s scope and day',
          });
        }
        seen.add(key);
      });
    })
    .optional()
    .describe('The opening rate schedule (e.g. one partner-wide rate).'),
});

export type NewPartner = z.output<typeof newPartnerSchema>;
export type PartnerProfileInput = z.output<typeof partnerProfileSchema>;

/** The profile of a stored (or new) partner: exactly the fields an edit may change, absent ones left out. */
export function profileOf(partner: PartnerProfile | Partner | NewPartner): PartnerProfile {
  return {
    name: partner.name,
    ...(partner.region !== undefined ? { region: partner.region } : {}),
    ...(partner.tier !== undefined ? { tier: partner.tier } : {}),
    ...(partner.tags !== undefined && partner.tags.length > 0
      ? { tags: [...new Set(partner.tags)].sort() }
      : {}),
    allianceManager: {
      userId: partner.allianceManager.userId,
      name: partner.allianceManager.name,
      email: partner.allianceManager.email,
    },
    contacts: partner.contacts.map(({ contactId, name, email, role }) => ({ contactId, name, email, role })),
  };
}

/**
 * Whether two profiles say the same (key order, absent versus empty tags and tag order aside; contact order
 * counts, it is how they are listed). An import row equal to the stored profile is "unchanged": no write.
 */
export function sameProfile(a: PartnerProfile, b: PartnerProfile): boolean {
  return canonicalJson(profileOf(a)) === canonicalJson(profileOf(b));
}

/** The fields that differ between two profiles, each before → after (an update's audit details). */
export function profileChanges(
  before: PartnerProfile,
  after: PartnerProfile,
): Record<string, { before: unknown; after: unknown }> {
  const from = profileOf(before);
  const to = profileOf(after);
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const field of ['name', 'region', 'tier', 'tags', 'allianceManager', 'contacts'] as const) {
    if (canonicalJson(from[field]) !== canonicalJson(to[field])) {
      changes[field] = { before: from[field] ?? null, after: to[field] ?? null };
    }
  }
  return changes;
}
