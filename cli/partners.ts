/**
 * `pcn partners …`: the partner directory from the command line. cli/pcn.ts hands every `partners` command
 * here with its arguments untouched (these commands have options of their own) and what it knows of the
 * server (`PartnersCli`). A new subcommand is one more entry in `partnerCommands`.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { partnerRecordSchema, partnerSummarySchema } from '../functions/directory/routes.ts';
import { syntheticPartners } from '../functions/directory/synthetic.ts';
import { exportCommand, importCommand } from './partners-import.ts';

export type CliRole = 'finance' | 'approver' | 'partner-manager' | 'compliance';

/** What cli/pcn.ts gives a partners command: its API client, its failure, its table. */
export interface PartnersCli {
  /** Calls the API as `role` (the --user given, else the role's default person); a 4xx/5xx is a failure. */
  request<T = Record<string, unknown>>(
    role: CliRole,
    method: string,
    path: string,
    options?: { user?: string | undefined; body?: unknown; headers?: Record<string, string> },
  ): Promise<T>;
  /** Ends the command: the message on stderr, the exit code (2: usage). */
  fail(message: string, exitCode?: number): never;
  table(rows: string[][]): string;
  /** The API's base URL and a bearer token for `role` (for calls that are not JSON: the import's files). */
  serverUrl(): string;
  token(role: CliRole, user: string | undefined): Promise<string>;
}

export const partnersUsage = `Partners
  partners [--q TEXT] [--stage S] [--region R] [--tier T] [--tag T] [--limit N] [--cursor C]
                                      the directory: stage, region, tier and rate today, a page at a time
  partners generate N [--seed S] [--out FILE]
                                      a synthetic directory as JSON Lines (the import format), no server needed
  partners create FILE                create a partner from a JSON or YAML file    (partner manager)
  partners update ID FILE --version V replace its profile, if it is still at version V  (partner manager)
  partners import FILE [--dry-run] [--format csv|jsonl]
                                      bulk create/update from CSV or JSON Lines, a report of every bad row
                                      (partner manager; exit 1 if a row was rejected)
  partners export [--format csv|jsonl] [--out FILE]
                                      the directory in the import format (a re-import is all unchanged)`;

