import { parseNoticeId, type StoredChange, type StoredNotice } from '../adapters/dynamodb/change-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import type { AcknowledgementLinkClaims } from '../domain/acknowledgement-link.ts';
import { DAY_MS } from '../domain/calendar.ts';
import { type AcknowledgementRecord, type DisputeState, isDisputeOpen } from '../domain/change.ts';
import type { ChangeStatus } from '../domain/lifecycle.ts';
import type { AllianceManagerContact } from '../domain/notice.ts';
import { trustEvent } from '../domain/trust-rules.ts';
import { act } from './act.ts';
import { commitChangeStep } from './commit.ts';
import { verifyLink } from './links.ts';

export type LinkProblem = 'tampered' | 'foreign' | 'expired' | 'unknown-notice';

/**
 * Where the notice a link opens stands: open (the partner can act), superseded by a newer version, or closed
 * because the change was withdrawn (or never went out).
 */
export type NoticeState = 'open' | 'superseded' | 'withdrawn';

/** Where a notice stands for whoever looks at it: the partner through a link, or staff previewing it. */
export interface NoticeStanding {
  state: NoticeState;
  acknowledgement?: AcknowledgementRecord;
  /** An open concern about this change, if any. */
  dispute?: DisputeState;
}

export type OpenedNotice =
  | ({
      ok: true;
      claims: AcknowledgementLinkClaims;
      change: StoredChange;
      notice: StoredNotice;
    } & NoticeStanding)
  | {
      ok: false;
      problem: LinkProblem;
      /**
       * Whom to ask for a fresh link, named only when we signed the link (expired, or a notice we cannot
       * find): a tampered or foreign link reveals nothing of a partner's notice to whoever holds it.
       */
      contact?: AllianceManagerContact;
    };

async function standingOf(
  deps: Dependencies,
  change: StoredChange,
  notice: StoredNotice,
): Promise<NoticeStanding> {
  const current = change.notice?.noticeId === notice.noticeId;
  // The change carries its current notice's acknowledgement (written in the same transaction as the record);
  // an earlier version's is read from its record.
  const acknowledgement = current
    ? change.acknowledgement?.noticeId === notice.noticeId
      ? change.acknowledgement
      : undefined
    : await deps.changes.acknowledgement(change.changeId, notice.noticeId);
  const state: NoticeState = !current ? 'superseded' : change.status === 'withdrawn' ? 'withdrawn' : 'open';
  return {
    state,
    ...(acknowledgement ? { acknowledgement } : {}),
    ...(change.dispute && isDisputeOpen(change) ? { dispute: change.dispute } : {}),
  };
}

/** The partner's alliance manager today (a fresh link comes from whoever looks after the partner now). */
async function allianceManagerOf(
  deps: Dependencies,
  change: StoredChange | undefined,
): Promise<AllianceManagerContact | undefined> {
  const partner = change ? await deps.partners.get(change.partnerId) : undefined;
  return partner ? { name: partner.allianceManager.name, email: partner.allianceManager.email } : undefined;
}

async function refusedWithContact(
  deps: Dependencies,
  problem: LinkProblem,
  change: StoredChange | undefined,
): Promise<OpenedNotice> {
  const contact = await allianceManagerOf(deps, change);
  return { ok: false, problem, ...(contact ? { contact } : {}) };
}

/**
 * Checks a link and loads what it shows. Opening changes nothing of the change (mail scanners open links
 * too); the notice page records the first open apart (recordFirstOpen).
 */
