/**
 * A change's evidence pack on the real DynamoDB Local, with the local digest file and key file: what it proves
 * (the acknowledgement's proof against the notice version shown, the signed digest covering it and the Merkle
 * path from the change's head to that digest's root) and that it says so when something was tampered with.
 */
import { createVerify } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditStreamOf, changeKeys } from '../../functions/adapters/dynamodb/change-store.ts';
import { sealAuditDigest } from '../../functions/audit/anchoring.ts';
import { type EvidencePack, evidenceOf, evidencePackSchema } from '../../functions/audit/evidence.ts';
import { digestSigningBytes, verifyMerkleInclusion } from '../../functions/domain/audit-digest.ts';
import { acknowledgeNotice } from '../../functions/notices/acknowledge.ts';
import { AuditTamperer } from '../support/audit-tampering.ts';
import {
  appliedCut,
  createIntegrationContext,
  deliveredCut,
  type IntegrationContext,
  northwind,
} from '../support/integration-deps.ts';

let context: IntegrationContext;
let tamper: AuditTamperer;

beforeAll(async () => {
  context = await createIntegrationContext();
  tamper = new AuditTamperer(context.deps.documentClient, context.deps.tables.auditTrail);
});

afterAll(() => context?.close());

let products = 0;
const product = () => {
  products += 1;
  return `EV-${products}`;
};

async function evidence(changeId: string): Promise<EvidencePack> {
  const pack = await evidenceOf(context.deps, changeId);
  if (typeof pack === 'string') throw new Error(`no evidence: ${pack}`);
  // The JSON the route answers is exactly what its OpenAPI schema documents.
  return evidencePackSchema.strict().parse(pack) as EvidencePack;
}

describe('the evidence pack of an acknowledged, sealed change', () => {
  it('holds the acknowledgement’s proof, the notice shown, and the digest that seals it with a verifying Merkle path', async () => {
    const changeId = await appliedCut(context, northwind, 'finance-evidence', product());
    const sealed = await sealAuditDigest(context.deps);
    expect(sealed.outcome).toBe('sealed');
    const pack = await evidence(changeId);

    expect(pack).toMatchObject({
      changeId,
      kind: 'commission-change',
      partner: { partnerId: northwind.partnerId, name: 'Northwind Resellers' },
      submittedBy: 'finance-evidence',
      approvedBy: ['approver-user'],
      stream: auditStreamOf(changeId),
    });
    const entries = await context.auditEntries(changeId);
    expect(pack.timeline.map((entry) => [entry.seq, entry.type, entry.hash])).toEqual(
      entries.map((entry) => [entry.seq, entry.type, entry.hash]),
    );
    expect(pack.timeline.every((entry) => entry.summary.length > 0)).toBe(true);

    // The notice as shown: its content hashes (recomputed now) to what was recorded when it went out.
    const [notice] = pack.notices;
    const stored = await context.deps.changes.notice(changeId, 1);
    expect(notice).toMatchObject({
      version: 1,
      storedContentHash: stored!.contentHash,
      recomputedContentHash: stored!.contentHash,
      contentHashMatches: true,
      rationale: stored!.content.rationale,
    });
    expect(notice!.lines.map((line) => line.label)).toContain('Takes effect from');

    // Each acknowledgement with its proof, matching the version shown.
    const ackEntry = entries.find((entry) => entry.type === 'acknowledgement-recorded')!;
    expect(pack.acknowledgements).toEqual([
      expect.objectContaining({
        seq: ackEntry.seq,
        contactId: northwind.contacts[0],
        sourceIp: '192.0.2.20',
        userAgent: 'test',
        noticeVersion: 1,
        contentHash: stored!.contentHash,
        matchesNoticeShown: true,
        entryHash: ackEntry.hash,
      }),
    ]);
    expect(pack.acknowledgements[0]!.recipient.email).toMatch(/@/);
    expect(pack.deliveries).toHaveLength(1);
    expect(pack.deliveries[0]!.label).toContain('not an acknowledgement');

    // The covering digest: archived, signed, sealing the stream past the acknowledgement, its proof verifying.
    expect(pack.digest.sealed).toBe(true);
    if (!pack.digest.sealed) return;
    const archived = (await context.deps.digests.all()).find(
      (signed) => signed.digest.number === (pack.digest.sealed ? pack.digest.number : 0),
    )!;
    expect(pack.digest).toMatchObject({
      number: archived.digest.number,
      merkleRoot: archived.digest.merkleRoot,
      signature: archived.signature,
      coversAcknowledgements: true,
      sealedHead: { stream: auditStreamOf(changeId), seq: entries.length, hash: entries.at(-1)!.hash },
    });
    expect(pack.digest.sealedHead.seq).toBeGreaterThanOrEqual(ackEntry.seq);
    expect(
      verifyMerkleInclusion(pack.digest.sealedHead, pack.digest.inclusionProof, archived.digest.merkleRoot),
    ).toBe(true);
    expect(archived.heads.length).toBeGreaterThan(1);
    expect(pack.digest.inclusionProof.length).toBeGreaterThan(0);
    const verifier = createVerify('sha256');
    verifier.update(digestSigningBytes(archived.digest));
    expect(
      verifier.verify(
        await context.deps.digestSigner.publicKeyPem(),
        Buffer.from(pack.digest.signature, 'base64'),
      ),
    ).toBe(true);

    expect(pack.verification).toMatchObject({
      intact: true,
      stream: { entries: entries.length, problems: [] },
      digests: { problems: [] },
      inclusionProofVerifies: true,
      noticeContentProblems: [],
    });
    expect(pack.verification.verdict).toMatch(/^intact: .*digest \d+/);
  });

  it('says "not sealed yet" before any digest seals the change, and which digest seals the acknowledgement once one does', async () => {
    const { changeId, noticeId, tokens } = await deliveredCut(
      context,
      northwind,
      'finance-evidence',
      product(),
    );
    const before = await evidence(changeId);
    expect(before.digest).toEqual({ sealed: false, message: expect.stringMatching(/^Not sealed yet/) });
    expect(before.verification.intact).toBe(true);
    expect(before.acknowledgements).toEqual([]);

    // Sealed before the partner acknowledges: the digest covers the stream, not the acknowledgement.
    const first = await sealAuditDigest(context.deps);
    const outcome = await acknowledgeNotice(context.deps, {
      noticeId,
      token: tokens[northwind.contacts[0]!]!,
      sourceIp: '198.51.100.7',
      userAgent: 'Mozilla/5.0 (evidence)',
    });
    expect(outcome.outcome).toBe('recorded');
    const unsealedAck = await evidence(changeId);
    expect(unsealedAck.digest).toMatchObject({
      sealed: true,
      number: first.outcome === 'sealed' ? first.digest.number : -1,
      coversAcknowledgements: false,
    });
    expect(unsealedAck.digest.message).toContain('not sealed yet');

    const second = await sealAuditDigest(context.deps);
    expect(second.outcome).toBe('sealed');
    const sealedAck = await evidence(changeId);
    expect(sealedAck.digest).toMatchObject({
      sealed: true,
      number: second.outcome === 'sealed' ? second.digest.number : -1,
      coversAcknowledgements: true,
    });
    expect(sealedAck.acknowledgements[0]).toMatchObject({
      sourceIp: '198.51.100.7',
      matchesNoticeShown: true,
    });
  });

  it('answers unknown-change for a change that does not exist, and forbidden when the caller may not read it', async () => {
    expect(await evidenceOf(context.deps, 'chg_nosuchchange')).toBe('unknown-change');
    const changeId = await appliedCut(context, northwind, 'finance-evidence', product());
    expect(await evidenceOf(context.deps, changeId, { mayRead: () => false })).toBe('forbidden');
  });
});

