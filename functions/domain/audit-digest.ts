import { createHash, createVerify } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson } from './canonical-json.ts';

/**
 * Anchoring the audit chains outside the table (principle 8). A chain and its head live in one table, so
 * someone with write access could delete a chain's tail and roll its head back together, or rewrite a whole
 * chain with fresh hashes: both are consistent inside DynamoDB. Periodically every stream's head is sealed
 * into a digest — a Merkle root over all heads plus the previous digest's hash, signed — kept where the table's
 * writers cannot change it (S3 Object Lock in AWS; an append-only file and the local S3 locally). A verifier
 * with only the public key and the digests then catches what the chain alone cannot.
 */

/** One stream's head as a digest seals it: its last entry's seq and hash. */
export interface SealedHead {
  stream: string;
  seq: number;
  hash: string;
}

/** The signed part of a digest (CloudTrail's digest files have the same shape: heads, previous, signature). */
export interface AuditDigest {
  version: 1;
  /** 1 for the first digest, then consecutive: a missing number is a deleted digest. */
  number: number;
  sealedAt: string;
  /** `digestHash` of the previous digest; GENESIS_DIGEST_HASH for number 1. */
  previousDigestHash: string;
  /** Merkle root over `heads` (sorted by stream), see merkleRoot. */
  merkleRoot: string;
  streams: number;
  /** Entries the sealed heads cover (the sum of their seqs). */
  entries: number;
  signingKeyId: string;
  /** ECDSA over P-256 with SHA-256, the signature DER-encoded: what AWS KMS's ECDSA_SHA_256 produces. */
  algorithm: 'ECDSA_SHA_256';
}

/** A digest as stored and exported: the signed body, its signature (base64 DER) and the heads it seals. */
export interface SignedDigest {
  digest: AuditDigest;
  signature: string;
  heads: SealedHead[];
}

export const GENESIS_DIGEST_HASH = 'sha256:genesis';

const hashText = z.string().regex(/^sha256:([0-9a-f]{64}|genesis)$/);

/** A stored or exported digest, parsed (an archive's file or object is input like any other). */
export const signedDigestSchema = z
  .object({
    digest: z
      .object({
        version: z.literal(1),
        number: z.number().int().positive(),
        sealedAt: z.iso.datetime(),
        previousDigestHash: hashText,
        merkleRoot: hashText,
        streams: z.number().int().min(0),
        entries: z.number().int().min(0),
        signingKeyId: z.string().min(1),
        algorithm: z.literal('ECDSA_SHA_256'),
      })
      .strict(),
    signature: z.base64(),
    heads: z.array(
      z.object({ stream: z.string().min(1), seq: z.number().int().positive(), hash: hashText }).strict(),
    ),
  })
  .strict();

const sha256 = (...parts: (string | Buffer)[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** Heads in the order a digest seals them: by stream, in UTF-16 code-unit order (as RFC 8785 sorts keys). */
export function sortHeads(heads: readonly SealedHead[]): SealedHead[] {
  return [...heads].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
}

/**
 * The Merkle root over heads already sorted (RFC 6962's tree: a leaf is SHA-256 of 0x00 and the head's RFC 8785
 * encoding, an inner node SHA-256 of 0x01 and its two children, an odd last node carried up as it is), so one
 * stream's inclusion can be proved with log2(streams) hashes (the evidence pack's proof).
 */
export function merkleRoot(sortedHeads: readonly SealedHead[]): string {
  let level: Buffer[] = sortedHeads.map(leafHash);
  if (level.length === 0) return `sha256:${sha256('').toString('hex')}`;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let index = 0; index < level.length; index += 2) {
      const right = level[index + 1];
      next.push(right ? sha256(Buffer.from([1]), level[index]!, right) : level[index]!);
    }
    level = next;
  }
  return `sha256:${level[0]!.toString('hex')}`;
}

/** A head's leaf in the Merkle tree: SHA-256 of 0x00 and its RFC 8785 encoding (the fields a digest seals). */
function leafHash(head: SealedHead): Buffer {
  return sha256(Buffer.from([0]), canonicalJson({ stream: head.stream, seq: head.seq, hash: head.hash }));
}

/** One step of an inclusion proof: the sibling's hash and on which side of the path it sits. */
export interface MerkleProofStep {
  side: 'left' | 'right';
  hash: string;
}

/**
 * The audit path of the head at `index` of heads already sorted (as merkleRoot hashes them): the siblings
 * from the leaf up, each with its side. A level where the path's node is the odd last one has no sibling (it
 * is carried up as it is), so the proof has at most ceil(log2(heads)) steps.
 */
export function merkleInclusionProof(sortedHeads: readonly SealedHead[], index: number): MerkleProofStep[] {
  if (!Number.isInteger(index) || index < 0 || index >= sortedHeads.length)
    throw new RangeError(`No head at index ${index} of ${sortedHeads.length}`);
  const proof: MerkleProofStep[] = [];
  let level: Buffer[] = sortedHeads.map(leafHash);
  let position = index;
  while (level.length > 1) {
    const siblingAt = position % 2 === 0 ? position + 1 : position - 1;
    const sibling = level[siblingAt];
    if (sibling)
      proof.push({ side: position % 2 === 0 ? 'right' : 'left', hash: `sha256:${sibling.toString('hex')}` });
    const next: Buffer[] = [];
    for (let at = 0; at < level.length; at += 2) {
      const right = level[at + 1];
      next.push(right ? sha256(Buffer.from([1]), level[at]!, right) : level[at]!);
    }
    level = next;
    position = Math.floor(position / 2);
  }
  return proof;
}

