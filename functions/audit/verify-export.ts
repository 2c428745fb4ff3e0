import { type AuditEntry, type StreamProblem, verifyStream } from '../domain/audit-chain.ts';
import {
  type DigestProblem,
  type SignedDigest,
  signedDigestSchema,
  verifyDigests,
} from '../domain/audit-digest.ts';

/**
 * Checks an export (`pcn audit export`) with nothing but its files: the entries as JSON Lines in verification
 * order (by stream, then seq), the signed digests and the public key. No table, no AWS credentials: an
 * auditor's own check that the system's record is what the digests sealed. Holds one stream in memory at a time.
 */
export interface ExportVerification {
  intact: boolean;
  streams: number;
  entries: number;
  /** Entries the latest digest seals (the rest were written after it: only their chain vouches for them). */
  sealedEntries: number;
  digests: { count: number; latest?: number; problems: DigestProblem[] };
  problems: StreamProblem[];
  /** Lines that are not an entry at all (not JSON, or missing its stream or seq), by line number. */
  unreadableLines: number[];
}

/** Unreadable lines reported at most (a file that is not an export at all would list every line). */
const MAX_UNREADABLE_REPORTED = 100;

function entryOf(line: string): AuditEntry | undefined {
  try {
    const value = JSON.parse(line) as Partial<AuditEntry> | null;
    if (
      !value ||
      typeof value !== 'object' ||
      typeof value.stream !== 'string' ||
      typeof value.seq !== 'number'
    )
      return undefined;
    return value as AuditEntry;
  } catch {
    return undefined;
  }
}

/** Parses the heads file's lines ({stream, seq, hash}); a line that is not one is left out. */
export function parseHeadLines(text: string): Map<string, { seq: number; hash: string }> {
  const heads = new Map<string, { seq: number; hash: string }>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const head = JSON.parse(line) as { stream?: unknown; seq?: unknown; hash?: unknown };
      if (typeof head.stream === 'string' && typeof head.seq === 'number' && typeof head.hash === 'string')
        heads.set(head.stream, { seq: head.seq, hash: head.hash });
    } catch {
      // Not a head: the stream then has none, which its entries show.
    }
  }
  return heads;
}

/** Parses the digests file's lines (JSON Lines of SignedDigest); lines that are not one read as missing digests. */
export function parseDigestLines(text: string): SignedDigest[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        const parsed = signedDigestSchema.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
}

export async function verifyExport(input: {
  lines: AsyncIterable<string>;
  digests: readonly SignedDigest[];
  publicKeyPem: string;
  /** The heads the export is a snapshot up to (its heads file); without them only the digest anchors. */
  heads?: ReadonlyMap<string, { seq: number; hash: string }>;
  /** Whether the export holds every stream (not one partner's): then a sealed stream absent from it is deleted. */
  complete: boolean;
}): Promise<ExportVerification> {
  const digestProblems = verifyDigests(input.digests, input.publicKeyPem);
  const latest = [...input.digests].sort((a, b) => a.digest.number - b.digest.number).at(-1);
  const sealed = new Map((latest?.heads ?? []).map((head) => [head.stream, head]));
  const seen = new Set<string>();
  const problems: StreamProblem[] = [];
  const unreadableLines: number[] = [];
  let entries = 0;
  let sealedEntries = 0;
  let current: { stream: string; entries: AuditEntry[] } | undefined;
  const finish = () => {
    if (!current) return;
    const { stream, entries: streamEntries } = current;
    const last = streamEntries.at(-1);
    const seal = sealed.get(stream);
    if (seal) sealedEntries += seal.seq;
    // Without the heads file the digest is the only anchor (a tail cut after sealing shows as rolled back).
    const head = input.heads
      ? input.heads.get(stream)
      : last
        ? { seq: last.seq, hash: last.hash }
        : undefined;
    problems.push(
      ...verifyStream(
        stream,
        streamEntries,
        head,
        seal && latest ? { ...seal, digest: latest.digest.number } : undefined,
      ),
    );
  };
  let lineNumber = 0;
  for await (const line of input.lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    const entry = entryOf(line);
    if (!entry) {
      if (unreadableLines.length < MAX_UNREADABLE_REPORTED) unreadableLines.push(lineNumber);
      continue;
    }
    entries += 1;
    if (current?.stream !== entry.stream) {
      finish();
      if (seen.has(entry.stream))
        problems.push({
          stream: entry.stream,
          seq: entry.seq,
          kind: 'reordered',
          message: `Line ${lineNumber}: stream ${entry.stream} appears again after other streams (the export was reordered or spliced).`,
        });
      seen.add(entry.stream);
      current = { stream: entry.stream, entries: [] };
    }
    current.entries.push(entry);
  }
  finish();
  for (const [stream, head] of input.heads ?? [])
    if (!seen.has(stream))
      problems.push({
        stream,
        seq: 1,
        kind: 'truncated-tail',
        message: `The export's heads name ${stream} at entry ${head.seq}, but it has none of its entries: they were removed.`,
      });
  if (input.complete && latest)
    for (const [stream, head] of sealed)
      if (!seen.has(stream))
        problems.push({
          stream,
          seq: 1,
          kind: 'rolled-back',
          message: `Digest ${latest.digest.number} sealed ${stream} at entry ${head.seq}, but the export has none of it: the stream was deleted.`,
        });
  return {
    intact: problems.length === 0 && digestProblems.length === 0 && unreadableLines.length === 0,
    streams: seen.size,
    entries,
    sealedEntries,
    digests: {
      count: input.digests.length,
      ...(latest ? { latest: latest.digest.number } : {}),
      problems: digestProblems,
    },
    problems,
    unreadableLines,
  };
}
