import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvidencePack, evidencePackSchema } from '../../functions/audit/evidence.ts';
import { evidencePdf, printableText } from '../../functions/audit/evidence-pdf.ts';
import { removeRendered, renderPdf } from '../support/pdf.ts';

const hash = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** A pack as evidenceOf builds it, for a change acknowledged and sealed in digest 4. */
function pack(overrides: Partial<EvidencePack> = {}): EvidencePack {
  const rationale = overrides.rationale ?? 'Distributor margins fell; the new rate keeps the program funded.';
  return evidencePackSchema.parse({
    changeId: 'chg_evidence1',
    kind: 'commission-change',
    kindLabel: 'commission change',
    status: 'applied',
    partner: { partnerId: 'northwind-resellers', name: 'Northwind Resellers', stage: 'enhanced' },
    whatChanges: 'commission 12% -> 11%, all products and accounts',
    terms: { newRatePct: 11 },
    effectiveDate: '2026-05-01',
    adverse: true,
    submittedBy: 'fiona',
    submittedAt: '2026-03-02T09:00:00.000Z',
    approvedBy: ['alex'],
    rationale,
    notices: [
      {
        noticeId: 'chg_evidence1-v1',
        version: 1,
        issuedAt: '2026-03-02T09:05:00.000Z',
        subject: 'Notice of commission reduction: 12% → 11% from 1 May 2026',
        lines: [
          { label: 'Partner', value: 'Northwind Resellers (Enhanced)' },
          { label: 'New commission rate', value: '11%' },
        ],
        rationale,
        content: { rationale },
        storedContentHash: hash(7),
        recomputedContentHash: hash(7),
        contentHashMatches: true,
      },
    ],
    stream: 'change#chg_evidence1',
    timeline: Array.from({ length: 6 }, (_, index) => ({
      seq: index + 1,
      at: `2026-03-0${index + 2}T09:00:00.000Z`,
      type: index === 4 ? 'acknowledgement-recorded' : 'notice-sent',
      actor: index === 4 ? 'partner:c1' : 'workflow',
      summary: `Step ${index + 1} in plain words.`,
      hash: hash(100 + index),
    })),
    acknowledgements: [
      {
        seq: 5,
        contactId: 'c1',
        recipient: { name: 'Ana Ruiz', email: 'ana@northwind.example' },
        acknowledgedAt: '2026-03-06T09:00:00.000Z',
        sourceIp: '192.0.2.20',
        userAgent: 'Mozilla/5.0',
        noticeId: 'chg_evidence1-v1',
        noticeVersion: 1,
        contentHash: hash(7),
        matchesNoticeShown: true,
        entryHash: hash(104),
      },
    ],
    opens: [
      {
        seq: 4,
        at: '2026-03-05T09:00:00.000Z',
        noticeId: 'chg_evidence1-v1',
        contactId: 'c1',
        userAgent: 'Scanner/1.0',
        label: 'Link opened',
      },
    ],
    deliveries: [],
    digest: {
      sealed: true,
      number: 4,
      sealedAt: '2026-03-07T00:00:00.000Z',
      merkleRoot: hash(9),
      previousDigestHash: hash(8),
      signingKeyId: 'local:0123456789abcdef',
      algorithm: 'ECDSA_SHA_256',
      signature: 'MEUCIQ==',
      streams: 3,
      sealedHead: { stream: 'change#chg_evidence1', seq: 6, hash: hash(105) },
      inclusionProof: [{ side: 'right', hash: hash(11) }],
      coversAcknowledgements: true,
      message: 'Digest 4 seals it.',
    },
    verification: {
      intact: true,
      verdict: 'intact: every hash recomputed.',
      stream: { entries: 6, head: { seq: 6, hash: hash(105) }, problems: [] },
      digests: { count: 4, problems: [] },
      inclusionProofVerifies: true,
      noticeContentProblems: [],
    },
    generatedAt: '2026-03-08T00:00:00.000Z',
    ...overrides,
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcn-evidence-pdf-'));
});
afterAll(() => removeRendered(dir));

describe('the evidence pack as PDF', () => {
  it('renders as a reader shows it: title, partner, notice, acknowledgement with its hash, digest and verdict', async () => {
    const rendered = await renderPdf(await evidencePdf(pack()), join(dir, 'short'));
    expect(rendered.pages.length).toBeGreaterThanOrEqual(1);
    for (const page of rendered.pages) expect(page.bytes).toBeGreaterThan(5_000);
    for (const expected of [
      'Evidence pack',
      'chg_evidence1',
      'Northwind Resellers',
      'Acknowledged by Ana Ruiz <ana@northwind.example>',
      hash(7),
      '192.0.2.20',
      'Digest 4',
      hash(9),
      'Result: intact',
      'not an acknowledgement',
      `page 1 of ${rendered.pages.length}`,
    ])
      expect(rendered.text).toContain(expected);
  });

  it('wraps a long rationale over several numbered pages, with characters the font lacks shown, not thrown', async () => {
    const paragraph =
      'Rates move 12% → 11% because the distributor’s margin fell “sharply” — see the review 📉; 新しい料金 applies to Zoë and Łukasz alike. ';
    const rationale = Array.from({ length: 60 }, (_, index) => `${index + 1}. ${paragraph}`).join('\n');
    const pdf = await evidencePdf(pack({ rationale }));
    const rendered = await renderPdf(pdf, join(dir, 'long'));
    expect(rendered.pages.length).toBeGreaterThanOrEqual(3);
    for (const page of rendered.pages) expect(page.bytes).toBeGreaterThan(5_000);
    expect(rendered.text).toContain(`page ${rendered.pages.length} of ${rendered.pages.length}`);
    // Each of the rationale's lines starts a line of its own.
    for (const number of [1, 2, 30, 60])
      expect(rendered.text).toMatch(new RegExp(`^ *${number}\\. Rates move 12% -> 11%`, 'm'));
    expect(rendered.text).toContain('distributor’s margin fell “sharply” — see the review ?;');
    expect(rendered.text).toContain('Zoë and Lukasz alike');
    expect(rendered.text).toContain('printed as "?"');
  });

  it('shows a tampered verdict and a change not sealed yet in words', async () => {
    const rendered = await renderPdf(
      await evidencePdf(
        pack({
          digest: { sealed: false, message: 'Not sealed yet: no signed digest covers it.' },
          verification: {
            intact: false,
            verdict: 'TAMPERED: entry 2: altered — Entry 2 was edited.',
            stream: {
              entries: 6,
              problems: [
                { stream: 'change#chg_evidence1', seq: 2, kind: 'altered', message: 'Entry 2 was edited.' },
              ],
            },
            digests: { count: 0, problems: [] },
            noticeContentProblems: [],
          },
        }),
      ),
      join(dir, 'tampered'),
    );
    expect(rendered.text).toContain('Result: TAMPERED');
    expect(rendered.text).toContain('Entry 2: altered');
    expect(rendered.text).toContain('Not sealed yet');
  });
});

describe('text the standard fonts can encode', () => {
  it('keeps Windows-1252, replaces known signs and accents, and counts what it shows as ?', () => {
    expect(printableText('12% → 11% ≥ “fair” — Zoë’s café')).toEqual({
      text: '12% -> 11% >= “fair” — Zoë’s café',
      replaced: 0,
    });
    expect(printableText('Łódź\tok')).toEqual({ text: 'Lódz    ok', replaced: 0 });
    expect(printableText('😀 新')).toEqual({ text: '? ?', replaced: 2 });
    expect(printableText('a\u0000b\u200bc\r\nd')).toEqual({ text: 'abc\nd', replaced: 0 });
  });
});
