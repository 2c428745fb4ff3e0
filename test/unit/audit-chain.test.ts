import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  type AuditEntryDraft,
  type AuditStreamHead,
  auditEntryHash,
  chainEntries,
  GENESIS_HASH,
  verifyChain,
} from '../../functions/domain/audit-chain.ts';

const STREAM = 'change#chg_001';

const draftArb: fc.Arbitrary<AuditEntryDraft> = fc.record({
  type: fc.constantFrom(
    'change-submitted',
    'notice-sent',
    'acknowledgement-recorded',
    'reminder-sent',
    'escalated-to-alliance-manager',
    'change-applied',
  ),
  at: fc
    .date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  actor: fc.constantFrom('finance:alice', 'partner:contact-42', 'workflow'),
  details: fc.dictionary(
    fc.stringMatching(/^[a-zA-Z]{1,8}$/),
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 3 }),
    ),
    { maxKeys: 4 },
  ),
});

/** Appends drafts in several batches, as the workflow steps do, carrying the head between them. */
function appendInBatches(
  drafts: AuditEntryDraft[],
  cuts: number[],
): { entries: AuditEntry[]; head: AuditStreamHead | undefined } {
  const boundaries = [...new Set(cuts.map((c) => c % (drafts.length + 1)))].sort((a, b) => a - b);
  let head: AuditStreamHead | undefined;
  const entries: AuditEntry[] = [];
  let from = 0;
  for (const to of [...boundaries, drafts.length]) {
    if (to <= from) continue;
    const appended = chainEntries(STREAM, head, drafts.slice(from, to));
    entries.push(...appended.entries);
    head = appended.head;
    from = to;
  }
  return { entries, head };
}

const chainArb = fc
  .tuple(fc.array(draftArb, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 4 }))
  .map(([drafts, cuts]) => ({ drafts, ...appendInBatches(drafts, cuts) }));

const RUNS = { numRuns: 150 } as const;

describe('chainEntries + verifyChain', () => {
  it('an empty stream with no head is intact', () => {
    expect(verifyChain([], undefined)).toEqual({ intact: true, entries: 0 });
  });

  it('property: entries appended in several batches verify intact, numbered 1..n and linked from genesis', () => {
    fc.assert(
      fc.property(chainArb, ({ drafts, entries, head }) => {
        expect(verifyChain(entries, head)).toEqual({ intact: true, entries: drafts.length });
        expect(entries.map((e) => e.seq)).toEqual(drafts.map((_, i) => i + 1));
        expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
        entries.forEach((entry, i) => {
          if (i > 0) expect(entry.prevHash).toBe(entries[i - 1]!.hash);
          expect(entry).toMatchObject({ ...drafts[i], stream: STREAM });
        });
        expect(head).toEqual({ seq: drafts.length, hash: entries.at(-1)!.hash });
        expect(new Set(entries.map((e) => e.hash)).size).toBe(entries.length);
      }),
      RUNS,
    );
  });

  it('property: batching does not matter, the same drafts give the same chain', () => {
    fc.assert(
      fc.property(chainArb, fc.array(fc.nat(), { maxLength: 4 }), ({ drafts, entries, head }, otherCuts) => {
        const again = appendInBatches(drafts, otherCuts);
        expect(again.entries).toEqual(entries);
        expect(again.head).toEqual(head);
      }),
      RUNS,
    );
  });

  it('property: the order in which storage returns entries does not matter', () => {
    fc.assert(
      fc.property(chainArb, fc.infiniteStream(fc.nat()), ({ entries, head }, picks) => {
        const shuffled = [...entries];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = picks.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(verifyChain(shuffled, head)).toMatchObject({ intact: true });
      }),
      RUNS,
    );
  });
});

