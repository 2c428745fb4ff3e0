import type { AuditStore, ListedHead } from '../adapters/dynamodb/audit-store.ts';
import type { ChangeStore } from '../adapters/dynamodb/change-store.ts';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import { partnerAuditStream } from '../adapters/dynamodb/partner-store.ts';
import type { DigestArchive } from '../adapters/s3/digest-archive.ts';
import type { DigestSigner } from '../adapters/signing/digest-signer.ts';
import { type StreamProblem, verifyStream } from '../domain/audit-chain.ts';
import {
  type AuditDigest,
  type DigestProblem,
  digestSigningBytes,
  nextDigest,
  type SealedHead,
  verifyDigests,
} from '../domain/audit-digest.ts';
import type { Clock } from '../domain/clock.ts';

/** What sealing and verifying need: the audit table, the digest archive, the signer and the clock. */
export interface AuditAnchoringDeps {
  audit: AuditStore;
  digests: DigestArchive;
  digestSigner: DigestSigner;
  clock: Clock;
}

export type SealOutcome =
  /** A new digest was signed and archived. */
  | { outcome: 'sealed'; digest: AuditDigest }
  /** No head moved since the latest digest: nothing new to seal. */
  | { outcome: 'unchanged'; digest: AuditDigest }
  /** Another sealer archived this number first (its digest stands; the next run seals after it). */
  | { outcome: 'raced'; number: number };

const sameHeads = (a: readonly SealedHead[], b: readonly SealedHead[]) =>
  a.length === b.length &&
  a.every(
    (head, index) =>
      head.stream === b[index]?.stream && head.seq === b[index]?.seq && head.hash === b[index]?.hash,
  );

/**
 * Seals every stream's head into the next digest (Merkle root, link to the previous digest), signs it and
 * archives it where the table's writers cannot reach. Run on a schedule (AWS) or a timer (local mode).
 */
export async function sealAuditDigest(deps: AuditAnchoringDeps): Promise<SealOutcome> {
  const [listed, previous] = await Promise.all([deps.audit.heads(), deps.digests.latest()]);
  const heads = listed.map(({ stream, seq, hash }) => ({ stream, seq, hash }));
  const next = nextDigest(
    previous?.digest,
    heads,
    deps.clock.now().toISOString(),
    await deps.digestSigner.keyId(),
  );
  if (previous && sameHeads(next.heads, previous.heads))
    return { outcome: 'unchanged', digest: previous.digest };
  const signature = (await deps.digestSigner.sign(digestSigningBytes(next.digest))).toString('base64');
  const written = await deps.digests.append({ digest: next.digest, signature, heads: next.heads });
  return written === 'appended'
    ? { outcome: 'sealed', digest: next.digest }
    : { outcome: 'raced', number: next.digest.number };
}

export interface VerifyScope {
  /** Only this partner's streams: its directory stream, its changes' streams, its own policy-change streams. */
  partnerId?: string;
  /** Only streams written to at or after this instant (ISO); streams a digest sealed but now gone always count. */
  since?: string;
}

export interface AuditVerification {
  intact: boolean;
  verifiedAt: string;
  scope: VerifyScope;
  streams: number;
  /** Entries whose hashes were recomputed. */
  entries: number;
  /** Of them, entries the latest digest seals (the rest were written after it: only their chain vouches). */
  sealedEntries: number;
  digests: {
    count: number;
    latest?: Pick<AuditDigest, 'number' | 'sealedAt' | 'merkleRoot' | 'signingKeyId' | 'streams' | 'entries'>;
    problems: DigestProblem[];
  };
  problems: StreamProblem[];
}

/** Streams read side by side: enough to keep DynamoDB busy, few enough for one Lambda's sockets. */
const VERIFY_CONCURRENCY = 16;

