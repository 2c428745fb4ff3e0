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

export interface Partner {
  partnerId: string;
  name: string;
  stage: RelationshipStage;
  allianceManager: AllianceManager;
  contacts: PartnerContact[];
}

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
