import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/**
 * Principle 8: every step writes an append-only audit entry, and each entry's hash covers the previous
 * entry's hash, so altering or removing any entry (or the tail, thanks to the stream head) is detectable.
 */
export const auditEntryTypes = [
  'change-submitted',
  'approval-recorded',
  'self-approval-refused',
  'change-rejected',
  'approval-expired',
  'consultation-reminder-sent',
  'consultation-recorded',
  'notice-sent',
  'notice-delivered',
  'notice-opened',
  'acknowledgement-recorded',
  'reminder-sent',
  'escalated-to-alliance-manager',
  'change-held',
  'held-reminder-sent',
  'escalation-resolved',
  'concern-raised',
  'dispute-reminder-sent',
  'dispute-escalated',
  'dispute-resolved',
  'change-withdrawn',
  'change-applied',
  'handover-recorded',
  'workflow-failed',
  'workflow-retried',
  // The partner directory (stream partner#<partnerId>).
  'partner-created',
  'partner-updated',
  // Program policy changes (stream change#<pol_id>: functions/adapters/dynamodb/policy-change-store.ts).
  'policy-change-submitted',
  'policy-change-approved',
  'policy-change-rejected',
  // Its workflow (workflows/policy-change.asl.json): rounds on the policy change's stream, each batch's
  // writes on the batch's own stream, each partner's acts on the partner's (policy-change-store.ts).
  'policy-round-planned',
  'policy-round-completed',
  'policy-notices-queued',
  'policy-notices-delivered',
  'policy-reminders-sent',
  'policy-escalations-sent',
  'policy-withdrawal-sent',
  'policy-outcomes-recorded',
  'policy-notice-opened',
  'policy-acknowledgement-recorded',
  'policy-concern-raised',
  'policy-concern-answered',
  'policy-change-revised',
  'policy-change-withdrawn',
  'policy-workflow-failed',
] as const;
export type AuditEntryType = (typeof auditEntryTypes)[number];

export interface AuditEntryDraft {
  type: AuditEntryType;
  at: string;
  /** Who caused it: a user id, 'partner:<contactId>' or 'workflow'. */
  actor: string;
  details: Record<string, unknown>;
}

export interface AuditEntry extends AuditEntryDraft {
  stream: string;
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditStreamHead {
  seq: number;
  hash: string;
}

export const GENESIS_HASH = 'sha256:genesis';

export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { stream, seq, prevHash, type, at, actor, details } = entry;
  return `sha256:${createHash('sha256').update(canonicalJson({ stream, seq, prevHash, type, at, actor, details })).digest('hex')}`;
}

export function chainEntries(
  stream: string,
  head: AuditStreamHead | undefined,
  drafts: readonly AuditEntryDraft[],
): { entries: AuditEntry[]; head: AuditStreamHead } {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const entries = drafts.map((draft) => {
    seq += 1;
    const unhashed = { ...draft, stream, seq, prevHash };
    const entry = { ...unhashed, hash: auditEntryHash(unhashed) };
    prevHash = entry.hash;
    return entry;
  });
  return { entries, head: { seq, hash: prevHash } };
}

/** The head a stream has once `entries` (at least one, just chained) are its newest. */
export function headAfter(entries: readonly AuditEntry[]): AuditStreamHead {
  const last = entries.at(-1);
  if (!last) throw new Error('No audit entries: the head did not move');
  return { seq: last.seq, hash: last.hash };
}

export type ChainVerdict =
  | { intact: true; entries: number }
  | { intact: false; seq: number; problem: string };

/** Recomputes every hash and link; the head proves the tail was not cut off. */
export function verifyChain(entries: readonly AuditEntry[], head: AuditStreamHead | undefined): ChainVerdict {
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  let prevHash = GENESIS_HASH;
  for (const [index, entry] of sorted.entries()) {
    if (entry.seq !== index + 1) return { intact: false, seq: index + 1, problem: 'entry missing' };
    if (entry.prevHash !== prevHash)
      return { intact: false, seq: entry.seq, problem: 'link to previous entry broken' };
    const { hash, ...unhashed } = entry;
    if (auditEntryHash(unhashed) !== hash) return { intact: false, seq: entry.seq, problem: 'entry altered' };
    prevHash = hash;
  }
  const last = sorted.at(-1);
  if ((head?.seq ?? 0) !== (last?.seq ?? 0) || (head?.hash ?? GENESIS_HASH) !== prevHash) {
    return { intact: false, seq: (last?.seq ?? 0) + 1, problem: 'entries after the last one were removed' };
  }
  return { intact: true, entries: sorted.length };
}
