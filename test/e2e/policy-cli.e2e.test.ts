import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realRationale } from '../support/api-client.ts';
import { cliTestSystem } from '../support/cli.ts';

/** `pcn policy …` as a person runs it: a real child process against the real local system (the seed directory). */

const cli = cliTestSystem('pcn-policy-');
const { pcn } = cli;

describe('pcn policy', () => {
  it('previews a segment: partners per stage and the longest notice; refuses two segments with usage', {
    timeout: 60_000,
  }, async () => {
    const shown = await pcn('policy', 'preview', '--region', 'EMEA,APAC');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Reaches 3 partners');
    expect(shown.stdout).toContain('partnership 1');
    expect(shown.stdout).toContain('Notice: 90 days');
    const both = await pcn('policy', 'preview', '--all', '--tier', 'gold');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('exactly one segment');
  });

  it('submits from a YAML file at the earliest date the notice allows, idempotently, and lists it', {
    timeout: 60_000,
  }, async () => {
    const file = join(cli.dir, 'policy.yaml');
    await writeFile(
      file,
      [
        'title: MDF claims need proof of performance',
        'summary: Market development fund claims must carry proof of performance from 2027 on.',
        'policyText: Section 4.2. Every MDF claim must attach proof of performance within 30 days.',
        `rationale: ${JSON.stringify(realRationale)}`,
        'adverse: true',
        'segment: { by: tier, tiers: [gold, platinum] }',
      ].join('\n'),
    );
    const args = ['policy', 'submit', file, '--effective-date', 'earliest', '--idempotency-key', 'cli-mdf'];
    const submitted = await pcn(...args, '--json');
    expect(submitted.code, submitted.stderr).toBe(0);
    const change = JSON.parse(submitted.stdout) as {
      policyChangeId: string;
      status: string;
      targeted: number;
    };
    expect(change).toMatchObject({ status: 'awaiting-approval', targeted: 2 });
    const again = await pcn(...args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Already submitted ${change.policyChangeId}`);

    const listed = await pcn('policy', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/POLICY CHANGE\s+STATUS\s+EFFECTIVE\s+PARTNERS/);
    expect(listed.stdout.split('\n').filter((line) => line.includes(change.policyChangeId))).toHaveLength(1);
    const shown = await pcn('policy', 'show', change.policyChangeId);
    expect(shown.stdout).toContain('Status: awaiting-approval');
  });

  it('reports a refused submission with the field and exits 1', { timeout: 60_000 }, async () => {
    const file = join(cli.dir, 'early.json');
    await writeFile(
      file,
      JSON.stringify({
        title: 'Too soon',
        summary: 'A change announced with far too little notice for anyone.',
        policyText: 'Section 1. Applies next week to everyone in the programme.',
        rationale: realRationale,
        adverse: true,
        effectiveDate: '2026-11-30',
        segment: { by: 'all' },
      }),
    );
    const refused = await pcn('policy', 'submit', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('effectiveDate');
  });
});
