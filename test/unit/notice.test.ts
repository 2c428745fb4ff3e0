import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../functions/domain/canonical-json.ts';
import type { CommissionChange } from '../../functions/domain/commission-change.ts';
import {
  escapeHtml,
  type NoticeContent,
  noticeContentHash,
  noticeContentOf,
  noticeHtmlFragment,
  noticeSubject,
  renderNoticeEmail,
} from '../../functions/domain/notice.ts';
import { GOOD_RATIONALE } from './arbitraries.ts';

const CHANGE: CommissionChange = {
  changeId: 'chg_001',
  partnerId: 'p1',
  partnerStage: 'collaborative',
  currentRatePct: 12,
  newRatePct: 10,
  direction: 'cut',
  effectiveDate: '2026-06-01',
  rationale: GOOD_RATIONALE,
  scope: { products: ['edge', 'storage'] },
  scopeKey: 'products:edge,storage',
  noticePeriodDays: 60,
  submittedBy: 'finance:alice',
  submittedAt: '2026-03-10T12:00:00.000Z',
  status: 'submitted',
  followUp: { remindersSent: 0, escalated: false },
};

const CONTENT = noticeContentOf(CHANGE, 'Acme Systems', 1);
const LINK = 'https://notices.example/ack?token=abc.def&x=1';

describe('noticeContentOf', () => {
  it('shows the change as finance submitted it, with the rationale verbatim', () => {
    expect(CONTENT).toMatchObject({
      noticeVersion: 1,
      changeId: 'chg_001',
      partnerName: 'Acme Systems',
      partnerStage: 'collaborative',
      kind: 'commission-rate-cut',
      currentRatePct: 12,
      newRatePct: 10,
      effectiveDate: '2026-06-01',
      rationale: GOOD_RATIONALE,
      noticePeriodDays: 60,
      acknowledgementRequired: true,
    });
    expect(CONTENT.scopeDescription).toContain('edge');
    expect(CONTENT.scopeDescription).toContain('storage');
  });

  it('leaves internal fields (who submitted, status) out of what the partner is shown', () => {
    const json = canonicalJson(CONTENT);
    expect(json).not.toContain('finance:alice');
    expect(json).not.toContain('submittedAt');
  });

  it('a raise is an increase that does not require acknowledgement', () => {
    const raise = noticeContentOf(
      { ...CHANGE, direction: 'raise', newRatePct: 14, noticePeriodDays: 0 },
      'Acme',
      1,
    );
    expect(raise.kind).toBe('commission-rate-raise');
    expect(raise.acknowledgementRequired).toBe(false);
  });
});

describe('noticeSubject', () => {
  it('says reduction for a cut and increase for a raise, with both rates and the date', () => {
    const cut = noticeSubject(CONTENT);
    expect(cut).toMatch(/reduction/i);
    expect(cut).not.toMatch(/increase/i);
    expect(cut).toContain('12%');
    expect(cut).toContain('10%');
    expect(cut).toContain('2026-06-01');
    const raise = noticeSubject({ ...CONTENT, kind: 'commission-rate-raise', newRatePct: 14 });
    expect(raise).toMatch(/increase/i);
    expect(raise).not.toMatch(/reduction/i);
  });
});

describe('rendering', () => {
  const hostile = `Costs rose <script>alert("x")</script> & margins fell 9% on O'Brien's "edge" line.\nSecond paragraph.`;
  const content: NoticeContent = { ...CONTENT, rationale: hostile, partnerName: '<b>Acme</b>' };

  it('escapes a rationale containing <script> in the HTML', () => {
    const { html } = renderNoticeEmail(content, 'Jo <Admin>', LINK);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>Acme</b>');
    expect(html).not.toContain('Jo <Admin>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(noticeHtmlFragment(content)).not.toContain('<script>');
  });

  it('shows the rationale verbatim in the text part and, escaped, in the HTML part', () => {
    const { text, html } = renderNoticeEmail(content, 'Jo', LINK);
    expect(text).toContain(hostile);
    expect(html).toContain(escapeHtml(hostile).replaceAll('\n', '<br>'));
  });

  it('property: any rationale round-trips through the HTML (unescaping gives it back)', () => {
    const unescapeHtml = (s: string) =>
      s
        .replaceAll('<br>', '\n')
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&');
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (rationale) => {
        const fragment = noticeHtmlFragment({ ...CONTENT, rationale });
        const match = /<blockquote class="rationale">([\s\S]*)<\/blockquote>$/.exec(fragment);
        expect(match).not.toBeNull();
        expect(match![1]).not.toMatch(/<(?!br>)/);
        expect(unescapeHtml(match![1]!)).toBe(rationale);
      }),
      { numRuns: 200 },
    );
  });

  it('the link is in both parts and every shown field is in the text', () => {
    const { text, html, subject } = renderNoticeEmail(CONTENT, 'Jo', LINK);
    expect(text).toContain(LINK);
    expect(html).toContain(`href="${escapeHtml(LINK)}"`);
    expect(subject).toBe(noticeSubject(CONTENT));
    for (const shown of ['Acme Systems', 'Collaborative', '12%', '10%', '2026-06-01', '60 days', 'chg_001']) {
      expect(text).toContain(shown);
      expect(html).toContain(shown);
    }
  });

  it('asks for acknowledgement on a cut; a raise needs no notice period', () => {
    expect(renderNoticeEmail(CONTENT, 'Jo', LINK).text).toMatch(/read the notice and acknowledge it\./);
    const raise = {
      ...CONTENT,
      kind: 'commission-rate-raise' as const,
      noticePeriodDays: 0,
      acknowledgementRequired: false,
    };
    expect(renderNoticeEmail(raise, 'Jo', LINK).text).toMatch(/None required/);
  });
});

