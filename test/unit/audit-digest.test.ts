import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyFileDigestSigner } from '../../functions/adapters/signing/digest-signer.ts';
import {
  digestHash,
  digestSigningBytes,
  GENESIS_DIGEST_HASH,
  merkleInclusionProof,
  merkleRoot,
  nextDigest,
  type SealedHead,
  type SignedDigest,
  signedDigestSchema,
  sortHeads,
  verifyDigests,
  verifyMerkleInclusion,
} from '../../functions/domain/audit-digest.ts';

const hash = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const heads = (count: number, seq = 3): SealedHead[] =>
  Array.from({ length: count }, (_, index) => ({
    stream: `change#chg_${index}`,
    seq,
    hash: hash(index + seq),
  }));

let directory: string;
let signer: KeyFileDigestSigner;
let publicKeyPem: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'pcn-digest-unit-'));
  signer = new KeyFileDigestSigner(join(directory, 'key.pem'));
  publicKeyPem = await signer.publicKeyPem();
});

afterAll(() => rm(directory, { recursive: true, force: true }));

/** A series of `count` signed digests, each over one more stream than the last. */
async function series(count: number): Promise<SignedDigest[]> {
  const digests: SignedDigest[] = [];
  for (let number = 1; number <= count; number += 1) {
    const next = nextDigest(
      digests.at(-1)?.digest,
      heads(number),
      `2026-03-0${number}T00:00:00.000Z`,
      await signer.keyId(),
    );
    const signature = (await signer.sign(digestSigningBytes(next.digest))).toString('base64');
    digests.push({ digest: next.digest, signature, heads: next.heads });
  }
  return digests;
}

const kinds = (digests: SignedDigest[]) =>
  verifyDigests(digests, publicKeyPem).map((p) => [p.number, p.kind]);

describe('the Merkle root over the heads', () => {
  it('does not depend on the order heads are listed in, and moves with any head', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (count, shuffleSeed, pick) => {
        const all = heads(count);
        const shuffled = [...all].sort((a, b) => (a.hash + shuffleSeed < b.hash + shuffleSeed ? 1 : -1));
        const root = merkleRoot(sortHeads(all));
        expect(merkleRoot(sortHeads(shuffled))).toBe(root);
        const changed = all.map((head, index) =>
          index === pick % count ? { ...head, seq: head.seq + 1 } : head,
        );
        expect(merkleRoot(sortHeads(changed))).not.toBe(root);
        expect(merkleRoot(sortHeads(all.slice(0, -1)))).not.toBe(root);
      }),
    );
  });
});

describe('a series of signed digests', () => {
  it('verifies with the public key alone, each linked to the one before', async () => {
    const digests = await series(3);
    expect(kinds(digests)).toEqual([]);
    expect(digests[0]!.digest.previousDigestHash).toBe(GENESIS_DIGEST_HASH);
    expect(digests[2]!.digest.previousDigestHash).toBe(digestHash(digests[1]!.digest));
    expect(digests.map((signed) => signedDigestSchema.safeParse(signed).success)).toEqual([true, true, true]);
    expect(digests[0]!.digest.signingKeyId).toMatch(/^local:[0-9a-f]{16}$/);
  });

  it('names a digest edited after signing, or signed by another key', async () => {
    const digests = await series(3);
    const edited = digests.map((signed, index) =>
      index === 1 ? { ...signed, digest: { ...signed.digest, entries: signed.digest.entries - 1 } } : signed,
    );
    expect(kinds(edited)).toContainEqual([2, 'bad-signature']);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = digests.map((signed, index) =>
      index === 2
        ? {
            ...signed,
            signature: sign('sha256', digestSigningBytes(signed.digest), other).toString('base64'),
          }
        : signed,
    );
    expect(kinds(forged)).toEqual([[3, 'bad-signature']]);
  });

  it('names a deleted digest, a replaced one, and heads that are not the ones signed', async () => {
    const digests = await series(4);
    expect(kinds(digests.filter((signed) => signed.digest.number !== 2))).toEqual([[2, 'missing-digest']]);
    // Digest 1 replaced by another, validly signed: digest 2 no longer links to it.
    const otherFirst = (await series(1))[0]!;
    const rebased = nextDigest(otherFirst.digest, heads(2), '2026-03-09T00:00:00.000Z', await signer.keyId());
    const rebasedSigned = {
      digest: rebased.digest,
      signature: (await signer.sign(digestSigningBytes(rebased.digest))).toString('base64'),
      heads: rebased.heads,
    };
    const withForeignFirst = [
      { ...otherFirst, digest: { ...otherFirst.digest, sealedAt: '2026-02-01T00:00:00.000Z' } },
      rebasedSigned,
    ];
    expect(kinds(withForeignFirst)).toContainEqual([2, 'broken-digest-link']);
    const lying = digests.map((signed, index) =>
      index === 3
        ? { ...signed, heads: signed.heads.map((head, i) => (i === 0 ? { ...head, hash: hash(999) } : head)) }
        : signed,
    );
    expect(kinds(lying)).toEqual([[4, 'heads-mismatch']]);
  });

  it('keeps the local key across restarts (a digest signed before still verifies)', async () => {
    const again = new KeyFileDigestSigner(join(directory, 'key.pem'));
    expect(await again.keyId()).toBe(await signer.keyId());
    expect(createPublicKey(await again.publicKeyPem()).export({ format: 'jwk' })).toEqual(
      createPublicKey(publicKeyPem).export({ format: 'jwk' }),
    );
    expect(kinds(await series(2))).toEqual([]);
  });
});

