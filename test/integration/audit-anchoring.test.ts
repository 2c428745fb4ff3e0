/**
 * Principle 8 beyond the table, on the real DynamoDB Local: chains sealed into signed digests (the local
 * digest file and key file), and `verifyAudit` naming every kind of tampering someone with write access to the
 * audit table could do — at the right entry — including the ones the chain alone cannot see.
 */
import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitWithAudit } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf } from '../../functions/adapters/dynamodb/change-store.ts';
import { partnerAuditStream } from '../../functions/adapters/dynamodb/partner-store.ts';
import type { FileDigestArchive } from '../../functions/adapters/s3/digest-archive.ts';
import { sealAuditDigest, verifyAudit } from '../../functions/audit/anchoring.ts';
import { AuditTamperer } from '../support/audit-tampering.ts';
import {
  appliedCut as appliedCutFor,
  contoso,
  createIntegrationContext,
  fabrikam,
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

/** A northwind cut through submit to apply (six entries), each with a product of its own (no conflict). */
async function appliedCut(): Promise<string> {
  products += 1;
  return auditStreamOf(await appliedCutFor(context, northwind, 'finance-anchor', `P-${products}`));
}

/** The problems verify reports for one stream, as [seq, kind]. */
async function problemsOf(stream: string): Promise<[number, string][]> {
  const verification = await verifyAudit(context.deps);
  return verification.problems
    .filter((problem) => problem.stream === stream)
    .map((problem) => [problem.seq, problem.kind]);
}

async function sealed(): Promise<number> {
  const outcome = await sealAuditDigest(context.deps);
  expect(outcome.outcome).toBe('sealed');
  return outcome.outcome === 'sealed' ? outcome.digest.number : 0;
}

describe('verify: untouched chains', () => {
  it('verifies every stream and the digests intact, and says how much the latest digest seals', async () => {
    const stream = await appliedCut();
    const before = await verifyAudit(context.deps);
    expect(before).toMatchObject({ intact: true, problems: [], digests: { count: 0, problems: [] } });
    expect(before.sealedEntries).toBe(0);
    const number = await sealed();
    const after = await verifyAudit(context.deps);
    expect(after).toMatchObject({ intact: true, problems: [], digests: { count: number, problems: [] } });
    expect(after.sealedEntries).toBe(after.entries);
    expect(after.digests.latest?.streams).toBe(after.streams);
    expect(after.streams).toBeGreaterThan(1);
    // Nothing moved: a second seal writes nothing.
    expect((await sealAuditDigest(context.deps)).outcome).toBe('unchanged');
    expect(await problemsOf(stream)).toEqual([]);
  });
});

describe('verify: each kind of tampering, named at its entry', () => {
  it('an edited payload (hash left as it was)', async () => {
    const stream = await appliedCut();
    await tamper.edit(stream, 1, { terms: { newRatePct: 11 } });
    expect(await problemsOf(stream)).toEqual([[1, 'altered']]);
  });

  it('a field added that the hash does not cover', async () => {
    const stream = await appliedCut();
    const entry = (await tamper.entries(stream))[2]!;
    await tamper.putRaw({ ...entry, note: 'approved by phone' });
    expect(await problemsOf(stream)).toEqual([[3, 'altered']]);
  });

  it('a deleted entry in the middle', async () => {
    const stream = await appliedCut();
    await tamper.deleteEntry(stream, 2);
    expect(await problemsOf(stream)).toEqual([[2, 'missing']]);
  });

  it('an inserted entry (later entries moved up, the head with them)', async () => {
    const stream = await appliedCut();
    await tamper.insert(stream, 3, {
      type: 'consultation-recorded',
      at: '2026-03-02T09:05:00.000Z',
      actor: 'dana',
      details: { summary: 'Agreed on a call.' },
    });
    // The forged entry links well; the entry after it was hashed at seq 3 and now sits at 4.
    expect(await problemsOf(stream)).toEqual([[4, 'inserted']]);
  });

  it('two entries reordered', async () => {
    const stream = await appliedCut();
    await tamper.swap(stream, 2, 3);
    expect(await problemsOf(stream)).toEqual([[2, 'reordered']]);
  });

  it('a truncated tail (the head still names the last entry)', async () => {
    const stream = await appliedCut();
    await tamper.deleteEntry(stream, 6);
    expect(await problemsOf(stream)).toEqual([[6, 'truncated-tail']]);
  });

  it('a rolled-back head plus deleted tail: consistent in the table, caught by the digest', async () => {
    const stream = await appliedCut();
    const number = await sealed();
    await tamper.truncateAndRollBack(stream, 4);
    const verification = await verifyAudit(context.deps);
    const problems = verification.problems.filter((problem) => problem.stream === stream);
    expect(problems.map((problem) => [problem.seq, problem.kind])).toEqual([[5, 'rolled-back']]);
    expect(problems[0]!.message).toContain(`Digest ${number} sealed this stream at entry 6`);
    expect(verification.intact).toBe(false);
  });

  it('a chain rewritten with fresh hashes and head: caught by the digest at the sealed entry', async () => {
    const stream = await appliedCut();
    await sealed();
    await tamper.rewrite(stream, 1, { terms: { newRatePct: 11 } });
    expect(await problemsOf(stream)).toEqual([[6, 'rewritten']]);
  });

  it('a whole stream deleted: caught by the digest', async () => {
    const stream = await appliedCut();
    await sealed();
    await tamper.deleteStream(stream);
    expect(await problemsOf(stream)).toEqual([[1, 'rolled-back']]);
  });
});

describe('verify: the digests themselves', () => {
  const archive = () => context.deps.digests as FileDigestArchive;

  async function withDigestFile(edit: (lines: string[]) => string[], check: () => Promise<void>) {
    const original = await readFile(archive().path, 'utf8');
    await writeFile(archive().path, `${edit(original.trimEnd().split('\n')).join('\n')}\n`);
    try {
      await check();
    } finally {
      await writeFile(archive().path, original);
    }
  }

  const digestProblems = async () =>
    (await verifyAudit(context.deps, { partnerId: fabrikam.partnerId })).digests.problems.map((problem) => [
      problem.number,
      problem.kind,
    ]);

  it('a digest edited after signing, deleted, or given other heads is named by number', async () => {
    for (const tier of ['gold', 'platinum']) {
      await commitWithAudit(
        context.deps.documentClient,
        context.deps.tables,
        partnerAuditStream(fabrikam.partnerId),
        [{ type: 'partner-updated', at: context.clock.now().toISOString(), actor: 'pm', details: { tier } }],
        [],
      );
      await sealed();
    }
    const count = (await archive().all()).length;
    expect(count).toBeGreaterThanOrEqual(2);
    await withDigestFile(
      (lines) =>
        lines.map((line, index) =>
          index === 0 ? line.replace(/"entries":(\d+)/, (_, n) => `"entries":${Number(n) + 1}`) : line,
        ),
      async () => expect(await digestProblems()).toContainEqual([1, 'bad-signature']),
    );
    await withDigestFile(
      (lines) => lines.filter((_, index) => index !== 0),
      async () => expect(await digestProblems()).toEqual([[1, 'missing-digest']]),
    );
    await withDigestFile(
      (lines) =>
        lines.map((line, index) => {
          if (index !== count - 1) return line;
          const signed = JSON.parse(line);
          signed.heads[0].seq += 1;
          return JSON.stringify(signed);
        }),
      async () => expect(await digestProblems()).toEqual([[count, 'heads-mismatch']]),
    );
    expect(await digestProblems()).toEqual([]);
  });
});

describe('one partner’s chain under concurrent writers', () => {
  it('50 concurrent writers leave one unbroken chain (no fork, no gap) that verifies', async () => {
    const stream = partnerAuditStream(contoso.partnerId);
    const before = (await tamper.entries(stream)).length;
    const at = context.clock.now().toISOString();
    await Promise.all(
      Array.from({ length: 50 }, (_, writer) =>
        commitWithAudit(
          context.deps.documentClient,
          context.deps.tables,
          stream,
          [{ type: 'partner-updated', at, actor: `writer-${writer}`, details: { writer } }],
          [],
        ),
      ),
    );
    const entries = await tamper.entries(stream);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: before + 50 }, (_, i) => i + 1));
    expect(new Set(entries.slice(before).map((entry) => entry.actor)).size).toBe(50);
    const verification = await verifyAudit(context.deps, { partnerId: contoso.partnerId });
    expect(verification.problems).toEqual([]);
    expect(verification.entries).toBeGreaterThanOrEqual(before + 50);
  });
});

