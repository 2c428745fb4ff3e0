/**
 * A rationale is written for the partner and shown verbatim in the notice (principle 2). Empty, too short or
 * boilerplate text is refused with the reason, so finance learns what a partner needs to read.
 */
export const MIN_RATIONALE_CHARACTERS = 60;
export const MIN_RATIONALE_WORDS = 10;

/** Phrases that explain nothing on their own; a rationale made only of these (plus filler) is boilerplate. */
const BOILERPLATE_PHRASES = [
  'business reasons',
  'business needs',
  'business decision',
  'management decision',
  'strategic reasons',
  'internal reasons',
  'as per policy',
  'per policy',
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

const FILLER_WORDS = new Set(
  'a an the and or of for to due in on at by with as per our this that is are be been was were it its we this these those changes change rate rates commission update updated adjustment adjusted new effective reasons reason'.split(
    ' ',
  ),
);

export type RationaleVerdict = { ok: true } | { ok: false; reason: string };

export function judgeRationale(rationale: string): RationaleVerdict {
  const text = rationale.trim();
  if (text.length === 0) {
    return { ok: false, reason: 'The rationale is empty: tell the partner why this change is being made.' };
  }
  const words = text.toLowerCase().match(/[\p{L}\p{N}%$€£.-]+/gu) ?? [];
  if (text.length < MIN_RATIONALE_CHARACTERS || words.length < MIN_RATIONALE_WORDS) {
    return {
      ok: false,
      reason: `The rationale is too short to explain the change to the partner (at least ${MIN_RATIONALE_WORDS} words and ${MIN_RATIONALE_CHARACTERS} characters: what is changing, why, and what it means for them).`,
    };
  }
  let remainder = ` ${text.toLowerCase()} `;
  for (const phrase of BOILERPLATE_PHRASES) remainder = remainder.split(phrase).join(' ');
  const meaningful = new Set(
    (remainder.match(/[\p{L}\p{N}%$€£-]+/gu) ?? []).filter(
      (word) => !FILLER_WORDS.has(word) && word.length > 1,
    ),
  );
  if (meaningful.size < 5) {
    return {
      ok: false,
      reason:
        'The rationale is boilerplate: it names no concrete reason. Say what drives the change (for example the margin squeeze or the program goal) in words the partner can act on.',
    };
  }
  const distinct = new Set(words);
  if (distinct.size / words.length < 0.35) {
    return { ok: false, reason: 'The rationale repeats itself instead of explaining the change.' };
  }
  return { ok: true };
}
