/**
 * A rationale is written for the partner and shown verbatim in the notice (principle 2). Empty, too short,
 * boilerplate or merely generic text is refused, with a reason that says what is missing, so the submitter
 * learns what a partner needs to read: something specific to this change.
 *
 * The rule is a heuristic over English text, kept explainable: a rationale must name at least two kinds of
 * specifics (the table below: a concrete cause, a figure, a named product or program, what it means for the
 * partner), one of which is a cause or a figure; generic corporate phrases ("changing market conditions",
 * "strategic realignment", "business needs") are removed before looking, because they read like causes and
 * explain nothing.
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

/**
 * Corporate phrasing that sounds like a reason and is not one. Removed before the specifics are looked for,
 * so "changing market conditions" is not taken for a cause nor "our partners" for what it means to them.
 */
const GENERIC_PHRASES = [
  'changing market conditions',
  'evolving market',
  'evolving landscape',
  'evolving business',
  'dynamic market',
  'current market',
  'market dynamics',
  'market realities',
  'market environment',
  'competitive landscape',
  'industry trends',
  'strategic realignment',
  'strategic review',
  'strategic priorities',
  'strategic direction',
  'strategic objectives',
  'strategic reasons',
  'realignment',
  'business needs',
  'business objectives',
  'business priorities',
  'business requirements',
  'business realities',
  'business environment',
  'going forward',
  'moving forward',
  'better reflect',
  'better align',
  'align with our strategy',
  'align with our goals',
  'aligned with our',
  'in line with our',
  'in order to remain competitive',
  'remain competitive',
  'stay competitive',
  'as part of our ongoing',
  'ongoing efforts',
  'continuous improvement',
  'optimize',
  'optimise',
  'optimization',
  'optimisation',
  'streamline',
  'synergies',
  'efficiencies',
  'value proposition',
  'best practices',
  'holistic',
  'transformation',
  'sustainable growth',
  'long-term success',
  'mutual success',
  'valued partners',
  'our partners',
  'partner ecosystem',
  'partnership journey',
  'commitment to excellence',
  'our partner program',
  'our partner programme',
  'the partner program',
  'the partner programme',
  'our program',
  'our programme',
  'the program',
  'the programme',
  'various factors',
  'a number of factors',
  'several factors',
  'overall review',
  'periodic review',
  'regular review',
];

const FILLER_WORDS = new Set(
  'a an the and or of for to due in on at by with as per our this that is are be been was were it its we this these those changes change rate rates commission update updated adjustment adjusted new effective reasons reason'.split(
    ' ',
  ),
);

export type Specific = 'cause' | 'figure' | 'named product or program' | 'what it means for the partner';

