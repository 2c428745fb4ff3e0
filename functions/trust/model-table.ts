import { defaultStagePolicies, relationshipStages, stageLabel } from '../domain/relationship-stage.ts';
import { STARTING_TRUST_SCORE, TRUST_HALF_LIFE_DAYS, trustRules } from '../domain/trust-rules.ts';

/** The rules version these numbers are (one set today; the trust contract versions them). */
export const TRUST_MODEL_VERSION = 'v1';

/**
 * The trust model as the README shows it, rendered from the rules the code prices with: the README's table
 * is checked against this (test/unit/readme.test.ts), so it cannot drift from the numbers.
 */
export function trustModelTable(): string {
  const signed = (value: number) => (value > 0 ? `+${value}` : String(value));
  const lines = [
    `Rules version **${TRUST_MODEL_VERSION}**: every partner starts at ${STARTING_TRUST_SCORE}; an event's points are its base points × the stage weight at the time; they halve every ${TRUST_HALF_LIFE_DAYS} days; the score is clamped to 0–100.`,
    '',
    '| Rule | Base points | What it means |',
    '| --- | ---: | --- |',
    ...Object.entries(trustRules).map(
      ([rule, definition]) =>
        `| \`${rule}\` | ${signed(definition.basePoints)} | ${definition.explanation} |`,
    ),
    '',
    `| Stage | ${relationshipStages.map(stageLabel).join(' | ')} |`,
    `| --- | ${relationshipStages.map(() => '---:').join(' | ')} |`,
    `| Weight | ${relationshipStages.map((stage) => `× ${defaultStagePolicies[stage].trustWeight}`).join(' | ')} |`,
  ];
  return `${lines.join('\n')}\n`;
}