describe('property: any single-byte change to any stored entry is detected', () => {
  it('holds for every entry of a partner’s streams, byte by byte', async () => {
    const stream = await appliedCut();
    const stored = await tamper.entries(stream);
    const head = (await tamper.headItem(stream))!;
    const texts = stored.map((entry) => Buffer.from(JSON.stringify(entry), 'utf8'));
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: stored.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async (index, position, byte) => {
          const original = stored[index]!;
          const bytes = Buffer.from(texts[index]!);
          const at = position % bytes.length;
          fc.pre(bytes[at] !== byte);
          bytes[at] = byte;
          let mutated: Record<string, unknown>;
          try {
            mutated = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
          } catch {
            fc.pre(false);
            return;
          }
          // A byte change that stores the same value (e.g. "\u001f" → "\u001F") changes nothing stored.
          fc.pre(JSON.stringify(mutated) !== JSON.stringify(original));
          const stray =
            mutated.stream !== original.stream || mutated.seq !== original.seq
              ? { stream: mutated.stream as string, seq: mutated.seq as number }
              : undefined;
          try {
            await tamper.putRaw(mutated);
          } catch {
            // DynamoDB refuses it (a key gone or of the wrong type): not a change that can be stored.
            fc.pre(false);
            return;
          }
          try {
            if (stray) await tamper.deleteEntry(original.stream, original.seq);
            tried += 1;
            expect((await problemsOf(stream)).length).toBeGreaterThan(0);
          } finally {
            await tamper.restore({ ...original }, stray);
            await tamper.restore(head);
          }
        },
      ),
      { numRuns: 60, seed: 8785 },
    );
    expect(tried).toBeGreaterThan(30);
    expect(await problemsOf(stream)).toEqual([]);
  }, 120_000);
});
