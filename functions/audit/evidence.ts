import * as z from 'zod';
import type { StoredChange, StoredNotice } from '../adapters/dynamodb/change-store.ts';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import { type AuditEntry, verifyStream } from '../domain/audit-chain.ts';
import {
  merkleInclusionProof,
  type SignedDigest,
  sortHeads,
  verifyDigests,
  verifyMerkleInclusion,
} from '../domain/audit-digest.ts';
import { noticeContentHash, noticeLines, noticeSubject } from '../domain/notice.ts';
import { kindOf } from '../notices/change-kind.ts';

/**
 * The evidence pack of one change: everything a compliance reviewer (or a court) needs to see that the partner
 * was told, in which words, when, and that the partner acknowledged exactly those words — with the audit
 * chain, the signed digest that seals it and the Merkle path from the change's stream head to that digest's
 * root, so the pack can be checked with the public key alone. One document, as JSON (this schema) and as a
 * PDF (functions/audit/evidence-pdf.ts).
 */

const line = z.object({ label: z.string(), value: z.string() });

const noticeVersionSchema = z.object({
  noticeId: z.string(),
  version: z.number(),
  issuedAt: z.string(),
  subject: z.string(),
  /** The notice's lines in the order the partner reads them (the email's text part). */
  lines: z.array(line),
  rationale: z.string(),
  /** The content exactly as stored and hashed. */
  content: z.record(z.string(), z.unknown()),
  storedContentHash: z.string(),
  recomputedContentHash: z.string(),
  /** The content read now still hashes to what was recorded when the notice went out. */
  contentHashMatches: z.boolean(),
});

const timelineEntrySchema = z.object({
  seq: z.number(),
  at: z.string(),
  type: z.string(),
  actor: z.string(),
  summary: z.string(),
  hash: z.string(),
});

const acknowledgementSchema = z.object({
  seq: z.number(),
  contactId: z.string(),
  recipient: z.object({ name: z.string().optional(), email: z.string().optional() }),
  acknowledgedAt: z.string(),
  sourceIp: z.string(),
  userAgent: z.string(),
  noticeId: z.string(),
  noticeVersion: z.number(),
  contentHash: z.string(),
  /** The acknowledged hash is the one the notice version's content (as stored, recomputed) hashes to. */
  matchesNoticeShown: z.boolean(),
  entryHash: z.string(),
});

const openSchema = z.object({
  seq: z.number(),
  at: z.string(),
  noticeId: z.string(),
  contactId: z.string(),
  userAgent: z.string(),
  label: z.string(),
});

const deliverySchema = z.object({
  seq: z.number(),
  at: z.string(),
  noticeId: z.string(),
  deliveredAt: z.string(),
  recipients: z.array(z.object({ contactId: z.string(), deliveredAt: z.string().optional() })),
  label: z.string(),
});

const proofStepSchema = z.object({ side: z.enum(['left', 'right']), hash: z.string() });

const coveringDigestSchema = z.discriminatedUnion('sealed', [
  z.object({
    sealed: z.literal(true),
    number: z.number(),
    sealedAt: z.string(),
    merkleRoot: z.string(),
    previousDigestHash: z.string(),
    signingKeyId: z.string(),
    algorithm: z.literal('ECDSA_SHA_256'),
    /** Base64 DER, over the digest body's RFC 8785 encoding. */
    signature: z.string(),
    streams: z.number(),
    sealedHead: z.object({ stream: z.string(), seq: z.number(), hash: z.string() }),
    inclusionProof: z.array(proofStepSchema),
    /** Whether the digest seals the stream up to (at least) the last acknowledgement's entry. */
    coversAcknowledgements: z.boolean(),
    message: z.string(),
  }),
  z.object({ sealed: z.literal(false), message: z.string() }),
]);

const problemSchema = z.object({ seq: z.number(), kind: z.string(), message: z.string() });

