import type { RelationshipStage } from './relationship-stage.ts';

export interface PartnerContact {
  contactId: string;
  name: string;
  email: string;
}

export interface Partner {
  partnerId: string;
  name: string;
  stage: RelationshipStage;
  allianceManager: { name: string; email: string };
  contacts: PartnerContact[];
}
