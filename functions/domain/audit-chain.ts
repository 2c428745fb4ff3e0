import { createHash } from 'node:crypto';
import type { AuditEntryType } from './audit-entry-types.ts';
import { canonicalJson } from './canonical-json.ts';

// The list lives in its own module, free of node:crypto, so the console can offer the types as a filter.
export { type AuditEntryType, auditEntryTypes } from './audit-entry-types.ts';

/**
 * Principle 8: every step writes an append-only audit entry, and each entry's hash covers the previous
 * entry's hash, so altering or removing any entry (or the tail, thanks to the stream head) is detectable.
 */
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

/** What can be wrong with one stream; each names the first entry (seq) where it shows. */
export type StreamProblemKind =
  /** The entry's content no longer matches its hash: a field was edited. */
  | 'altered'
  /** Seqs are skipped: entries were deleted from the middle. */
  | 'missing'
  /** The entry hashes as a later seq than it is stored at: entries were reordered. */
  | 'reordered'
  /** The entry hashes as an earlier seq than it is stored at: an entry was inserted before it. */
  | 'inserted'
  /** The entry is self-consistent but does not link to its predecessor: the predecessor was replaced. */
  | 'broken-link'
  /** The head is past the last entry: the tail was deleted. */
  | 'truncated-tail'
  /** Entries past the head: appended without the chain's head, or the head was rolled back. */
  | 'beyond-head'
  /** The head names another hash than the last entry's, or is gone while entries remain. */
  | 'head-mismatch'
  /** A digest sealed this stream further than it now goes: tail deleted and head rolled back together. */
  | 'rolled-back'
  /** The entry a digest sealed is not the one stored now: the chain was rewritten with fresh hashes. */
  | 'rewritten';

export interface StreamProblem {
  stream: string;
  seq: number;
  kind: StreamProblemKind;
  message: string;
}

/** The fields a stored entry has: what its hash covers (auditEntryHash), and the hash. */
const ENTRY_FIELDS: ReadonlySet<string> = new Set([
  'stream',
  'seq',
  'prevHash',
  'type',
  'at',
  'actor',
  'details',
  'hash',
]);

/** Candidate seqs tried to place a moved entry: beyond this a moved entry is reported as altered. */
const MAX_SEQ_CANDIDATES = 10_000;

/** The seq `entry` was hashed at, when it is not the one it is stored at (a moved entry); else undefined. */
function hashedSeqOf(entry: AuditEntry, upTo: number): number | undefined {
  const { hash, ...unhashed } = entry;
  for (let seq = 1; seq <= Math.min(upTo, MAX_SEQ_CANDIDATES); seq += 1) {
    if (seq !== entry.seq && auditEntryHash({ ...unhashed, seq }) === hash) return seq;
  }
  return undefined;
}

/**
 * Recomputes every hash and link of one stream's entries (as stored, keyed by seq) against its head and,
 * when a digest sealed the stream, against the sealed head. A chain is read as broken from its first bad
 * entry on, so at most one chain problem is reported, then the head's and the digest's.
 */