const options = {
  json: { type: 'boolean' },
  user: { type: 'string' },
  q: { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
  tier: { type: 'string' },
  tag: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  version: { type: 'string' },
  format: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

type Parsed = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>
>;

/** The API's answers, typed by the server's own schemas (functions/directory/routes.ts). */
type PartnerSummary = z.infer<typeof partnerSummarySchema>;
type PartnerRecord = z.infer<typeof partnerRecordSchema> & { outcome?: string };

export type PartnerCommand = (cli: PartnersCli, parsed: Parsed, print: Printer) => Promise<void>;
export type Printer = (payload: unknown, human: () => string) => void;

function wholeNumber(
  cli: PartnersCli,
  value: string | undefined,
  flag: string,
  minimum: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < minimum)
    cli.fail(`--${flag} must be a whole number of at least ${minimum}.\n\n${partnersUsage}`, 2);
  return Number(value);
}

/**
 * Reads FILE (JSON, or YAML by its extension) holding one object; `what` says what it must hold, `usage` is
 * printed when FILE is missing. Shared by the directory's and the policy changes' commands.
 */
export async function readObjectFile(
  cli: PartnersCli,
  path: string | undefined,
  usage: string,
  what: string,
): Promise<Record<string, unknown>> {
  if (!path) return cli.fail(`FILE is required.\n\n${usage}`, 2);
  const yaml = /\.ya?ml$/i.test(path);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) =>
    cli.fail(`Cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`),
  );
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    return cli.fail(`${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return cli.fail(`${path} must hold ${what}.`);
  return parsed as Record<string, unknown>;
}

const list: PartnerCommand = async (cli, { values }, print) => {
  const query = new URLSearchParams();
  for (const name of ['q', 'stage', 'region', 'tier', 'tag', 'limit', 'cursor'] as const) {
    const value = values[name];
    if (value !== undefined) query.set(name, value);
  }
  const result = await cli.request<{ partners: PartnerSummary[]; cursor?: string }>(
    'finance',
    'GET',
    `/api/partners${query.size > 0 ? `?${query}` : ''}`,
    { user: values.user },
  );
  print(result, () =>
    [
      cli.table([
        ['PARTNER', 'NAME', 'STAGE', 'REGION', 'TIER', 'RATE'],
        ...result.partners.map((p) => [
          p.partnerId,
          p.name,
          p.stage,
          p.region ?? '-',
          p.tier ?? '-',
          p.currentRatePct === null ? '-' : `${p.currentRatePct}%`,
        ]),
      ]),
      ...(result.cursor ? [`More: pcn partners … --cursor ${result.cursor}`] : []),
    ].join('\n'),
  );
};

const generate: PartnerCommand = async (cli, { values, positionals }) => {
  const count = wholeNumber(cli, positionals[1], 'N (the number of partners)', 0);
  if (count === undefined) return cli.fail(`N is required.\n\n${partnersUsage}`, 2);
  const seed = wholeNumber(cli, values.seed, 'seed', 0) ?? 1;
  const partners = syntheticPartners(count, seed);
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  for (const partner of partners) {
    // Respect back-pressure: 10,000 rows are a few megabytes.
    if (!out.write(`${JSON.stringify(partner)}\n`))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  if (values.out) {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    console.error(`Wrote ${count} partners (seed ${seed}) to ${values.out}.`);
  }
};

const create: PartnerCommand = async (cli, { values, positionals }, print) => {
  const body = await readObjectFile(
    cli,
    positionals[1],
    partnersUsage,
    'one partner (an object with name, contacts, …)',
  );
  const created = await cli.request<PartnerRecord>('partner-manager', 'POST', '/api/partners', {
    user: values.user,
    body,
  });
  print(
    created,
    () => `Created ${created.partnerId} (${created.name}, ${created.stage}) at version ${created.version}.`,
  );
};

const update: PartnerCommand = async (cli, { values, positionals }, print) => {
  const partnerId = positionals[1];
  if (!partnerId) return cli.fail(`ID is required.\n\n${partnersUsage}`, 2);
  const version = wholeNumber(cli, values.version, 'version', 1);
  if (version === undefined)
    return cli.fail(`--version is required (the version you edited: see pcn partners).`, 2);
  const profile = await readObjectFile(
    cli,
    positionals[2],
    partnersUsage,
    'one partner (an object with name, contacts, …)',
  );
  const updated = await cli.request<PartnerRecord>(
    'partner-manager',
    'PUT',
    `/api/partners/${encodeURIComponent(partnerId)}`,
    { user: values.user, body: { ...profile, version } },
  );
  print(updated, () =>
    updated.outcome === 'unchanged'
      ? `${updated.partnerId} already has this profile: nothing changed (version ${updated.version}).`
      : `Updated ${updated.partnerId}: now version ${updated.version}.`,
  );
};

/** The subcommands of `pcn partners` (none: the list). */
export const partnerCommands: Record<string, PartnerCommand> = {
  generate,
  create,
  update,
  import: importCommand,
  export: exportCommand,
};

export async function partnersCommand(cli: PartnersCli, args: string[]): Promise<void> {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (error) {
    return cli.fail(`${(error as Error).message}\n\n${partnersUsage}`, 2);
  }
  const print: Printer = (payload, human) =>
    console.log(parsed.values.json === true ? JSON.stringify(payload, null, 2) : human());
  const subcommand = parsed.positionals[0];
  if (subcommand === undefined) return list(cli, parsed, print);
  const command = partnerCommands[subcommand];
  if (!command) return cli.fail(`Unknown command "partners ${subcommand}".\n\n${partnersUsage}`, 2);
  return command(cli, parsed, print);
}