describe('a head’s Merkle inclusion proof', () => {
  const sha = (...parts: (string | Buffer)[]) => {
    const h = createHash('sha256');
    for (const part of parts) h.update(part);
    return h.digest();
  };
  const leaf = (head: SealedHead) =>
    sha(Buffer.from([0]), JSON.stringify({ hash: head.hash, seq: head.seq, stream: head.stream }));

  it('is the RFC 6962 audit path: siblings from the leaf up, an odd last node carried up with no step', () => {
    const three = sortHeads(heads(3));
    const [l0, l1, l2] = three.map(leaf) as [Buffer, Buffer, Buffer];
    const left = sha(Buffer.from([1]), l0, l1);
    expect(merkleRoot(three)).toBe(`sha256:${sha(Buffer.from([1]), left, l2).toString('hex')}`);
    expect(merkleInclusionProof(three, 2)).toEqual([
      { side: 'left', hash: `sha256:${left.toString('hex')}` },
    ]);
    expect(merkleInclusionProof(three, 1)).toEqual([
      { side: 'left', hash: `sha256:${l0.toString('hex')}` },
      { side: 'right', hash: `sha256:${l2.toString('hex')}` },
    ]);
    // A tree of one head: the leaf is the root, the proof empty.
    const one = heads(1);
    expect(merkleInclusionProof(one, 0)).toEqual([]);
    expect(verifyMerkleInclusion(one[0]!, [], merkleRoot(one))).toBe(true);
    expect(() => merkleInclusionProof(three, 3)).toThrow(RangeError);
  });

  it('verifies for every index of trees of 1 to 40 heads, in at most ceil(log2 n) steps', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 1_000 }),
        (streams, seq) => {
          const sorted = sortHeads(
            streams.map((stream, i) => ({ stream, seq: seq + i, hash: hash(seq * 7 + i) })),
          );
          const root = merkleRoot(sorted);
          for (const [index, head] of sorted.entries()) {
            const proof = merkleInclusionProof(sorted, index);
            expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(sorted.length)));
            expect(verifyMerkleInclusion(head, proof, root)).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does not verify once the head, a sibling, a side or the root is changed', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((count) =>
            fc.tuple(fc.constant(count), fc.nat({ max: count - 1 }), fc.nat(), fc.nat({ max: 63 })),
          ),
        ([count, index, pick, nibble]) => {
          const sorted = sortHeads(heads(count, 5));
          const root = merkleRoot(sorted);
          const head = sorted[index]!;
          const proof = merkleInclusionProof(sorted, index);
          const flip = (text: string) => {
            const at = 'sha256:'.length + nibble;
            return `${text.slice(0, at)}${text[at] === '0' ? '1' : '0'}${text.slice(at + 1)}`;
          };
          expect(verifyMerkleInclusion({ ...head, seq: head.seq + 1 }, proof, root)).toBe(false);
          expect(verifyMerkleInclusion({ ...head, hash: flip(head.hash) }, proof, root)).toBe(false);
          expect(verifyMerkleInclusion({ ...head, stream: `${head.stream}x` }, proof, root)).toBe(false);
          expect(verifyMerkleInclusion(head, proof, flip(root))).toBe(false);
          if (proof.length > 0) {
            const at = pick % proof.length;
            const step = proof[at]!;
            const changed = (replacement: typeof step) => proof.map((s, i) => (i === at ? replacement : s));
            expect(verifyMerkleInclusion(head, changed({ ...step, hash: flip(step.hash) }), root)).toBe(
              false,
            );
            expect(
              verifyMerkleInclusion(
                head,
                changed({ ...step, side: step.side === 'left' ? 'right' : 'left' }),
                root,
              ),
            ).toBe(false);
            // A step left out (or another head's path) proves nothing.
            expect(verifyMerkleInclusion(head, proof.slice(1), root)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
