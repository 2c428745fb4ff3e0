import type { PolicyChange } from '../adapters/dynamodb/policy-change-store.ts';
import type { ManifestLine } from '../adapters/dynamodb/policy-recipient-store.ts';
import type { EmailKind, OutgoingEmail } from '../adapters/email/notice-mailer.ts';
import type { Dependencies } from '../dependencies.ts';
import { addDays } from '../domain/calendar.ts';
import { humanDate, plainEmail } from '../domain/notice.ts';
import { fallbackContacts, type PartnerContact, primaryContacts } from '../domain/partner.ts';
import { signLink } from '../notices/links.ts';
import type { ContactEmail } from './sending.ts';

/**
 * The claim a policy notice's link is signed for: one policy change, one partner, one notice version, so a
 * link of an older version is recognised as replaced and a link never works for another partner.
 */
export function policyNoticeId(policyChangeId: string, partnerId: string, version: number): string {
  return `policy-notice:${policyChangeId}:${partnerId}:v${version}`;
}

/** The day a link stops working: well after the policy change takes effect (a late answer is still kept). */
export function linkExpiry(
  deps: Dependencies,
  change: Pick<PolicyChange, 'effectiveDate' | 'takesEffectAt'>,
): Date {
  const takes = change.takesEffectAt ?? `${change.effectiveDate}T00:00:00.000Z`;
  return addDays(new Date(takes), deps.policy.linkValidAfterApplyDays);
}

export function policyNoticePath(policyChangeId: string, partnerId: string): string {
  return `/policy-notices/${encodeURIComponent(policyChangeId)}/${encodeURIComponent(partnerId)}`;
}

async function link(
  deps: Dependencies,
  change: PolicyChange,
  partnerId: string,
  version: number,
  contactId: string,
): Promise<string> {
  const token = await signLink(deps, {
    changeId: change.policyChangeId,
    noticeId: policyNoticeId(change.policyChangeId, partnerId, version),
    contactId,
    expiresAt: linkExpiry(deps, change).getTime(),
  });
  return `${deps.publicBaseUrl}${policyNoticePath(change.policyChangeId, partnerId)}?token=${encodeURIComponent(token)}`;
}

/** What each round tells a partner. */
const wording: Record<
  'notice' | 'revised-notice' | 'reminder' | 'escalation' | 'withdrawal',
  { kind: EmailKind; subject: (title: string, date: string) => string; lead: string; withLink: boolean }
> = {
  notice: {
    kind: 'notice',
    subject: (title, date) => `Notice of a programme policy change: ${title}, from ${date}`,
    lead: 'We are changing a programme policy that applies to you. Here is what changes, why, and when.',
    withLink: true,
  },
  'revised-notice': {
    kind: 'notice',
    subject: (title, date) => `Revised notice of a programme policy change: ${title}, from ${date}`,
    lead: 'We have revised a programme policy change we told you about. This notice replaces the earlier one: please read and acknowledge this version.',
    withLink: true,
  },
  reminder: {
    kind: 'reminder',
    subject: (title, date) => `Reminder: please acknowledge the policy change ${title} (from ${date})`,
    lead: 'We have not yet received your acknowledgement of this programme policy change.',
    withLink: true,
  },
  escalation: {
    kind: 'fallback-notice',
    subject: (title, date) => `Your attention please: policy change ${title}, from ${date}`,
    lead: 'Nobody at your company has acknowledged this programme policy change yet, so we are writing to you as well.',
    withLink: true,
  },
  withdrawal: {
    kind: 'withdrawal',
    subject: (title) => `Withdrawn: the programme policy change ${title}`,
    lead: 'The programme policy change we told you about has been withdrawn. It will not take effect, and nothing changes for you.',
    withLink: false,
  },
};

export type PolicyEmailWording = keyof typeof wording;

/**
 * One email per contact, each with that contact's own signed link. The message id names the round, the
 * partner and the contact, so a retried batch never sends twice.
 */
export async function policyEmails(
  deps: Dependencies,
  change: PolicyChange,
  line: ManifestLine,
  roundId: string,
  version: number,
  what: PolicyEmailWording,
  contacts: readonly PartnerContact[],
): Promise<ContactEmail[]> {
  const words = wording[what];
  const date = humanDate((change.takesEffectAt ?? change.effectiveDate).slice(0, 10));
  const paragraphs = [
    `Dear ${line.name} team,`,
    words.lead,
    '',
    change.title,
    change.summary,
    ...(what === 'withdrawal'
      ? []
      : [
          `Why: ${change.rationale}`,
          `It takes effect on ${date}.`,
          change.policyText
            ? `The policy: ${change.policyText}`
            : `The policy document: ${change.document?.uri ?? ''} (SHA-256 ${change.document?.sha256 ?? ''})`,
          'Acknowledging tells us you have received and read it; it does not mean you agree. If something worries you, raise a concern from the same page: your alliance manager will answer you in writing.',
        ]),
    ...(line.allianceManager
      ? [`Your alliance manager: ${line.allianceManager.name}, ${line.allianceManager.email}`]
      : []),
  ];
  return Promise.all(
    contacts.map(async (contact) => {
      const href = words.withLink
        ? await link(deps, change, line.partnerId, version, contact.contactId)
        : undefined;
      const rendered = plainEmail(
        words.subject(change.title, date),
        paragraphs,
        href ? { href, label: 'Read and acknowledge the policy change' } : undefined,
      );
      const email: OutgoingEmail = {
        messageId: `${change.policyChangeId}/${roundId}/${line.partnerId}/${contact.contactId}`,
        kind: words.kind,
        changeId: change.policyChangeId,
        to: [{ name: contact.name, email: contact.email }],
        ...rendered,
        links: href ? [href] : [],
      };
      return { contactId: contact.contactId, email };
    }),
  );
}

/** The contacts a round writes to first, and the fallback contacts it tries if none of those can be reached. */
export function roundContacts(
  line: Pick<ManifestLine, 'contacts'>,
  escalation: boolean,
): { first: PartnerContact[]; fallback: PartnerContact[] } {
  const primary = primaryContacts(line);
  const fallback = fallbackContacts(line);
  // An escalation goes to the fallback contacts too (a partner's silence is never just one inbox).
  if (escalation) return { first: [...primary, ...fallback], fallback: [] };
  return { first: primary, fallback };
}

/** The alliance manager's copy of an escalation: who has not answered. */
export function escalationNoticeForManager(
  change: PolicyChange,
  line: ManifestLine,
  roundId: string,
): OutgoingEmail | undefined {
  const manager = line.allianceManager;
  if (!manager) return undefined;
  const rendered = plainEmail(
    `Escalation: ${line.name} has not acknowledged the policy change ${change.title}`,
    [
      `${line.name} (${line.partnerId}) has not acknowledged the programme policy change "${change.title}" (${change.policyChangeId}).`,
      'Its fallback contacts have been told too. Please reach out to the partner.',
    ],
  );
  return {
    messageId: `${change.policyChangeId}/${roundId}/${line.partnerId}/alliance-manager`,
    kind: 'escalation',
    changeId: change.policyChangeId,
    to: [{ name: manager.name, email: manager.email }],
    ...rendered,
    links: [],
  };
}