export const evidencePackSchema = z.object({
  changeId: z.string(),
  kind: z.string(),
  kindLabel: z.string(),
  status: z.string(),
  partner: z.object({ partnerId: z.string(), name: z.string(), stage: z.string() }),
  /** What changes, in one line and as the kind's terms. */
  whatChanges: z.string(),
  terms: z.record(z.string(), z.unknown()),
  effectiveDate: z.string(),
  adverse: z.boolean(),
  submittedBy: z.string(),
  submittedAt: z.string(),
  approvedBy: z.array(z.string()),
  rationale: z.string(),
  notices: z.array(noticeVersionSchema),
  stream: z.string(),
  timeline: z.array(timelineEntrySchema),
  acknowledgements: z.array(acknowledgementSchema),
  /** A link GET (the recipient or a mail scanner): never an acknowledgement, never counted as a person. */
  opens: z.array(openSchema),
  deliveries: z.array(deliverySchema),
  digest: coveringDigestSchema,
  verification: z.object({
    intact: z.boolean(),
    verdict: z.string(),
    stream: z.object({
      entries: z.number(),
      head: z.object({ seq: z.number(), hash: z.string() }).optional(),
      problems: z.array(problemSchema.extend({ stream: z.string() })),
    }),
    digests: z.object({
      count: z.number(),
      problems: z.array(problemSchema.omit({ seq: true }).extend({ number: z.number() })),
    }),
    inclusionProofVerifies: z.boolean().optional(),
    noticeContentProblems: z.array(z.string()),
  }),
  generatedAt: z.string(),
});

export type EvidencePack = z.infer<typeof evidencePackSchema>;

export type EvidenceDeps = Pick<
  Dependencies,
  'changes' | 'partners' | 'audit' | 'digests' | 'digestSigner' | 'clock' | 'kinds'
>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const count = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

/** One audit entry in plain words (what a reviewer reads beside its type and hash). */
export function entrySummary(entry: AuditEntry): string {
  const d = entry.details;
  const notice = text(d.noticeId) ? ` (notice ${text(d.noticeId)})` : '';
  switch (entry.type) {
    case 'change-submitted':
      return `Submitted by ${entry.actor}${d.adverse === true ? ', worse for the partner' : ''}.`;
    case 'approval-recorded':
      return `Approved by ${entry.actor}${typeof d.approvals === 'number' && typeof d.required === 'number' ? ` (${d.approvals} of ${d.required})` : ''}${text(d.comment) ? `: "${text(d.comment)}"` : ''}.`;
    case 'self-approval-refused':
      return `${entry.actor} tried to approve their own change: refused.`;
    case 'change-rejected':
      return `Rejected by ${entry.actor}.`;
    case 'approval-expired':
      return 'Approval was not given in time: the change expired.';
    case 'consultation-recorded':
      return `Consultation with the partner recorded by ${entry.actor}.`;
    case 'notice-sent':
      return `Notice version ${typeof d.noticeVersion === 'number' ? d.noticeVersion : '?'} issued to ${count(d.recipients)} recipient(s)${text(d.applyAt) ? `, to apply from ${text(d.applyAt)}` : ''}.`;
    case 'notice-delivered':
      return `The email provider accepted the notice for ${count(d.recipients)} recipient(s)${text(d.deliveredAt) ? ` by ${text(d.deliveredAt)}` : ''}${notice}.`;
    case 'recipient-unreachable':
      return `The email provider reported contact ${text(d.contactId) ?? '?'} unreachable (${text(d.reason) ?? '?'})${notice}${count(d.fallbackContacts) > 0 ? `: the notice went to ${count(d.fallbackContacts)} fallback contact(s)` : ''}.`;
    case 'notice-opened':
      return `The notice link was opened for contact ${text(d.contactId) ?? '?'}${notice}: by the recipient or a mail scanner, not an acknowledgement.`;
    case 'acknowledgement-recorded':
      return `Acknowledged by contact ${text(d.contactId) ?? '?'} from ${text(d.sourceIp) ?? '?'}: notice version ${typeof d.noticeVersion === 'number' ? d.noticeVersion : '?'}, content ${text(d.contentHash) ?? '?'}.`;
    case 'reminder-sent':
      return `Reminder${typeof d.reminderNumber === 'number' ? ` ${d.reminderNumber}` : ''} sent to ${count(d.recipients)} recipient(s)${notice}.`;
    case 'escalated-to-alliance-manager':
      return 'Not acknowledged in time: escalated to the alliance manager.';
    case 'change-held':
      return 'Held at its apply date: worse for the partner and not acknowledged.';
    case 'escalation-resolved':
      return `Escalation resolved by ${entry.actor}${text(d.outcome) ? `: ${text(d.outcome)}` : ''}.`;
    case 'concern-raised':
      return `The partner raised a concern${text(d.comment) ? `: "${text(d.comment)}"` : ''}.`;
    case 'dispute-resolved':
      return `Concern answered by ${entry.actor}${text(d.outcome) ? ` (${text(d.outcome)})` : ''}.`;
    case 'change-withdrawn':
      return `Withdrawn by ${entry.actor}${text(d.reason) ? `: "${text(d.reason)}"` : ''}.`;
    case 'change-applied':
      return `Applied${text(d.appliedFrom) ? ` from ${text(d.appliedFrom)}` : ''}.`;
    case 'workflow-failed':
      return 'The workflow failed: marked for an operator.';
    case 'workflow-retried':
      return `Workflow retried by ${entry.actor}.`;
    default: {
      const words = entry.type.replaceAll('-', ' ');
      return `${words.charAt(0).toUpperCase()}${words.slice(1)} (by ${entry.actor}).`;
    }
  }
}