describe('noticeContentHash', () => {
  type Key = keyof NoticeContent;
  const change: Record<Key, (c: NoticeContent) => NoticeContent> = {
    noticeVersion: (c) => ({ ...c, noticeVersion: c.noticeVersion + 1 }),
    changeId: (c) => ({ ...c, changeId: `${c.changeId}x` }),
    partnerName: (c) => ({ ...c, partnerName: `${c.partnerName} ` }),
    partnerStage: (c) => ({
      ...c,
      partnerStage: c.partnerStage === 'partnership' ? 'enhanced' : 'partnership',
    }),
    kind: (c) => ({
      ...c,
      kind: c.kind === 'commission-rate-cut' ? 'commission-rate-raise' : 'commission-rate-cut',
    }),
    currentRatePct: (c) => ({ ...c, currentRatePct: c.currentRatePct + 0.01 }),
    newRatePct: (c) => ({ ...c, newRatePct: c.newRatePct - 0.01 }),
    effectiveDate: (c) => ({ ...c, effectiveDate: '2026-06-02' }),
    scopeDescription: (c) => ({ ...c, scopeDescription: `${c.scopeDescription}, cloud` }),
    rationale: (c) => ({ ...c, rationale: `${c.rationale}.` }),
    noticePeriodDays: (c) => ({ ...c, noticePeriodDays: c.noticePeriodDays + 1 }),
    acknowledgementRequired: (c) => ({ ...c, acknowledgementRequired: !c.acknowledgementRequired }),
  };

  it('covers every field of the notice content', () => {
    expect(Object.keys(change).sort()).toEqual(Object.keys(CONTENT).sort());
  });

  it.each(Object.keys(change) as Key[])('changes when %s changes', (key) => {
    expect(noticeContentHash(change[key](CONTENT))).not.toBe(noticeContentHash(CONTENT));
  });

  it('property: changing one character of the rationale changes the hash', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: GOOD_RATIONALE.length - 1 }),
        fc.string({ minLength: 1, maxLength: 1 }),
        (index, ch) => {
          fc.pre(GOOD_RATIONALE[index] !== ch);
          const rationale = GOOD_RATIONALE.slice(0, index) + ch + GOOD_RATIONALE.slice(index + 1);
          expect(noticeContentHash({ ...CONTENT, rationale })).not.toBe(noticeContentHash(CONTENT));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: is stable across key order', () => {
    fc.assert(
      fc.property(fc.infiniteStream(fc.nat()), (picks) => {
        const entries = Object.entries(CONTENT);
        for (let i = entries.length - 1; i > 0; i--) {
          const j = picks.next().value % (i + 1);
          [entries[i], entries[j]] = [entries[j]!, entries[i]!];
        }
        const reordered = Object.fromEntries(entries) as unknown as NoticeContent;
        expect(noticeContentHash(reordered)).toBe(noticeContentHash(CONTENT));
      }),
      { numRuns: 50 },
    );
    expect(noticeContentHash(CONTENT)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: undefined, b: null } })).toBe(
      '{"a":{"b":null,"d":[3,1]},"b":1}',
    );
  });

  it('property: equal to JSON.parse-equivalent values whatever the key order, and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        const reversed = JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
          v && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        );
        expect(canonicalJson(reversed)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