describe('verifyChain detects tampering (principle 8)', () => {
  type Field = 'type' | 'at' | 'actor' | 'details' | 'stream' | 'prevHash' | 'hash';
  const alter: Record<Field, (entry: AuditEntry) => AuditEntry> = {
    type: (e) => ({ ...e, type: e.type === 'change-applied' ? 'notice-sent' : 'change-applied' }),
    at: (e) => ({ ...e, at: new Date(Date.parse(e.at) + 1).toISOString() }),
    actor: (e) => ({ ...e, actor: `${e.actor}x` }),
    details: (e) => ({ ...e, details: { ...e.details, ratePct: Number(e.details.ratePct ?? 0) + 1 } }),
    stream: (e) => ({ ...e, stream: 'change#chg_002' }),
    prevHash: (e) => ({ ...e, prevHash: `${e.prevHash}0` }),
    hash: (e) => ({ ...e, hash: `${e.hash.slice(0, -1)}${e.hash.endsWith('0') ? '1' : '0'}` }),
  };

  it('property: altering any field of any entry breaks the chain at that entry', () => {
    fc.assert(
      fc.property(
        chainArb,
        fc.nat(),
        fc.constantFrom(...(Object.keys(alter) as Field[])),
        ({ entries, head }, pick, field) => {
          const index = pick % entries.length;
          const tampered = entries.map((e, i) => (i === index ? alter[field](e) : e));
          const verdict = verifyChain(tampered, head);
          expect(verdict).toMatchObject({ intact: false, seq: index + 1 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: altering a nested detail value is detected', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), ({ entries, head }, pick) => {
        const index = pick % entries.length;
        const tampered = entries.map((e, i) =>
          i === index ? { ...e, details: { ...e.details, nested: { list: [1, 2, 3] } } } : e,
        );
        const original = entries[index]!.details.nested;
        fc.pre(JSON.stringify(original) !== JSON.stringify({ list: [1, 2, 3] }));
        expect(verifyChain(tampered, head)).toMatchObject({ intact: false, seq: index + 1 });
      }),
      RUNS,
    );
  });

  it('property: altering the seq of any entry is detected', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.integer({ min: 1, max: 50 }), ({ entries, head }, pick, newSeq) => {
        const index = pick % entries.length;
        fc.pre(newSeq !== index + 1);
        const tampered = entries.map((e, i) => (i === index ? { ...e, seq: newSeq } : e));
        expect(verifyChain(tampered, head).intact).toBe(false);
      }),
      RUNS,
    );
  });

  it('property: deleting any entry but the last is reported as missing at its seq', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), ({ entries, head }, pick) => {
        fc.pre(entries.length >= 2);
        const index = pick % (entries.length - 1);
        const verdict = verifyChain(
          entries.filter((_, i) => i !== index),
          head,
        );
        expect(verdict).toMatchObject({ intact: false, seq: index + 1, problem: 'entry missing' });
      }),
      RUNS,
    );
  });

  it('property: deleting the tail (the head kept) is reported at the first removed seq', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), ({ entries, head }, pick) => {
        const keep = pick % entries.length; // removes at least one entry
        const verdict = verifyChain(entries.slice(0, keep), head);
        expect(verdict).toMatchObject({ intact: false, seq: keep + 1 });
      }),
      RUNS,
    );
  });

  it('a chain verified without its head is not intact (the head proves the tail)', () => {
    const { entries } = chainEntries(STREAM, undefined, [
      { type: 'change-submitted', at: '2026-01-01T00:00:00.000Z', actor: 'workflow', details: {} },
    ]);
    expect(verifyChain(entries, undefined)).toMatchObject({ intact: false });
  });

  it('property: moving an entry to another position (renumbered) breaks the chain at the first moved seq', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.nat(), ({ entries, head }, a, b) => {
        const i = a % entries.length;
        const j = b % entries.length;
        fc.pre(i !== j);
        const drafts = entries.map(({ seq: _seq, ...rest }) => rest);
        // Swap the two entries' contents, each taking the other's place (and seq) in the chain.
        const swapped = entries.map((e, k) =>
          k === i ? { ...drafts[j]!, seq: e.seq } : k === j ? { ...drafts[i]!, seq: e.seq } : e,
        );
        fc.pre(JSON.stringify(swapped) !== JSON.stringify(entries));
        expect(verifyChain(swapped, head)).toMatchObject({ intact: false, seq: Math.min(i, j) + 1 });
      }),
      RUNS,
    );
  });

  it('property: an altered entry re-hashed in place (its own hash valid) breaks the link from the next entry', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), ({ entries, head }, pick) => {
        const index = pick % entries.length;
        const { hash: _hash, ...unhashed } = { ...entries[index]!, actor: `${entries[index]!.actor}!` };
        const forged = { ...unhashed, hash: auditEntryHash(unhashed) };
        const tampered = entries.map((e, i) => (i === index ? forged : e));
        // The next entry's prevHash no longer matches; for the last entry the head no longer matches it.
        const last = index === entries.length - 1;
        expect(verifyChain(tampered, head)).toMatchObject({
          intact: false,
          seq: last ? index + 1 : index + 2,
          problem: last ? 'head-mismatch' : 'link to previous entry broken',
        });
      }),
      RUNS,
    );
  });

  it('property: re-chaining altered content from the altered entry on is caught by the head', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), ({ drafts, entries, head }, pick) => {
        const index = pick % entries.length;
        const altered = drafts.map((d, i) => (i === index ? { ...d, actor: `${d.actor}!` } : d));
        const rewritten = chainEntries(STREAM, undefined, altered).entries;
        expect(verifyChain(rewritten, head)).toMatchObject({
          intact: false,
          seq: entries.length,
          problem: 'head-mismatch',
        });
      }),
      RUNS,
    );
  });
});
