import { noticeIdOf, type StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { OutgoingEmail } from '../adapters/email/notice-mailer.ts';
import type { Dependencies } from '../dependencies.ts';
import { toIsoDate } from '../domain/calendar.ts';
import type { NoticeRecipient, NoticeRecord } from '../domain/change.ts';
import { type NoticeContent, noticeContentHash, renderNoticeEmail } from '../domain/notice.ts';
import { type Partner, type PartnerContact, primaryContacts } from '../domain/partner.ts';
import { applyDateReason, applyNotBefore } from '../domain/submission-rules.ts';
import { trustEvent } from '../domain/trust-rules.ts';
import { act } from './act.ts';
import { kindOf } from './change-kind.ts';
import { deliverQueuedMessages, sendEmails } from './deliver.ts';
import { noticeLink } from './links.ts';
import { progressOf, type WorkflowProgress } from './progress.ts';

export class ChangeNotFound extends Error {
  override readonly name = 'ChangeNotFound';
}

export class PartnerMissing extends Error {
  override readonly name = 'PartnerMissing';
}

export async function partnerOf(deps: Dependencies, change: StoredChange): Promise<Partner> {
  const partner = await deps.partners.get(change.partnerId);
  if (!partner)
    throw new PartnerMissing(`Partner ${change.partnerId} of change ${change.changeId} is missing`);
  return partner;
}

/** The notice as the partner sees it, for a change and the apply date it announces. */
export function noticeContentFor(
  deps: Pick<Dependencies, 'kinds'>,
  change: StoredChange,
  partner: Partner,
  notice: { noticeId: string; version: number; applyAt: Date },
): NoticeContent {
  const { title, lines, example } = kindOf(deps, change.kind).notice(change.terms);
  const previous = change.notice;
  return {
    noticeId: notice.noticeId,
    noticeVersion: notice.version,
    changeId: change.changeId,
    kind: change.kind,
    partnerName: partner.name,
    partnerStage: change.partnerStage,
    title,
    terms: lines,
    ...(example ? { example } : {}),
    effectiveDate: change.effectiveDate,
    appliesFrom: toIsoDate(notice.applyAt),
    noticePeriodDays: change.noticePeriodDays,
    adverse: change.adverse,
    acknowledgementRequired: change.adverse,
    ...(change.emergency ? { emergency: change.emergency } : {}),
    rationale: change.rationale,
    allianceManager: { name: partner.allianceManager.name, email: partner.allianceManager.email },
    ...(previous && change.revisionPlan
      ? {
          replaces: { version: previous.version, comparedToPrevious: change.revisionPlan.comparedToPrevious },
        }
      : {}),
  };
}

/** A notice email for each recipient, each with its own signed link. */
export async function noticeEmails(
  deps: Dependencies,
  change: StoredChange,
  content: NoticeContent,
  recipients: readonly Pick<PartnerContact, 'contactId' | 'name' | 'email'>[],
  applyAt: Date,
  variant: {
    kind: 'notice' | 'fallback-notice' | 'reminder';
    tag: string;
    preface?: string;
    subject?: (original: string) => string;
  },
): Promise<OutgoingEmail[]> {
  return Promise.all(
    recipients.map(async (contact) => {
      const link = await noticeLink(deps, {
        changeId: change.changeId,
        noticeId: content.noticeId,
        contactId: contact.contactId,
        applyAt,
      });
      const rendered = renderNoticeEmail(content, contact.name, link, variant.preface);
      return {
        messageId: `${content.noticeId}#${variant.tag}#${contact.contactId}`,
        kind: variant.kind,
        changeId: change.changeId,
        to: [{ name: contact.name, email: contact.email }],
        ...rendered,
        ...(variant.subject ? { subject: variant.subject(rendered.subject) } : {}),
        links: [link],
      };
    }),
  );
}

/** Delivery marks a delivery's step carries in its own transaction (beside the change and two audit items). */
const MAX_MARKS_IN_STEP = 90;

/**
 * Workflow step: the notice (or a revised version) is committed first — its content, the apply date it
 * announces, one queued email per recipient — and only then emailed, so a partner who opens the link the
 * moment the email arrives always finds the notice. Then delivery is recorded: the notice period counts from
 * it, so a late delivery moves the apply date out, never in. Every part is idempotent (a retried or re-driven
 * step re-sends nothing that went out).
 */
export async function sendNotice(deps: Dependencies, changeId: string): Promise<WorkflowProgress> {
  const stored = await deps.changes.get(changeId);
  if (!stored) throw new ChangeNotFound(`No change ${changeId}`);
  let change: StoredChange = stored;
  let committed: OutgoingEmail[] | undefined;
  if (change.status === 'notice-due') ({ change, emails: committed } = await commitNotice(deps, change));
  // Strict here, unlike a person's step: the notice period counts from delivery, so an email that cannot go
  // out fails the task (Retry, then the named failure state) instead of waiting for the sweep. The notice's
  // emails committed just now are known: sent without reading them back, and marked delivered in the
  // delivery's own transaction. A retried step finds them queued (or marked) and reads them instead.
  if (committed) {
    const delivered = await sendEmails(deps, committed);
    change = await recordDelivery(deps, change, delivered, delivered);
  } else {
    const delivered = await deliverQueuedMessages(deps, changeId);
    change = await recordDelivery(deps, change, delivered);
  }
  const progress = progressOf(change, deps.policy, deps.clock.now());
  // Delivery still unrecorded (a primary contact's email not delivered yet): wait for the next deadline and
  // look again then, rather than looping straight back into this step.
  return progress.next === 'send-notice' ? { ...progress, next: 'wait' } : progress;
}

/** Commits the notice; `emails` are its emails, left queued for the caller, when this call committed it. */
async function commitNotice(
  deps: Dependencies,
  known: StoredChange,
): Promise<{ change: StoredChange; emails?: OutgoingEmail[] }> {
  const changeId = known.changeId;
  const outcome = await act(
    deps,
    changeId,
    async (current, now) => {
      if (current.status !== 'notice-due') return { refuse: 'already-sent' };
      const partner = await partnerOf(deps, current);
      const kind = kindOf(deps, current.kind);
      const terms = await kind.termsAtNotice(deps, current);
      const withTerms: StoredChange = { ...current, terms };
      const version = (current.notice?.version ?? 0) + 1;
      const noticeId = noticeIdOf(changeId, version);
      const keep = current.revisionPlan?.keepApplyAt;
      const applyAt = keep
        ? new Date(keep)
        : applyNotBefore(current.effectiveDate, now, current.noticePeriodDays);
      const content = noticeContentFor(deps, withTerms, partner, { noticeId, version, applyAt });
      const contentHash = noticeContentHash(content);
      // A revision also goes to the fallback contacts who were told about an earlier version.
      const earlierFallbacks = (current.notice?.recipients ?? []).filter((r) => r.role === 'fallback');
      const contacts: PartnerContact[] = [
        ...primaryContacts(partner),
        ...partner.contacts.filter((contact) =>
          earlierFallbacks.some((r) => r.contactId === contact.contactId),
        ),
      ];
      const recipients: NoticeRecipient[] = contacts.map(({ contactId, name, email, role }) => ({
        contactId,
        name,
        email,
        role,
      }));
      const notice: NoticeRecord = {
        noticeId,
        version,
        contentHash,
        issuedAt: now.toISOString(),
        applyAt: applyAt.toISOString(),
        applyAtReason: keep
          ? `Kept from notice version ${current.notice?.version}: the revision is not worse for the partner.`
          : applyDateReason(current.effectiveDate, now, current.noticePeriodDays),
        recipients,
      };
      const emergencyDebit =
        current.emergency && version === 1
          ? deps.trust.recordEvents([
              trustEvent('emergency-short-notice', {
                partnerId: current.partnerId,
                stage: current.partnerStage,
                at: now,
                cause: `change#${changeId}`,
                source: { type: 'notice-sent', id: noticeId },
                changeId,
              }),
            ])
          : [];
      const messages = await noticeEmails(deps, withTerms, content, contacts, applyAt, {
        kind: 'notice',
        tag: 'notice',
      });
      return {
        event: 'send-notice' as const,
        to: current.adverse ? ('notice-sent' as const) : ('scheduled' as const),
        patch: { terms, notice, followUp: { remindersSent: 0 } },
        remove: ['acknowledgement', 'revisionPlan', 'heldSince'],
        audit: {
          type: 'notice-sent' as const,
          actor: 'workflow',
          details: {
            noticeId,
            noticeVersion: version,
            contentHash,
            terms: kind.view(terms),
            recipients: recipients.map(({ contactId, email, role }) => ({ contactId, email, role })),
            applyAt: notice.applyAt,
            applyAtReason: notice.applyAtReason,
            ...(current.emergency ? { emergency: true } : {}),
          },
        },
        items: [
          deps.changes.saveNotice({
            noticeId,
            changeId,
            version,
            contentHash,
            content,
            issuedAt: notice.issuedAt,
          }),
          ...emergencyDebit,
        ],
        messages,
        result: messages,
      };
    },
    { fromWorkflow: true, known, callerDelivers: true },
  );
  return outcome.ok
    ? { change: outcome.change, emails: outcome.result }
    : { change: outcome.change ?? known };
}

/**
 * Records when the notice reached the partner; the apply date is counted from it and can only move later.
 * `deliveries` holds the delivery time of each of the change's delivered emails, by message id.
 */
async function recordDelivery(
  deps: Dependencies,
  known: StoredChange,
  deliveries: ReadonlyMap<string, string>,
  /** Deliveries not marked yet: marked in this step's transaction, or on their own if it records nothing. */
  unmarked?: ReadonlyMap<string, string>,
): Promise<StoredChange> {
  const marks = [...(unmarked ?? [])];
  // The step's own items (change, audit entry and head) leave room for a partner's few contacts; a huge
  // contact list is marked on its own rather than overflow DynamoDB's 100-item transaction.
  const marksWithin = marks.length <= MAX_MARKS_IN_STEP;
  const outcome = await act(
    deps,
    known.changeId,
    async (current) => {
      const notice = current.notice;
      if (!notice || notice.deliveredAt) return { refuse: 'nothing-to-record' };
      const deliveredAt = (contactId: string): string | undefined =>
        deliveries.get(`${notice.noticeId}#notice#${contactId}`);
      const recipients = notice.recipients.map((recipient) => {
        const at = deliveredAt(recipient.contactId);
        return at ? { ...recipient, deliveredAt: at } : recipient;
      });
      const primaries = recipients.filter((recipient) => recipient.role === 'primary');
      if (primaries.some((recipient) => !recipient.deliveredAt)) return { refuse: 'not-delivered-yet' };
      const delivered =
        primaries
          .map((recipient) => recipient.deliveredAt!)
          .sort()
          .at(-1) ?? notice.issuedAt;
      const keep = notice.applyAtReason.startsWith('Kept from');
      const fromDelivery = applyNotBefore(
        current.effectiveDate,
        new Date(delivered),
        current.noticePeriodDays,
      );
      const moved = !keep && fromDelivery > new Date(notice.applyAt);
      const updated: NoticeRecord = {
        ...notice,
        recipients,
        deliveredAt: delivered,
        ...(moved
          ? {
              applyAt: fromDelivery.toISOString(),
              applyAtReason: applyDateReason(
                current.effectiveDate,
                new Date(delivered),
                current.noticePeriodDays,
              ),
            }
          : {}),
      };
      return {
        event: 'record-delivery' as const,
        to: current.status,
        patch: { notice: updated },
        ...(marksWithin
          ? { items: marks.map(([id, at]) => deps.changes.markDeliveredWithin(current.changeId, id, at)) }
          : {}),
        audit: {
          type: 'notice-delivered' as const,
          actor: 'email-provider',
          details: {
            noticeId: notice.noticeId,
            deliveredAt: delivered,
            recipients: recipients.map(({ contactId, deliveredAt: at }) => ({ contactId, deliveredAt: at })),
            applyAt: updated.applyAt,
          },
        },
        result: undefined,
      };
    },
    { fromWorkflow: true, known },
  );
  if (marks.length > 0 && (!outcome.ok || !marksWithin))
    await deps.changes.markMessagesDelivered(known.changeId, new Map(marks));
  return outcome.change ?? known;
}
