import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  judgeRationale,
  MIN_RATIONALE_CHARACTERS,
  MIN_RATIONALE_WORDS,
  specificsOf,
} from '../../functions/domain/rationale.ts';
import { GOOD_RATIONALE } from './arbitraries.ts';
import { BAD_RATIONALES, GOOD_RATIONALES } from './rationale-corpus.ts';

function rejection(text: string): string {
  const verdict = judgeRationale(text);
  if (verdict.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return verdict.reason;
}

const BOILERPLATE = [
  'business reasons',
  'business needs',
  'business decision',
  'management decision',
  'strategic reasons',
  'internal reasons',
  'as per policy',
  'company policy',
  'program update',
  'programme update',
  'commission update',
  'rate change',
  'rate adjustment',
  'market conditions',
  'not applicable',
  'to be confirmed',
  'to be determined',
  'see above',
  'see attached',
  'lorem ipsum',
  'no comment',
  'n/a',
  'tbd',
  'tbc',
  'various reasons',
  'due to changes',
];
const FILLER = [
  'a',
  'the',
  'and',
  'of',
  'for',
  'to',
  'due',
  'in',
  'our',
  'this',
  'is',
  'we',
  'rates',
  'new',
  'effective',
];

describe('judgeRationale', () => {
  it('rejects an empty rationale, saying it is empty', () => {
    expect(rejection('')).toMatch(/empty/i);
  });

  it.each(['   ', '\n\t  \n', '\u00a0 '])('rejects whitespace-only %j as empty', (text) => {
    expect(rejection(text)).toMatch(/empty/i);
  });

  it.each([
    'Margin squeeze.',
    'Due to business reasons.',
    'Supplier prices rose so we cut edge commission.', // 8 words
    'a b c d e f g h i j k l', // 12 words, too few characters
  ])('rejects the short %j with the minimum in the reason', (text) => {
    const reason = rejection(text);
    expect(reason).toMatch(/too short/i);
    expect(reason).toContain(String(MIN_RATIONALE_WORDS));
    expect(reason).toContain(String(MIN_RATIONALE_CHARACTERS));
  });

  it('does not count surrounding whitespace towards the minimum length', () => {
    expect(rejection(`${' '.repeat(80)}Margin squeeze.${' '.repeat(80)}`)).toMatch(/too short/i);
  });

  it.each([
    'As per policy, rates change for strategic reasons and business needs and market conditions.',
    'This rate adjustment is a business decision due to changes in market conditions, as per policy. TBD.',
    'Commission update: the new rates are effective due to various reasons and internal reasons, see attached.',
    'Management decision. Company policy. Program update. Rate change for business reasons and business needs.',
  ])('rejects boilerplate %j and asks for a concrete reason', (text) => {
    expect(text.length).toBeGreaterThanOrEqual(MIN_RATIONALE_CHARACTERS);
    expect(rejection(text)).toMatch(/boilerplate/i);
  });

  it('rejects a long rationale that only repeats itself', () => {
    // six concrete words, so it is not boilerplate, but 6 distinct words out of 30
    const text = `Supplier costs rose sharply. ${'margin squeeze '.repeat(13)}`;
    expect(rejection(text)).toMatch(/repeats/i);
  });

  it('accepts a real rationale: the margin squeeze and what the partner can do', () => {
    expect(judgeRationale(GOOD_RATIONALE)).toMatchObject({ ok: true });
    expect(
      judgeRationale(
        'A 9% increase in our supplier\u2019s hardware prices has squeezed our margin on appliances to 4%. ' +
          'We are lowering hardware commission from 12% to 10%; services commission is unchanged, so bundling ' +
          'managed services keeps your blended rate where it is.',
      ),
    ).toEqual({
      ok: true,
      specifics: ['cause', 'figure', 'named product or program', 'what it means for the partner'],
    });
  });

  it('property: any text made only of boilerplate phrases and filler words is rejected', () => {
    const token = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...BOILERPLATE) },
      { weight: 3, arbitrary: fc.constantFrom(...FILLER) },
    );
    const casing = fc.constantFrom(
      (s: string) => s,
      (s: string) => s.toUpperCase(),
      (s: string) => s.charAt(0).toUpperCase() + s.slice(1),
    );
    const separator = fc.constantFrom(' ', ', ', '. ', '; ', ' - ', '\n');
    const text = fc
      .array(fc.tuple(token, casing, separator), { minLength: 1, maxLength: 40 })
      .map((parts) => parts.map(([word, cased, sep]) => cased(word) + sep).join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(judgeRationale(t).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a real rationale stays accepted whatever boilerplate is appended to it', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...BOILERPLATE), { maxLength: 5 }), (extra) => {
        expect(judgeRationale(`${GOOD_RATIONALE} ${extra.join(', ')}`).ok).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('judgeRationale on the corpus of real-sounding rationales', () => {
  it('has a corpus big enough to mean something', () => {
    expect(GOOD_RATIONALES.length).toBeGreaterThanOrEqual(25);
    expect(BAD_RATIONALES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(GOOD_RATIONALES.map((text) => [text.slice(0, 60), text]))('accepts "%s…"', (_start, text) => {
    const verdict = judgeRationale(text);
    expect(verdict, text).toMatchObject({ ok: true });
  });

  it.each(BAD_RATIONALES.map((text) => [text.slice(0, 60), text]))(
    'refuses "%s…", saying what is missing',
    (_start, text) => {
      expect(text.length).toBeGreaterThanOrEqual(MIN_RATIONALE_CHARACTERS);
      const verdict = judgeRationale(text);
      expect(verdict.ok, text).toBe(false);
      if (verdict.ok) return;
      expect(verdict.reason).toMatch(/generic|boilerplate/);
      // The reason shows what is missing, with an example of what would help.
      if (verdict.reason.includes('generic')) expect(verdict.reason).toMatch(/Add .*\(e\.g\. /);
      expect(verdict.missing.length).toBeGreaterThan(0);
    },
  );

  it('refuses the classic: changing market conditions and strategic realignment, naming what is missing', () => {
    const verdict = judgeRationale(BAD_RATIONALES[0]!);
    expect(verdict).toMatchObject({ ok: false });
    if (verdict.ok) return;
    expect(verdict.reason).toContain('names nothing specific to this change');
    expect(verdict.reason).toContain('what drives it');
    expect(verdict.reason).toContain('a figure');
  });

  it('does not take generic phrases for causes or impacts', () => {
    expect(
      specificsOf('changing market conditions, strategic realignment and business needs, going forward'),
    ).toEqual([]);
    expect(specificsOf('our supplier raised list prices by 9%')).toEqual(['cause', 'figure']);
  });

  it('property: generic phrasing added to a bad rationale never makes it acceptable; added to a good one never refuses it', () => {
    const generic = fc.array(
      fc.constantFrom(
        'going forward',
        'to better reflect our business needs',
        'in order to remain competitive',
        'as part of our ongoing efforts to optimize',
        'in line with our strategic priorities',
      ),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...BAD_RATIONALES),
        fc.constantFrom(...GOOD_RATIONALES),
        generic,
        (bad, good, extra) => {
          expect(judgeRationale(`${bad} ${extra.join(', ')}.`).ok).toBe(false);
          expect(judgeRationale(`${good} ${extra.join(', ')}.`).ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