function noticeVersionOf(notice: StoredNotice): z.infer<typeof noticeVersionSchema> {
  const recomputed = noticeContentHash(notice.content);
  return {
    noticeId: notice.noticeId,
    version: notice.version,
    issuedAt: notice.issuedAt,
    subject: noticeSubject(notice.content),
    lines: noticeLines(notice.content),
    rationale: notice.content.rationale,
    content: { ...notice.content },
    storedContentHash: notice.contentHash,
    recomputedContentHash: recomputed,
    contentHashMatches: recomputed === notice.contentHash,
  };
}

/** Recipients' names and addresses as the notices named them (the change's current notice has names). */
function recipientsOf(change: StoredChange, entries: readonly AuditEntry[]) {
  const known = new Map<string, { name?: string; email?: string }>();
  for (const entry of entries) {
    if (entry.type !== 'notice-sent' || !Array.isArray(entry.details.recipients)) continue;
    for (const recipient of entry.details.recipients as Record<string, unknown>[]) {
      const contactId = text(recipient.contactId);
      const email = text(recipient.email);
      if (contactId) known.set(contactId, { ...known.get(contactId), ...(email ? { email } : {}) });
    }
  }
  for (const recipient of change.notice?.recipients ?? [])
    known.set(recipient.contactId, { name: recipient.name, email: recipient.email });
  return known;
}

/**
 * The digest covering the change: the latest whose sealed head for the stream has reached the last
 * acknowledgement's entry, else the latest that seals the stream at all; undefined when none does.
 */
function coveringDigestOf(
  digests: readonly SignedDigest[],
  stream: string,
  acknowledgedAt: number | undefined,
): SignedDigest | undefined {
  const sealing = digests.filter((signed) => signed.heads.some((head) => head.stream === stream));
  const reaching =
    acknowledgedAt === undefined
      ? undefined
      : sealing.findLast((signed) =>
          signed.heads.some((head) => head.stream === stream && head.seq >= acknowledgedAt),
        );
  return reaching ?? sealing.at(-1);
}

/**
 * The evidence pack of a change (unknown-change when there is none; forbidden when `mayRead` says the caller
 * may not see this change). Reads the change, its notice versions, its audit stream, the partner and the
 * digest archive; verifies the stream against its head and the latest digest that sealed it, the digest
 * series with the public key, the inclusion proof against the covering digest's root, and each notice
 * version's content against its recorded hash.
 */
