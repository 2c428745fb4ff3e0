import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredChange } from '../../functions/adapters/dynamodb/change-store.ts';
import { changeKinds } from '../../functions/change-kinds.ts';
import { commissionChangeKind } from '../../functions/commission-changes/kind.ts';
import type { CommissionTerms } from '../../functions/commission-changes/rules.ts';
import { canonicalJson } from '../../functions/domain/canonical-json.ts';
import {
  escapeHtml,
  type NoticeContent,
  noticeContentHash,
  noticeHtmlFragment,
  noticeLines,
  noticeSubject,
  renderNoticeEmail,
} from '../../functions/domain/notice.ts';
import type { Partner } from '../../functions/domain/partner.ts';
import { noticeContentFor } from '../../functions/notices/send-notice.ts';
import { GOOD_RATIONALE } from './arbitraries.ts';

const TERMS: CommissionTerms = {
  currentRatePct: 12,
  newRatePct: 10,
  direction: 'cut',
  scope: { products: ['edge', 'storage'] },
  scopeKey: 'products:edge,storage',
};

const PARTNER: Partner = {
  partnerId: 'p1',
  name: 'Acme Systems',
  stage: 'collaborative',
  allianceManager: { userId: 'aisha', name: 'Aisha Mensah', email: 'aisha.mensah@vendor.example' },
  contacts: [{ contactId: 'c1', name: 'Jo', email: 'jo@acme.example', role: 'primary' }],
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const CHANGE: StoredChange<CommissionTerms> = {
  changeId: 'chg_001',
  kind: 'commission-change',
  partnerId: 'p1',
  partnerStage: 'collaborative',
  terms: TERMS,
  adverse: true,
  effectiveDate: '2026-06-01',
  rationale: GOOD_RATIONALE,
  internalNote: 'Board asked for this before the Q3 close; do not mention the Q3 target.',
  noticePeriodDays: 60,
  submittedBy: 'finance:alice',
  submittedAt: '2026-03-10T12:00:00.000Z',
  status: 'notice-due',
  revision: 3,
  approval: {
    required: 1,
    approvals: [{ by: 'approver:bob', at: '2026-03-11T09:00:00.000Z', comment: 'ok' }],
  },
  followUp: { remindersSent: 0 },
};

const APPLY_AT = new Date('2026-06-01T00:00:00.000Z');
const CONTENT = noticeContentFor({ kinds: changeKinds }, CHANGE, PARTNER, {
  noticeId: 'chg_001-v1',
  version: 1,
  applyAt: APPLY_AT,
});
const LINK = 'https://notices.example/ack?token=abc.def&x=1';

describe('the notice content of a commission change', () => {
  it('shows the change as finance submitted it, with the rationale verbatim', () => {
    expect(CONTENT).toMatchObject({
      noticeVersion: 1,
      changeId: 'chg_001',
      kind: 'commission-change',
      partnerName: 'Acme Systems',
      partnerStage: 'collaborative',
      effectiveDate: '2026-06-01',
      appliesFrom: '2026-06-01',
      rationale: GOOD_RATIONALE,
      noticePeriodDays: 60,
      acknowledgementRequired: true,
      allianceManager: { name: 'Aisha Mensah', email: 'aisha.mensah@vendor.example' },
    });
    const shown = noticeLines(CONTENT)
      .map((line) => `${line.label}: ${line.value}`)
      .join('\n');
    expect(shown).toContain('Current commission rate: 12%');
    expect(shown).toContain('New commission rate: 10%');
    expect(shown).toContain('edge');
    expect(shown).toContain('storage');
    expect(shown).toContain('What it means in money: Per $10,000 of bookings: $1,200 → $1,000');
    expect(CONTENT.example).toEqual({ label: 'Per $10,000 of bookings', before: '$1,200', after: '$1,000' });
  });

  it('leaves internal fields (the internal note, who submitted and approved, status) out of what the partner is shown', () => {
    const json = canonicalJson(CONTENT);
    for (const hidden of [
      'Q3 target',
      'finance:alice',
      'approver:bob',
      'submittedAt',
      'notice-due',
      'revision',
    ]) {
      expect(json).not.toContain(hidden);
    }
  });

  it('a raise is an increase that does not require acknowledgement', () => {
    const raise = noticeContentFor(
      { kinds: changeKinds },
      {
        ...CHANGE,
        terms: { ...TERMS, direction: 'raise', newRatePct: 14 },
        adverse: false,
        noticePeriodDays: 0,
      },
      PARTNER,
      { noticeId: 'chg_001-v1', version: 1, applyAt: APPLY_AT },
    );
    expect(raise.title).toMatch(/increase/);
    expect(raise.acknowledgementRequired).toBe(false);
  });

  it('shows the date it really takes effect, and why it moved when delivery came late', () => {
    const moved = noticeContentFor({ kinds: changeKinds }, CHANGE, PARTNER, {
      noticeId: 'chg_001-v1',
      version: 1,
      applyAt: new Date('2026-06-09T00:00:00.000Z'),
    });
    const text = noticeLines(moved)
      .map((line) => line.value)
      .join(' ');
    expect(moved.appliesFrom).toBe('2026-06-09');
    expect(text).toContain('9 June 2026');
    expect(text).toContain('1 June 2026; moved so you get the full notice period');
    expect(text).toMatch(/moved so you get the full notice period/);
  });

  it('flags an emergency in the notice itself, with its justification', () => {
    const emergency = noticeContentFor(
      { kinds: changeKinds },
      {
        ...CHANGE,
        noticePeriodDays: 7,
        emergency: { justification: 'A court order takes effect.', standardNoticeDays: 60 },
      },
      PARTNER,
      { noticeId: 'chg_001-v1', version: 1, applyAt: APPLY_AT },
    );
    expect(noticeSubject(emergency)).toMatch(/^Emergency notice/);
    expect(noticeHtmlFragment(emergency)).toContain('emergency notice');
    expect(noticeLines(emergency).find((line) => line.label === 'Emergency notice')?.value).toContain(
      'usual 60 days, because: A court order takes effect.',
    );
  });
});

describe('noticeSubject', () => {
  it('says reduction for a cut and increase for a raise, with both rates and the date', () => {
    const cut = noticeSubject(CONTENT);
    expect(cut).toMatch(/reduction/i);
    expect(cut).not.toMatch(/increase/i);
    expect(cut).toContain('12%');
    expect(cut).toContain('10%');
    expect(cut).toContain('from 1 June 2026');
    const raise = noticeSubject({
      ...CONTENT,
      title: commissionChangeKind.notice({ ...TERMS, direction: 'raise', newRatePct: 14 }).title,
    });
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
        const match = /<blockquote class="rationale">([\s\S]*?)<\/blockquote>/.exec(fragment);
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
    for (const shown of [
      'Acme Systems',
      'Collaborative',
      '12%',
      '10%',
      '1 June 2026',
      '60 days',
      'chg_001',
      'Aisha Mensah',
    ]) {
      expect(text).toContain(shown);
      expect(html).toContain(shown);
    }
  });

  it('asks for acknowledgement on a cut; a raise needs no notice period', () => {
    expect(renderNoticeEmail(CONTENT, 'Jo', LINK).text).toMatch(
      /read the notice and acknowledge it, or to raise a concern/,
    );
    const raise = { ...CONTENT, adverse: false, noticePeriodDays: 0, acknowledgementRequired: false };
    expect(renderNoticeEmail(raise, 'Jo', LINK).text).toMatch(/None required/);
  });
});

describe('noticeContentHash', () => {
  type Key = keyof NoticeContent;
  const FULL: NoticeContent = {
    ...CONTENT,
    emergency: { justification: 'A court order takes effect next week.', standardNoticeDays: 60 },
    replaces: { version: 1, comparedToPrevious: 'better' },
  };
  const change: Record<Key, (c: NoticeContent) => NoticeContent> = {
    noticeId: (c) => ({ ...c, noticeId: `${c.noticeId}x` }),
    noticeVersion: (c) => ({ ...c, noticeVersion: c.noticeVersion + 1 }),
    changeId: (c) => ({ ...c, changeId: `${c.changeId}x` }),
    kind: (c) => ({ ...c, kind: `${c.kind}x` }),
    partnerName: (c) => ({ ...c, partnerName: `${c.partnerName} ` }),
    partnerStage: (c) => ({
      ...c,
      partnerStage: c.partnerStage === 'partnership' ? 'enhanced' : 'partnership',
    }),
    title: (c) => ({ ...c, title: c.title.replace('10%', '10.01%') }),
    terms: (c) => ({
      ...c,
      terms: c.terms.map((line, i) => (i === 0 ? { ...line, value: `${line.value} ` } : line)),
    }),
    example: (c) => ({
      ...c,
      example: { label: 'Per $10,000 of bookings', before: '$1,200', after: '$999' },
    }),
    effectiveDate: (c) => ({ ...c, effectiveDate: '2026-06-02' }),
    appliesFrom: (c) => ({ ...c, appliesFrom: '2026-06-03' }),
    noticePeriodDays: (c) => ({ ...c, noticePeriodDays: c.noticePeriodDays + 1 }),
    adverse: (c) => ({ ...c, adverse: !c.adverse }),
    acknowledgementRequired: (c) => ({ ...c, acknowledgementRequired: !c.acknowledgementRequired }),
    emergency: (c) => ({
      ...c,
      emergency: { justification: 'Another reason entirely.', standardNoticeDays: 60 },
    }),
    rationale: (c) => ({ ...c, rationale: `${c.rationale}.` }),
    allianceManager: (c) => ({
      ...c,
      allianceManager: { ...c.allianceManager, email: 'other@vendor.example' },
    }),
    replaces: (c) => ({ ...c, replaces: { version: 1, comparedToPrevious: 'worse' } }),
  };

  it('covers every field of the notice content', () => {
    expect(Object.keys(change).sort()).toEqual(Object.keys(FULL).sort());
  });

  it.each(Object.keys(change) as Key[])('changes when %s changes', (key) => {
    expect(noticeContentHash(change[key](FULL))).not.toBe(noticeContentHash(FULL));
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
