import { addDays } from '../domain/calendar.ts';
import type { NoticeLine } from '../domain/notice.ts';
import type { AllianceManager, StaffMember } from '../domain/partner.ts';
import type { RuleViolation } from '../domain/submission-rules.ts';
import type { TrustRule } from '../domain/trust-rules.ts';

/** A second reassignment within this many days of the last one costs more trust (issue 9). */
export const REPEATED_REASSIGNMENT_WINDOW_DAYS = 365;

/** What a reassignment says, as the reassignment kind stores it in the change's terms. */
export interface ReassignmentTerms {
  /** The partner's alliance manager when the change was decided: the apply is conditioned on it still being. */
  outgoing: AllianceManager;
  /** Who takes over, from the staff directory (name and email as the partner is told them). */
  incoming: AllianceManager;
  /** The day asked for (the change's effective date); the notice's apply date if delivered late. */
  handoverDate: string;
  /**
   * The partner's last applied reassignment, when it applied within REPEATED_REASSIGNMENT_WINDOW_DAYS before
   * this handover date: decided when submitted (and again when the notice goes out), kept in the terms so
   * that trustRules stays a pure function of them.
   */
  lastReassignment?: { changeId: string; appliedAt: string };
}

export type ReassignmentVerdict =
  | { accepted: true; incoming: AllianceManager }
  | { accepted: false; violations: RuleViolation[] };

/**
 * The reassignment kind's own rules: the incoming manager is a known member of staff who can own a partner
 * (the partner-manager role: consultations, escalations and disputes go to them), and is not the partner's
 * manager already. Dates, notice periods and the rationale are the lifecycle's rules.
 */
export function evaluateReassignment(
  field: string,
  incomingUserId: string,
  member: StaffMember | undefined,
  current: AllianceManager,
): ReassignmentVerdict {
  if (!member) {
    return {
      accepted: false,
      violations: [
        { field, rule: 'unknown-staff', reason: `No staff member with userId ${incomingUserId}.` },
      ],
    };
  }
  if (!member.roles.includes('partner-manager')) {
    return {
      accepted: false,
      violations: [
        {
          field,
          rule: 'not-a-partner-manager',
          reason: `${member.name} (${member.userId}) does not have the partner-manager role: an alliance manager must be able to own consultations, escalations and disputes.`,
        },
      ],
    };
  }
  if (member.userId === current.userId) {
    return {
      accepted: false,
      violations: [
        {
          field,
          rule: 'no-change',
          reason: `${member.name} (${member.userId}) is already the partner’s alliance manager: there is nothing to announce.`,
        },
      ],
    };
  }
  return { accepted: true, incoming: { userId: member.userId, name: member.name, email: member.email } };
}

/** The last applied reassignment within the window before `handoverDate`, if any (newest first). */
export function lastReassignmentWithin(
  applied: readonly { changeId: string; appliedAt?: string }[],
  handoverDate: string,
): ReassignmentTerms['lastReassignment'] {
  const since = addDays(new Date(`${handoverDate}T00:00:00.000Z`), -REPEATED_REASSIGNMENT_WINDOW_DAYS);
  const last = applied
    .filter((change): change is { changeId: string; appliedAt: string } => change.appliedAt !== undefined)
    .filter((change) => new Date(change.appliedAt) >= since)
    .sort((a, b) => b.appliedAt.localeCompare(a.appliedAt))[0];
  return last ? { changeId: last.changeId, appliedAt: last.appliedAt } : undefined;
}

/** The ledger rules an applied reassignment earns: always the reassignment, plus the repeat within 12 months. */
export function reassignmentTrustRules(terms: ReassignmentTerms): TrustRule[] {
  return terms.lastReassignment
    ? ['alliance-manager-reassigned', 'repeated-reassignment']
    : ['alliance-manager-reassigned'];
}

/** What the partner reads: who takes over, how to reach them, from when, and who hands over. */
export function reassignmentLines(terms: ReassignmentTerms): NoticeLine[] {
  return [
    { label: 'Your alliance manager now', value: `${terms.outgoing.name} (${terms.outgoing.email})` },
    { label: 'Your new alliance manager', value: `${terms.incoming.name} (${terms.incoming.email})` },
    {
      label: 'Handover date',
      value: `${terms.handoverDate}: from then on ${terms.incoming.name} is your contact for consultations, escalations and concerns`,
    },
    {
      label: 'Until then',
      value: `${terms.outgoing.name} stays your contact and introduces ${terms.incoming.name} to you`,
    },
  ];
}