export async function openNotice(deps: Dependencies, noticeId: string, token: string): Promise<OpenedNotice> {
  const verdict = await verifyLink(deps, token, noticeId);
  if (!verdict.valid) {
    // Expired means our signature on this very notice id: the holder was sent it, so may learn whom to ask.
    if (verdict.problem === 'expired' && verdict.claims) {
      return refusedWithContact(deps, 'expired', await deps.changes.get(verdict.claims.changeId));
    }
    return { ok: false, problem: verdict.problem };
  }
  const version = parseNoticeId(noticeId)?.version;
  const { change, notice } =
    version === undefined
      ? { change: await deps.changes.get(verdict.claims.changeId), notice: undefined }
      : await deps.changes.changeWithNotice(verdict.claims.changeId, version);
  // A validly signed link to a notice we never recorded is refused as unknown.
  if (!change?.notice || !notice || notice.noticeId !== noticeId)
    return refusedWithContact(deps, 'unknown-notice', change);
  const current = change.notice.noticeId === noticeId;
  // A valid signature for someone who is not a recipient of the notice in force is foreign.
  if (
    current &&
    !change.notice.recipients.some((recipient) => recipient.contactId === verdict.claims.contactId)
  ) {
    return { ok: false, problem: 'foreign' };
  }
  return { ok: true, claims: verdict.claims, change, notice, ...(await standingOf(deps, change, notice)) };
}

/**
 * Records the first open of a notice version's link by its recipient (an audit entry `notice-opened`, and
 * so the public notice.opened): a link opened, maybe by a mail scanner, never a person's act — it changes
 * nothing of the change. Once per version and recipient (a marker written in the same transaction; a repeat
 * finds it and writes nothing), only for the notice in force. Never fails the page: a record that cannot be
 * written is logged, and the partner still sees the notice.
 */
export async function recordFirstOpen(
  deps: Dependencies,
  opened: Extract<OpenedNotice, { ok: true }>,
  userAgent: string,
): Promise<'recorded' | 'already-recorded' | 'not-recorded'> {
  const { change, notice, claims } = opened;
  if (opened.state !== 'open') return 'not-recorded';
  try {
    if (await deps.changes.wasOpened(change.changeId, notice.noticeId, claims.contactId))
      return 'already-recorded';
    const openedAt = deps.clock.now().toISOString();
    await commitChangeStep(
      deps,
      { changeId: change.changeId, partnerId: change.partnerId, kind: change.kind, status: change.status },
      {
        type: 'notice-opened',
        at: openedAt,
        actor: 'notice-link',
        details: {
          noticeId: notice.noticeId,
          contactId: claims.contactId,
          userAgent: userAgent.slice(0, 300),
          openedBy: 'the link was opened: by the recipient or by a mail scanner',
        },
      },
      (head) => [
        deps.changes.markOpened(change.changeId, {
          noticeId: notice.noticeId,
          contactId: claims.contactId,
          openedAt,
        }),
        deps.changes.noteAuditHead(change.changeId, head),
      ],
      change.auditHead,
    );
    return 'recorded';
  } catch (error) {
    // A concurrent first open won the marker: recorded once either way.
    if (error instanceof ConditionNotMet) return 'already-recorded';
    deps.logger.error('Could not record the notice being opened', {
      changeId: change.changeId,
      noticeId: notice.noticeId,
      error: error as Error,
    });
    return 'not-recorded';
  }
}

export type NoticePreview =
  | ({ ok: true; notice: StoredNotice } & NoticeStanding)
  | { ok: false; problem: 'unknown-change' | 'no-notice' };

/**
 * The latest notice of a change as its partner sees it, for staff (the console shows the partner's page):
 * the same standing a partner's link would find, without a link.
 */
export async function previewNotice(deps: Dependencies, changeId: string): Promise<NoticePreview> {
  const change = await deps.changes.get(changeId);
  if (!change) return { ok: false, problem: 'unknown-change' };
  const notice = change.notice ? await deps.changes.notice(changeId, change.notice.version) : undefined;
  if (!notice) return { ok: false, problem: 'no-notice' };
  return { ok: true, notice, ...(await standingOf(deps, change, notice)) };
}