/** The kinds of specifics, each with what counts as one; the order is the order a reason names them in. */
const SPECIFICS: readonly { kind: Specific; patterns: readonly RegExp[]; example: string }[] = [
  {
    kind: 'cause',
    patterns: [
      /\b(suppliers?|vendors?|distributors?|manufacturers?|freight|shipping|tariffs?|duty|duties|taxe?s?|regulat\w*|laws?|court|ruling|audit\w*|fraud|chargebacks?|returns|churn|shortages?|inflation|currency|exchange rates?|interest rates?|wages?|licen[cs]e fees?|royalt\w+|list prices?|prices?|costs?|margins?|losses|revenue|demand|volumes?|complaints?|feedback|surveys?|renewals?|competitors?|discounting|budget)\b/,
      /\b(raised|rose|risen|increased|doubled|tripled|fell|fallen|dropped|declined|shrank|shrunk|squeez\w*|cut|halved|lost|grew|expired|ended|launched|discontinued|acquired|merged)\b/,
      /\bbecause\b/,
    ],
    example: "what drives it (e.g. 'our supplier raised list prices')",
  },
  {
    kind: 'figure',
    patterns: [
      /\d+([.,]\d+)?\s?(%|percent|per cent|pp\b|points?\b|basis points?)/,
      /[$€£¥]\s?\d|\d\s?(usd|eur|gbp|dollars|euros|pounds)\b/,
      /\b(q[1-4]|h[12]|fy\s?\d{2,4})\b/,
      /\b(19|20)\d{2}\b/,
      /\b\d+(\.\d+)?\s?(days?|weeks?|months?|years?|deals?|customers?|accounts?|units?|licen[cs]es?|seats?|partners?)\b/,
    ],
    example: "a figure (e.g. 'by 9%', 'in Q3', '$2m')",
  },
  {
    kind: 'named product or program',
    patterns: [
      /\b(bonus|rebates?|spiffs?|mdf|co-?op|fund|deal registration|registered deals?|program(me)?|tiers?|tier threshold|certification|incentives?|bundles?|product lines?|portfolio|sku|subscriptions?|licen[cs]es?|appliances?|hardware|software|services|support contracts?|cloud|storage|networking|security|platform|marketplace|region|territory|segment|resale|renewal terms)\b/,
    ],
    example: "the product or program concerned (e.g. 'edge appliances', 'the services attach bonus')",
  },
  {
    kind: 'what it means for the partner',
    patterns: [
      /\byou(r|rs)?\b/,
      /\bpartners who\b/,
      /\b(deals?|orders?|sales|bookings|installs?) (booked|registered|placed|closed) (before|after|by|until)\b/,
    ],
    example:
      "what it means for the partner (e.g. 'deals you register before the date keep the current rate')",
  },
];

export type RationaleVerdict =
  | { ok: true; specifics: Specific[] }
  | { ok: false; reason: string; missing: Specific[] };

/** Which kinds of specifics a rationale names, once the generic phrases are taken out. */
export function specificsOf(rationale: string): Specific[] {
  let text = ` ${rationale.toLowerCase()} `;
  for (const phrase of GENERIC_PHRASES) text = text.split(phrase).join(' ');
  return SPECIFICS.filter(({ patterns }) => patterns.some((pattern) => pattern.test(text))).map(
    ({ kind }) => kind,
  );
}

function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export function judgeRationale(rationale: string): RationaleVerdict {
  const all = SPECIFICS.map((specific) => specific.kind);
  const text = rationale.trim();
  if (text.length === 0) {
    return {
      ok: false,
      missing: all,
      reason: 'The rationale is empty: tell the partner why this change is being made.',
    };
  }
  const words = text.toLowerCase().match(/[\p{L}\p{N}%$€£.-]+/gu) ?? [];
  if (text.length < MIN_RATIONALE_CHARACTERS || words.length < MIN_RATIONALE_WORDS) {
    return {
      ok: false,
      missing: all,
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
      missing: all,
      reason:
        'The rationale is boilerplate: it names no concrete reason. Say what drives the change (for example the margin squeeze or the program goal) in words the partner can act on.',
    };
  }
  const distinct = new Set(words);
  if (distinct.size / words.length < 0.35) {
    return {
      ok: false,
      missing: [],
      reason: 'The rationale repeats itself instead of explaining the change.',
    };
  }
  const found = specificsOf(text);
  const hasDriver = found.includes('cause') || found.includes('figure');
  if (found.length >= 2 && hasDriver) return { ok: true, specifics: found };
  const missing = SPECIFICS.filter(({ kind }) => !found.includes(kind));
  const wanted = hasDriver ? missing : missing.filter(({ kind }) => kind === 'cause' || kind === 'figure');
  const named =
    found.length === 0 ? 'It names nothing specific to this change' : `It names only ${listOf(found)}`;
  return {
    ok: false,
    missing: missing.map(({ kind }) => kind),
    reason: `The rationale is too generic to explain the change: ${named.charAt(0).toLowerCase()}${named.slice(1)}. Add ${listOf(
      (wanted.length > 0 ? wanted : missing).slice(0, 2).map(({ example }) => example),
    )}.`,
  };
}