export function verifyStream(
  stream: string,
  entries: readonly AuditEntry[],
  head: AuditStreamHead | undefined,
  sealed?: { seq: number; hash: string; digest: number },
): StreamProblem[] {
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  const problems: StreamProblem[] = [];
  const problem = (seq: number, kind: StreamProblemKind, message: string) =>
    problems.push({ stream, seq, kind, message });
  const lastSeq = Math.max(sorted.at(-1)?.seq ?? 0, head?.seq ?? 0, sealed?.seq ?? 0);
  let prevHash = GENESIS_HASH;
  for (const [index, entry] of sorted.entries()) {
    const expected = index + 1;
    if (entry.seq !== expected) {
      problem(
        expected,
        'missing',
        entry.seq - 1 === expected
          ? `Entry ${expected} is missing: it was deleted.`
          : `Entries ${expected} to ${entry.seq - 1} are missing: they were deleted.`,
      );
      break;
    }
    const { hash, ...unhashed } = entry;
    const uncovered = Object.keys(entry).filter((key) => !ENTRY_FIELDS.has(key));
    if (uncovered.length > 0) {
      problem(
        entry.seq,
        'altered',
        `Entry ${entry.seq} carries ${uncovered.map((key) => JSON.stringify(key)).join(', ')}, which its hash does not cover: it was edited.`,
      );
      break;
    }
    if (auditEntryHash(unhashed) !== hash) {
      const hashedAt = hashedSeqOf(entry, lastSeq + 1);
      if (hashedAt === undefined)
        problem(
          entry.seq,
          'altered',
          `Entry ${entry.seq} was edited: its content no longer matches its hash.`,
        );
      else if (hashedAt > entry.seq)
        problem(
          entry.seq,
          'reordered',
          `Entry ${entry.seq} was recorded as entry ${hashedAt}: entries were reordered.`,
        );
      else
        problem(
          entry.seq,
          'inserted',
          `Entry ${entry.seq} was recorded as entry ${hashedAt}: ${entry.seq - hashedAt === 1 ? 'an entry was' : `${entry.seq - hashedAt} entries were`} inserted before it.`,
        );
      break;
    }
    if (entry.prevHash !== prevHash) {
      problem(
        entry.seq,
        'broken-link',
        `Entry ${entry.seq} does not link to entry ${entry.seq - 1}: the entry before it was replaced or inserted.`,
      );
      break;
    }
    prevHash = hash;
  }
  const chainBroken = problems.length > 0;
  const last = sorted.at(-1);
  const lastStored = last?.seq ?? 0;
  if (!chainBroken) {
    if (!head && last)
      problem(1, 'head-mismatch', `The stream's head is gone while ${sorted.length} entries remain.`);
    else if (head && head.seq > lastStored)
      problem(
        lastStored + 1,
        'truncated-tail',
        `Entries ${lastStored + 1} to ${head.seq} are missing after the last one: the tail was deleted.`,
      );
    else if (head && head.seq < lastStored)
      problem(
        head.seq + 1,
        'beyond-head',
        `Entry ${head.seq + 1} is past the head (seq ${head.seq}): appended outside the chain, or the head was rolled back.`,
      );
    else if (head && head.hash !== prevHash)
      problem(head.seq, 'head-mismatch', `The head names another hash than entry ${head.seq}'s.`);
  }
  if (sealed) {
    const sealedEntry = sorted.find((entry) => entry.seq === sealed.seq);
    if (!sealedEntry && (head?.seq ?? 0) < sealed.seq && lastStored < sealed.seq)
      problem(
        lastStored + 1,
        'rolled-back',
        `Digest ${sealed.digest} sealed this stream at entry ${sealed.seq}, but it now ends at ${lastStored}: entries ${lastStored + 1} to ${sealed.seq} were deleted and the head rolled back.`,
      );
    else if (sealedEntry && sealedEntry.hash !== sealed.hash)
      problem(
        sealed.seq,
        'rewritten',
        `Entry ${sealed.seq} is not the one digest ${sealed.digest} sealed: the chain was rewritten.`,
      );
  }
  return problems;
}

const legacyProblemText: Partial<Record<StreamProblemKind, string>> = {
  altered: 'entry altered',
  missing: 'entry missing',
  'broken-link': 'link to previous entry broken',
  'truncated-tail': 'entries after the last one were removed',
};

/** Recomputes every hash and link; the head proves the tail was not cut off (verifyStream, first problem). */
export function verifyChain(entries: readonly AuditEntry[], head: AuditStreamHead | undefined): ChainVerdict {
  const [first] = verifyStream(entries[0]?.stream ?? '', entries, head);
  if (!first) return { intact: true, entries: entries.length };
  return { intact: false, seq: first.seq, problem: legacyProblemText[first.kind] ?? first.kind };
}