const proofHash = /^sha256:[0-9a-f]{64}$/;

/**
 * Whether `head` is a leaf of the tree whose root is `root`, by its audit path (merkleInclusionProof): the
 * leaf hashed up with each sibling on its side must give the root. Anyone can check this with the digest and
 * the head alone — no other stream's head is needed.
 */
export function verifyMerkleInclusion(
  head: SealedHead,
  proof: readonly MerkleProofStep[],
  root: string,
): boolean {
  let node = leafHash(head);
  for (const step of proof) {
    if (!proofHash.test(step.hash) || (step.side !== 'left' && step.side !== 'right')) return false;
    const sibling = Buffer.from(step.hash.slice('sha256:'.length), 'hex');
    node =
      step.side === 'left'
        ? sha256(Buffer.from([1]), sibling, node)
        : sha256(Buffer.from([1]), node, sibling);
  }
  return `sha256:${node.toString('hex')}` === root;
}

/** The hash a digest's successor links to: SHA-256 of the signed body's RFC 8785 encoding. */
export function digestHash(digest: AuditDigest): string {
  return `sha256:${sha256(canonicalJson(digest)).toString('hex')}`;
}

/** The bytes a digest's signature is over. */
export function digestSigningBytes(digest: AuditDigest): Buffer {
  return Buffer.from(canonicalJson(digest), 'utf8');
}

/** The next digest's body (unsigned) over the heads now, after `previous` (undefined: the first digest). */
export function nextDigest(
  previous: AuditDigest | undefined,
  heads: readonly SealedHead[],
  sealedAt: string,
  signingKeyId: string,
): { digest: AuditDigest; heads: SealedHead[] } {
  const sorted = sortHeads(heads);
  return {
    heads: sorted,
    digest: {
      version: 1,
      number: (previous?.number ?? 0) + 1,
      sealedAt,
      previousDigestHash: previous ? digestHash(previous) : GENESIS_DIGEST_HASH,
      merkleRoot: merkleRoot(sorted),
      streams: sorted.length,
      entries: sorted.reduce((sum, head) => sum + head.seq, 0),
      signingKeyId,
      algorithm: 'ECDSA_SHA_256',
    },
  };
}

export interface DigestProblem {
  /** The digest at fault (its number, or the number missing). */
  number: number;
  kind: 'bad-signature' | 'missing-digest' | 'broken-digest-link' | 'heads-mismatch';
  message: string;
}

/**
 * Checks a series of digests (in any order) with the public key alone: each signature, the numbering (no
 * digest missing), each link to its predecessor, and that each digest's heads are the ones its Merkle root
 * and counts were signed over. Empty: the series is intact.
 */
export function verifyDigests(digests: readonly SignedDigest[], publicKeyPem: string): DigestProblem[] {
  const problems: DigestProblem[] = [];
  const sorted = [...digests].sort((a, b) => a.digest.number - b.digest.number);
  let previous: AuditDigest | undefined;
  for (const [index, signed] of sorted.entries()) {
    const { digest } = signed;
    const expectedNumber = index + 1;
    if (digest.number !== expectedNumber) {
      problems.push({
        number: expectedNumber,
        kind: 'missing-digest',
        message: `Digest ${expectedNumber} is missing (the next one is ${digest.number}).`,
      });
      return problems;
    }
    const verifier = createVerify('sha256');
    verifier.update(digestSigningBytes(digest));
    let signatureValid = false;
    try {
      signatureValid = verifier.verify(publicKeyPem, Buffer.from(signed.signature, 'base64'));
    } catch {
      signatureValid = false;
    }
    if (!signatureValid)
      problems.push({
        number: digest.number,
        kind: 'bad-signature',
        message: `Digest ${digest.number}'s signature does not verify with the public key: it was altered or not signed by the system.`,
      });
    const expectedPrevious = previous ? digestHash(previous) : GENESIS_DIGEST_HASH;
    if (digest.previousDigestHash !== expectedPrevious)
      problems.push({
        number: digest.number,
        kind: 'broken-digest-link',
        message: `Digest ${digest.number} does not link to digest ${digest.number - 1} (a digest was replaced).`,
      });
    const heads = sortHeads(signed.heads);
    const distinct = new Set(heads.map((head) => head.stream)).size === heads.length;
    if (
      !distinct ||
      merkleRoot(heads) !== digest.merkleRoot ||
      heads.length !== digest.streams ||
      heads.reduce((sum, head) => sum + head.seq, 0) !== digest.entries
    )
      problems.push({
        number: digest.number,
        kind: 'heads-mismatch',
        message: `Digest ${digest.number}'s heads are not the ones its Merkle root was signed over.`,
      });
    previous = digest;
  }
  return problems;
}
