/**
 * Loads an ASL file the way CDK deploys it: `${Name}` placeholders are replaced in the raw text by
 * `substitutions` (CloudFormation's DefinitionSubstitutions), then the text is parsed as JSON. Placeholders
 * without a substitution are left as they are, as CloudFormation leaves them.
 */
import { readFile } from 'node:fs/promises';
import type { StateMachineDefinition } from './interpreter.ts';

const PLACEHOLDER = /\$\{([^${}]+)\}/g;

export function substitute(text: string, substitutions: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(substitutions, name) ? substitutions[name]! : whole,
  );
}

/** Placeholders still in the text (after substitution): each one is a missing substitution. */
export function unresolvedPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[0]))];
}

export interface LoadedDefinition {
  /** The definition as AWS would run it (after substitution). */
  definition: StateMachineDefinition;
  /** Its text, as DescribeStateMachine returns it. */
  text: string;
}

export async function loadDefinition(
  definitionFile: string,
  substitutions: Readonly<Record<string, string>>,
): Promise<LoadedDefinition> {
  const text = substitute(await readFile(definitionFile, 'utf8'), substitutions);
  let definition: StateMachineDefinition;
  try {
    definition = JSON.parse(text) as StateMachineDefinition;
  } catch (error) {
    throw new Error(`${definitionFile}: not valid JSON after substitution: ${(error as Error).message}`);
  }
  if (typeof definition !== 'object' || definition === null || typeof definition.States !== 'object') {
    throw new Error(`${definitionFile}: not a state machine definition (no States)`);
  }
  return { definition, text };
}
