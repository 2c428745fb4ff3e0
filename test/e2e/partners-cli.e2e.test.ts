import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newPartnerSchema } from '../../functions/directory/profile.ts';
import { syntheticPartners } from '../../functions/directory/synthetic.ts';
import { cliTestSystem } from '../support/cli.ts';

/** `pcn partners …` as a person runs it: a real child process against the real local system. */

const cli = cliTestSystem('pcn-partners-');
const { pcn } = cli;

describe('pcn partners', () => {
  it('generates a synthetic directory as JSON Lines of the import format, the same for a seed', {
    timeout: 60_000,
  }, async () => {
    const out = join(cli.dir, 'partners.jsonl');
    const written = await pcn('partners', 'generate', '25', '--seed', '9', '--out', out);
    expect(written.code, written.stderr).toBe(0);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(25);
    const rows = lines.map((line) => JSON.parse(line) as unknown);
    for (const row of rows) expect(newPartnerSchema.safeParse(row).success).toBe(true);
    expect(rows).toEqual(JSON.parse(JSON.stringify(syntheticPartners(25, 9))));
    const toStdout = await pcn('partners', 'generate', '25', '--seed', '9');
    expect(toStdout.stdout.trimEnd().split('\n')).toEqual(lines);
    const bad = await pcn('partners', 'generate', 'many');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('whole number');
  });

  it('creates, lists with filters, updates from a version and explains a conflict', {
    timeout: 60_000,
  }, async () => {
    const [partner] = syntheticPartners(1, 77);
    const file = join(cli.dir, 'new.json');
    await writeFile(file, JSON.stringify({ ...partner, partnerId: 'cli-partner', tags: ['cli-made'] }));
    const created = await pcn('partners', 'create', file);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('Created cli-partner');
    expect(created.stdout).toContain('version 1');

    const listed = await pcn('partners', '--tag', 'cli-made');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/PARTNER\s+NAME\s+STAGE\s+REGION\s+TIER\s+RATE/);
    expect(listed.stdout).toContain('cli-partner');
    expect(listed.stdout).not.toContain('northwind-resellers');
    const all = await pcn('partners');
    expect(all.stdout).toContain('northwind-resellers');

    const { partnerId: _id, stage: _stage, openingRates: _rates, ...profile } = partner!;
    const profileFile = join(cli.dir, 'profile.json');
    await writeFile(profileFile, JSON.stringify({ ...profile, name: 'Renamed From The CLI' }));
    const updated = await pcn('partners', 'update', 'cli-partner', profileFile, '--version', '1');
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('now version 2');
    const again = await pcn('partners', 'update', 'cli-partner', profileFile, '--version', '1');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing changed');

    await writeFile(profileFile, JSON.stringify({ ...profile, tier: 'diamond' }));
    const conflict = await pcn('partners', 'update', 'cli-partner', profileFile, '--version', '1');
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('409 version-conflict');
    expect(conflict.stderr).toContain('version 2');

    const twice = await pcn('partners', 'create', file);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('409 partner-exists');
    const missing = await pcn('partners', 'update', 'cli-partner', profileFile);
    expect(missing.code).toBe(2);
  });
});
