import { relationshipStages, stageLabel } from '../domain/relationship-stage.ts';
import { currentTrustRules, trustRuleSets } from '../domain/trust-rules.ts';

/**
 * The trust model as the README shows it, rendered from the rules the code prices with: the README's table
 * is checked against this (test/unit/readme.test.ts), so it cannot drift from the numbers.
 */
export function trustModelTable(): string {
  const signed = (value: number) => (value > 0 ? `+${value}` : String(value));
  const { version, startingScore, halfLifeDays, rules, stageWeights } = currentTrustRules;
  const others = Object.values(trustRuleSets).filter((set) => set.version !== version);
  const lines = [
    `Rules version **${version}** (current): every partner starts at ${startingScore}; an event's points are its base points × the stage weight at the time; they halve every ${halfLifeDays} days; the score is clamped to 0–100.`,
    ...others.map(
      (set) =>
        `Version **${set.version}** (a score can be recomputed under it with \`?version=${set.version}\`) halves every ${set.halfLifeDays} days and prices ${Object.entries(
          set.rules,
        )
          .filter(
            ([rule, definition]) => rules[rule as keyof typeof rules].basePoints !== definition.basePoints,
          )
          .map(([rule, definition]) => `\`${rule}\` at ${signed(definition.basePoints)}`)
          .join(', ')}.`,
    ),
    '',
    '| Rule | Base points | What it means |',
    '| --- | ---: | --- |',
    ...Object.entries(rules).map(
      ([rule, definition]) =>
        `| \`${rule}\` | ${signed(definition.basePoints)} | ${definition.explanation} |`,
    ),
    '',
    `| Stage | ${relationshipStages.map(stageLabel).join(' | ')} |`,
    `| --- | ${relationshipStages.map(() => '---:').join(' | ')} |`,
    `| Weight | ${relationshipStages.map((stage) => `× ${stageWeights[stage]}`).join(' | ')} |`,
  ];
  return `${lines.join('\n')}\n`;
}