export type AcknowledgementOutcome =
  | { outcome: 'recorded' | 'already-recorded'; notice: StoredNotice; acknowledgement: AcknowledgementRecord }
  | { outcome: 'refused'; problem: LinkProblem; contact?: AllianceManagerContact }
  | { outcome: 'closed'; state: Exclude<NoticeState, 'open'>; notice: StoredNotice };

/** Where an acknowledgement moves a change: a held or waiting adverse change is now scheduled. */
function afterAcknowledgement(status: ChangeStatus): ChangeStatus {
  return status === 'notice-sent' || status === 'escalated' || status === 'held' ? 'scheduled' : status;
}

/**
 * The partner's button: records what exactly was shown (content hash and version), when and from where, once
 * per notice version. A repeat click finds the record and changes nothing. The waiting workflow is resumed.
 */
export async function acknowledgeNotice(
  deps: Dependencies,
  input: { noticeId: string; token: string; sourceIp: string; userAgent: string },
): Promise<AcknowledgementOutcome> {
  const opened = await openNotice(deps, input.noticeId, input.token);
  if (!opened.ok) {
    return {
      outcome: 'refused',
      problem: opened.problem,
      ...(opened.contact ? { contact: opened.contact } : {}),
    };
  }
  if (opened.acknowledgement) {
    return { outcome: 'already-recorded', notice: opened.notice, acknowledgement: opened.acknowledgement };
  }
  if (opened.state !== 'open') return { outcome: 'closed', state: opened.state, notice: opened.notice };
  const { claims, notice } = opened;
  const result = await act<AcknowledgementRecord, 'superseded' | 'withdrawn' | 'already-recorded'>(
    deps,
    opened.change.changeId,
    async (change, now) => {
      if (change.notice?.noticeId !== notice.noticeId) return { refuse: 'superseded' as const };
      if (change.status === 'withdrawn') return { refuse: 'withdrawn' as const };
      if (change.acknowledgement?.noticeId === notice.noticeId)
        return { refuse: 'already-recorded' as const };
      const acknowledgement: AcknowledgementRecord = {
        noticeId: notice.noticeId,
        noticeVersion: notice.version,
        contentHash: notice.contentHash,
        acknowledgedAt: now.toISOString(),
        contactId: claims.contactId,
        sourceIp: input.sourceIp,
        userAgent: input.userAgent.slice(0, 300),
      };
      const policy = deps.policy.stages[change.partnerStage];
      const deliveredAt = change.notice.deliveredAt ?? change.notice.issuedAt;
      const firstReminderAt = Date.parse(deliveredAt) + (policy.reminderDays[0] ?? 0) * DAY_MS;
      const prompt =
        change.adverse && now.getTime() < firstReminderAt
          ? deps.trust.recordEvents([
              trustEvent('prompt-acknowledgement', {
                partnerId: change.partnerId,
                stage: change.partnerStage,
                at: now,
                cause: `notice#${notice.noticeId}`,
                source: { type: 'acknowledged', id: notice.noticeId },
                changeId: change.changeId,
              }),
            ])
          : [];
      return {
        event: 'acknowledge' as const,
        to: afterAcknowledgement(change.status),
        patch: { acknowledgement },
        audit: {
          type: 'acknowledgement-recorded' as const,
          actor: `partner:${acknowledgement.contactId}`,
          details: { ...acknowledgement },
        },
        items: [deps.changes.saveAcknowledgement(change.changeId, acknowledgement), ...prompt],
        result: acknowledgement,
      };
    },
    { known: opened.change },
  );
  if (result.ok) return { outcome: 'recorded', notice, acknowledgement: result.result };
  if (result.refusal === 'superseded' || result.refusal === 'withdrawn') {
    return { outcome: 'closed', state: result.refusal, notice };
  }
  // Someone else's click got in first: it is recorded.
  const recorded = await deps.changes.acknowledgement(opened.change.changeId, notice.noticeId);
  if (!recorded) return { outcome: 'refused', problem: 'unknown-notice' };
  return { outcome: 'already-recorded', notice, acknowledgement: recorded };
}
