import type { Role } from '../config/roles.ts';
import type { RelationshipStage } from './relationship-stage.ts';

/**
 * A partner contact. Notices go to the primary contacts; fallback contacts are told too once a notice is
 * escalated (nobody answered), so a partner's silence is never just one inbox.
 */
export interface PartnerContact {
  contactId: string;
  name: string;
  email: string;
  role: 'primary' | 'fallback';
}

/** The vendor's person who owns the relationship: consultations, escalations and disputes go to them. */
export interface AllianceManager {
  userId: string;
  name: string;
  email: string;
}

/**
 * A partner of the vendor's programme, as the directory keeps it.
 *
 * `partnerId` IS the partner's external id: the id the company's CRM or PRM knows it by. Creating a partner
 * whose id exists is refused (the first record stays), so an import keyed by it is idempotent: a re-run
 * finds every partner already there and changes nothing unless a row's profile differs.
 *
 * `version` starts at 1 and goes up by one on every write to the partner (a profile edit, a stage move):
 * an edit names the version it was made on, and a stale one is refused instead of silently overwriting.
 * `stage` is changed only by a stage move (a change with a reason, audited and announced), never by an edit.
 */
export interface Partner {
  partnerId: string;
  name: string;
  stage: RelationshipStage;
  region?: string;
  tier?: string;
  /** A set: kept sorted and without duplicates. */
  tags?: string[];
  allianceManager: AllianceManager;
  /** At least one primary; contact ids unique within the partner. */
  contacts: PartnerContact[];
  version: number;
  /** ISO instants. */
  createdAt: string;
  updatedAt: string;
}

/** What an edit of the directory may change: everything but the id, the stage and the bookkeeping. */
export type PartnerProfile = Pick<
  Partner,
  'name' | 'region' | 'tier' | 'tags' | 'allianceManager' | 'contacts'
>;

export function primaryContacts(partner: Pick<Partner, 'contacts'>): PartnerContact[] {
  return partner.contacts.filter((contact) => contact.role !== 'fallback');
}

export function fallbackContacts(partner: Pick<Partner, 'contacts'>): PartnerContact[] {
  return partner.contacts.filter((contact) => contact.role === 'fallback');
}

/** A member of the vendor's staff (finance, approvers, partner managers, compliance). */
export interface StaffMember {
  userId: string;
  name: string;
  email: string;
  roles: Role[];
}