describe('the evidence pack of a tampered change', () => {
  it('names an edited entry of the change’s stream', async () => {
    const changeId = await appliedCut(context, northwind, 'finance-evidence', product());
    await sealAuditDigest(context.deps);
    await tamper.edit(auditStreamOf(changeId), 1, { rationale: 'Something else.' });
    const pack = await evidence(changeId);
    expect(pack.verification.intact).toBe(false);
    expect(pack.verification.stream.problems.map((problem) => [problem.seq, problem.kind])).toEqual([
      [1, 'altered'],
    ]);
    expect(pack.verification.verdict).toMatch(/^TAMPERED: entry 1: altered/);
  });

  it('names a deleted tail with its head rolled back, against the digest that sealed it', async () => {
    const changeId = await appliedCut(context, northwind, 'finance-evidence', product());
    await sealAuditDigest(context.deps);
    const stream = auditStreamOf(changeId);
    const kept = (await tamper.entries(stream)).length - 2;
    await tamper.truncateAndRollBack(stream, kept);
    const pack = await evidence(changeId);
    expect(pack.verification.intact).toBe(false);
    expect(pack.verification.stream.problems).toEqual([
      expect.objectContaining({ seq: kept + 1, kind: 'rolled-back' }),
    ]);
  });

  it('names a notice whose stored content was edited after it went out, and the acknowledgement no longer matches it', async () => {
    const changeId = await appliedCut(context, northwind, 'finance-evidence', product());
    await context.deps.documentClient.send(
      new UpdateCommand({
        TableName: context.deps.tables.changes,
        Key: changeKeys.notice(changeId, 1),
        UpdateExpression: 'SET content.rationale = :rationale',
        ExpressionAttributeValues: { ':rationale': 'A softer reason, written afterwards.' },
      }),
    );
    const pack = await evidence(changeId);
    expect(pack.notices[0]).toMatchObject({
      contentHashMatches: false,
      rationale: 'A softer reason, written afterwards.',
    });
    expect(pack.acknowledgements[0]!.matchesNoticeShown).toBe(false);
    expect(pack.verification.intact).toBe(false);
    expect(pack.verification.noticeContentProblems).toEqual([expect.stringContaining('Notice version 1')]);
  });
});