/** Whether `stream` is one of the partner's, given the streams of its changes. */
export function inPartnerScope(
  stream: string,
  partnerId: string,
  changeStreams: ReadonlySet<string>,
): boolean {
  return (
    stream === partnerAuditStream(partnerId) ||
    changeStreams.has(stream) ||
    // A partner's own stream within a policy change (policyPartnerStreamOf in policy-change-store.ts).
    (stream.startsWith('change#') && stream.endsWith(`#${partnerAuditStream(partnerId)}`))
  );
}

/** The audit streams of a partner's changes (any kind, any status). */
export async function changeStreamsOf(
  deps: { changes: Pick<ChangeStore, 'idsOfPartner'> },
  partnerId: string,
): Promise<Set<string>> {
  return new Set((await deps.changes.idsOfPartner(partnerId)).map(auditStreamOf));
}

/** Every stream's head, or only a partner's (its directory stream, its changes', its policy-change streams). */
export async function headsInScope(
  deps: { audit: Pick<AuditStore, 'heads'>; changes: Pick<ChangeStore, 'idsOfPartner'> },
  partnerId?: string,
): Promise<ListedHead[]> {
  const [heads, changeStreams] = await Promise.all([
    deps.audit.heads(),
    partnerId === undefined ? undefined : changeStreamsOf(deps, partnerId),
  ]);
  return partnerId === undefined || !changeStreams
    ? heads
    : heads.filter((head) => inPartnerScope(head.stream, partnerId, changeStreams));
}

/**
 * Recomputes every hash and link of the streams in scope against their heads and against the latest digest,
 * and checks the digest series itself with the public key: every tampering kind is named at its entry.
 */
export async function verifyAudit(
  deps: AuditAnchoringDeps & { changes: Pick<ChangeStore, 'idsOfPartner'> },
  scope: VerifyScope = {},
): Promise<AuditVerification> {
  const [listed, digests, publicKeyPem] = await Promise.all([
    deps.audit.heads(),
    deps.digests.all(),
    deps.digestSigner.publicKeyPem(),
  ]);
  const digestProblems = verifyDigests(digests, publicKeyPem);
  const latest = digests.at(-1);
  const sealed = new Map((latest?.heads ?? []).map((head) => [head.stream, head]));
  const lastAt = new Map(listed.map((head) => [head.stream, head.lastAt]));
  const changeStreams = scope.partnerId ? await changeStreamsOf(deps, scope.partnerId) : new Set<string>();
  const streams = [...new Set([...lastAt.keys(), ...sealed.keys()])].filter((stream) => {
    if (scope.partnerId && !inPartnerScope(stream, scope.partnerId, changeStreams)) return false;
    if (!scope.since || !lastAt.has(stream)) return true;
    const at = lastAt.get(stream);
    return at === undefined || at >= scope.since;
  });
  const problems: StreamProblem[] = [];
  let entries = 0;
  let sealedEntries = 0;
  const queue = [...streams].sort();
  const worker = async () => {
    for (let stream = queue.shift(); stream !== undefined; stream = queue.shift()) {
      const read = await deps.audit.stream(stream);
      const seal = sealed.get(stream);
      entries += read.entries.length;
      sealedEntries += seal?.seq ?? 0;
      problems.push(
        ...verifyStream(
          stream,
          read.entries,
          read.head,
          seal && latest ? { seq: seal.seq, hash: seal.hash, digest: latest.digest.number } : undefined,
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: VERIFY_CONCURRENCY }, worker));
  problems.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq));
  const summary = latest?.digest;
  return {
    intact: problems.length === 0 && digestProblems.length === 0,
    verifiedAt: deps.clock.now().toISOString(),
    scope,
    streams: streams.length,
    entries,
    sealedEntries,
    digests: {
      count: digests.length,
      ...(summary
        ? {
            latest: {
              number: summary.number,
              sealedAt: summary.sealedAt,
              merkleRoot: summary.merkleRoot,
              signingKeyId: summary.signingKeyId,
              streams: summary.streams,
              entries: summary.entries,
            },
          }
        : {}),
      problems: digestProblems,
    },
    problems,
  };
}