export async function evidenceOf(
  deps: EvidenceDeps,
  changeId: string,
  options: { mayRead?: (change: StoredChange) => boolean } = {},
): Promise<EvidencePack | 'unknown-change' | 'forbidden'> {
  const change = await deps.changes.get(changeId);
  if (!change) return 'unknown-change';
  if (options.mayRead && !options.mayRead(change)) return 'forbidden';
  const stream = auditStreamOf(changeId);
  const versions = Array.from({ length: change.notice?.version ?? 0 }, (_, index) => index + 1);
  const [read, partner, digests, publicKeyPem, stored] = await Promise.all([
    deps.audit.stream(stream),
    deps.partners.get(change.partnerId),
    deps.digests.all(),
    deps.digestSigner.publicKeyPem(),
    Promise.all(versions.map((version) => deps.changes.notice(changeId, version))),
  ]);
  const entries = [...read.entries].sort((a, b) => a.seq - b.seq);
  const notices = stored.filter((notice) => notice !== undefined).map(noticeVersionOf);
  const byNoticeId = new Map(notices.map((notice) => [notice.noticeId, notice]));
  const recipients = recipientsOf(change, entries);
  const kind = kindOf(deps, change.kind);

  const acknowledgements = entries
    .filter((entry) => entry.type === 'acknowledgement-recorded')
    .map((entry) => {
      const d = entry.details;
      const noticeId = text(d.noticeId) ?? '';
      const contactId = text(d.contactId) ?? '';
      const contentHash = text(d.contentHash) ?? '';
      const shown = byNoticeId.get(noticeId);
      return {
        seq: entry.seq,
        contactId,
        recipient: recipients.get(contactId) ?? {},
        acknowledgedAt: text(d.acknowledgedAt) ?? entry.at,
        sourceIp: text(d.sourceIp) ?? '',
        userAgent: text(d.userAgent) ?? '',
        noticeId,
        noticeVersion: typeof d.noticeVersion === 'number' ? d.noticeVersion : 0,
        contentHash,
        matchesNoticeShown: shown !== undefined && shown.recomputedContentHash === contentHash,
        entryHash: entry.hash,
      };
    });
  const opens = entries
    .filter((entry) => entry.type === 'notice-opened')
    .map((entry) => ({
      seq: entry.seq,
      at: entry.at,
      noticeId: text(entry.details.noticeId) ?? '',
      contactId: text(entry.details.contactId) ?? '',
      userAgent: text(entry.details.userAgent) ?? '',
      label: 'Link opened (by the recipient or a mail scanner): not an acknowledgement',
    }));
  const deliveries = entries
    .filter((entry) => entry.type === 'notice-delivered')
    .map((entry) => {
      const listed = Array.isArray(entry.details.recipients)
        ? (entry.details.recipients as Record<string, unknown>[])
        : [];
      return {
        seq: entry.seq,
        at: entry.at,
        noticeId: text(entry.details.noticeId) ?? '',
        deliveredAt: text(entry.details.deliveredAt) ?? entry.at,
        recipients: listed.map((recipient) => ({
          contactId: text(recipient.contactId) ?? '',
          ...(text(recipient.deliveredAt) ? { deliveredAt: text(recipient.deliveredAt)! } : {}),
        })),
        label: 'Delivered: the email provider accepted the notice (not an acknowledgement)',
      };
    });

  const lastAcknowledgement = acknowledgements.at(-1)?.seq;
  const covering = coveringDigestOf(digests, stream, lastAcknowledgement);
  // The stream is checked against the furthest any digest sealed it (the latest sealing it): a tail deleted
  // and a head rolled back together show against it.
  const latestSealing = digests.findLast((signed) => signed.heads.some((head) => head.stream === stream));
  const latestSeal = latestSealing?.heads.find((head) => head.stream === stream);
  const streamProblems = verifyStream(
    stream,
    read.entries,
    read.head,
    latestSealing && latestSeal
      ? { seq: latestSeal.seq, hash: latestSeal.hash, digest: latestSealing.digest.number }
      : undefined,
  );
  const digestProblems = verifyDigests(digests, publicKeyPem);

  let digest: EvidencePack['digest'];
  let inclusionProofVerifies: boolean | undefined;
  if (covering) {
    const sorted = sortHeads(covering.heads);
    const index = sorted.findIndex((head) => head.stream === stream);
    const sealedHead = sorted[index]!;
    const inclusionProof = merkleInclusionProof(sorted, index);
    inclusionProofVerifies = verifyMerkleInclusion(sealedHead, inclusionProof, covering.digest.merkleRoot);
    const coversAcknowledgements = lastAcknowledgement === undefined || sealedHead.seq >= lastAcknowledgement;
    digest = {
      sealed: true,
      number: covering.digest.number,
      sealedAt: covering.digest.sealedAt,
      merkleRoot: covering.digest.merkleRoot,
      previousDigestHash: covering.digest.previousDigestHash,
      signingKeyId: covering.digest.signingKeyId,
      algorithm: covering.digest.algorithm,
      signature: covering.signature,
      streams: covering.digest.streams,
      sealedHead: { stream: sealedHead.stream, seq: sealedHead.seq, hash: sealedHead.hash },
      inclusionProof,
      coversAcknowledgements,
      message: coversAcknowledgements
        ? `Digest ${covering.digest.number} seals this change's audit trail up to entry ${sealedHead.seq}${lastAcknowledgement === undefined ? '' : ', including the acknowledgement'}.`
        : `Digest ${covering.digest.number} seals this change's audit trail up to entry ${sealedHead.seq} only: the acknowledgement (entry ${lastAcknowledgement}) is not sealed yet; the next digest will seal it.`,
    };
  } else {
    digest = {
      sealed: false,
      message:
        'Not sealed yet: no signed digest covers this change’s audit trail so far (digests are sealed on a schedule); only its hash chain vouches for it.',
    };
  }

  const noticeContentProblems = notices
    .filter((notice) => !notice.contentHashMatches)
    .map(
      (notice) =>
        `Notice version ${notice.version}'s stored content no longer hashes to ${notice.storedContentHash}: it was altered after it was issued.`,
    );
  const intact =
    streamProblems.length === 0 &&
    digestProblems.length === 0 &&
    inclusionProofVerifies !== false &&
    noticeContentProblems.length === 0;

  return {
    changeId,
    kind: change.kind,
    kindLabel: kind.label,
    status: change.status,
    partner: {
      partnerId: change.partnerId,
      name: partner?.name ?? text(notices.at(-1)?.content.partnerName) ?? change.partnerId,
      stage: change.partnerStage,
    },
    whatChanges: kind.describe(change.terms),
    terms: kind.view(change.terms),
    effectiveDate: change.effectiveDate,
    adverse: change.adverse,
    submittedBy: change.submittedBy,
    submittedAt: change.submittedAt,
    approvedBy: change.approval.approvals.map((approval) => approval.by),
    rationale: change.rationale,
    notices,
    stream,
    timeline: entries.map((entry) => ({
      seq: entry.seq,
      at: entry.at,
      type: entry.type,
      actor: entry.actor,
      summary: entrySummary(entry),
      hash: entry.hash,
    })),
    acknowledgements,
    opens,
    deliveries,
    digest,
    verification: {
      intact,
      verdict: intact
        ? digest.sealed
          ? `intact: every hash of the change's audit trail recomputed, sealed in signed digest ${digest.number}, the digest series verified with the public key.`
          : "intact: every hash of the change's audit trail recomputed; not sealed in a digest yet."
        : `TAMPERED: ${[
            ...streamProblems.map((problem) => `entry ${problem.seq}: ${problem.kind} — ${problem.message}`),
            ...digestProblems.map(
              (problem) => `digest ${problem.number}: ${problem.kind} — ${problem.message}`,
            ),
            ...(inclusionProofVerifies === false
              ? ["the stream's sealed head does not lead to the digest's Merkle root"]
              : []),
            ...noticeContentProblems,
          ].join('; ')}`,
      stream: {
        entries: entries.length,
        ...(read.head ? { head: { seq: read.head.seq, hash: read.head.hash } } : {}),
        problems: streamProblems,
      },
      digests: { count: digests.length, problems: digestProblems },
      ...(inclusionProofVerifies === undefined ? {} : { inclusionProofVerifies }),
      noticeContentProblems,
    },
    generatedAt: deps.clock.now().toISOString(),
  };
}
