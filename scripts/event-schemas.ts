/**
 * Writes the JSON Schema of every public event type (events/schemas/<type>.v<version>.json) from the zod
 * schemas in functions/domain/lifecycle-events.ts: `npm run events:schemas`. A unit test
 * (test/unit/lifecycle-events.test.ts) keeps the committed files equal to what this generates.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  EVENT_VERSION,
  eventSchemaOf,
  type IntegrationEventType,
  integrationEventTypes,
} from '../functions/domain/lifecycle-events.ts';

export const schemasDirectory = fileURLToPath(new URL('../events/schemas/', import.meta.url));

export function schemaFileName(type: IntegrationEventType): string {
  return `${type}.v${EVENT_VERSION}.json`;
}

/** The JSON Schema of one event type, as the file holds it (stable key order, a trailing newline). */
export function eventJsonSchema(type: IntegrationEventType): string {
  const schema = z.toJSONSchema(eventSchemaOf(type), { target: 'draft-2020-12' });
  const document = {
    $schema: schema.$schema,
    $id: `https://partner-change-notice.example/events/${schemaFileName(type)}`,
    title: `${type} v${EVENT_VERSION}`,
    description: `The ${type} event of Partner Change Notice (EventBridge DetailType "${type}"; Detail is this envelope).`,
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  await mkdir(schemasDirectory, { recursive: true });
  const wanted = new Set(integrationEventTypes.map(schemaFileName));
  for (const file of await readdir(schemasDirectory)) {
    if (file.endsWith('.json') && !wanted.has(file)) await rm(`${schemasDirectory}${file}`);
  }
  for (const type of integrationEventTypes) {
    await writeFile(`${schemasDirectory}${schemaFileName(type)}`, eventJsonSchema(type));
  }
  console.log(`Wrote ${integrationEventTypes.length} event schemas to events/schemas/`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
