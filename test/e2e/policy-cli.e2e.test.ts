import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isoDateAfter, realRationale } from '../support/api-client.ts';
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

  it('prints how far a sent notice reached, as counts and progress bars, and exits 1 naming an unknown id', {
    timeout: 60_000,
  }, async () => {
    const policyChangeId = await sentFavourableChange();
    const shown = await pcn('policy', 'status', policyChangeId);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Status: notified');
    expect(shown.stdout).toMatch(/\[-{30}\] 0\/2 +0% +acknowledged/);
    expect(shown.stdout).toMatch(/\[#{30}\] 2\/2 100% +notified/);
    expect(shown.stdout).toContain('Targeted 2: queued 0, delivered 2, opened 0, acknowledged 0');

    const unknown = await pcn('policy', 'status', 'pol_nosuchchange');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('404');
    expect(unknown.stderr).toContain('pol_nosuchchange');
    const badInterval = await pcn('policy', 'status', policyChangeId, '--watch', '--interval', 'soon');
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toContain('--interval');
  });

  it('watches a change whose notice is out for as many reads as --polls allows, each read as plain lines when not on a terminal', {
    timeout: 60_000,
  }, async () => {
    const policyChangeId = await sentFavourableChange();
    const watched = await pcn(
      'policy',
      'status',
      policyChangeId,
      '--watch',
      '--interval',
      '0.05',
      '--polls',
      '3',
    );
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout.match(/Status: notified/g)).toHaveLength(3);
    // Not a terminal: no cursor movement, nothing erased.
    expect(watched.stdout).not.toContain('\u001b[');
    expect(watched.stdout).not.toContain('Final:');
  });

  it('stops watching once the status is final, whatever the number of reads allowed', {
    timeout: 60_000,
  }, async () => {
    const submitted = await cli.api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
      token: await cli.api.token('partner-manager', 'dana'),
      json: policyRequest({ adverse: true, effectiveDate: isoDateAfter(await cli.api.now(), 120) }),
    });
    expect(submitted.status, submitted.text).toBe(201);
    const { policyChangeId } = submitted.body;
    const rejected = await cli.api.request('POST', `/api/policy-changes/${policyChangeId}/reject`, {
      token: await cli.api.token('approver', 'amara'),
      json: { comment: 'Not this quarter: the finance team has not budgeted it.' },
    });
    expect(rejected.status, rejected.text).toBe(200);
    const watched = await pcn(
      'policy',
      'status',
      policyChangeId,
      '--watch',
      '--interval',
      '0.05',
      '--polls',
      '50',
    );
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout.match(/Status: rejected/g)).toHaveLength(1);
    expect(watched.stdout).toContain('Final: rejected.');
  });
});

function policyRequest(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Faster MDF reimbursement',
    summary: 'Market development fund claims are now reimbursed within 15 days instead of 45.',
    policyText: 'Section 4.3. Approved MDF claims are paid within 15 days of approval.',
    rationale: realRationale,
    adverse: false,
    segment: { by: 'region', regions: ['EMEA'] },
    ...overrides,
  };
}

/** A favourable change to the two EMEA partners, approved at submission, its notice round sent. */
async function sentFavourableChange(): Promise<string> {
  const submitted = await cli.api.request<{ policyChangeId: string; status: string }>(
    'POST',
    '/api/policy-changes',
    {
      token: await cli.api.token('partner-manager', 'dana'),
      json: policyRequest({ effectiveDate: isoDateAfter(await cli.api.now(), 7) }),
    },
  );
  expect(submitted.status, submitted.text).toBe(201);
  expect(submitted.body.status).toBe('approved');
  await cli.api.settle();
  return submitted.body.policyChangeId;
}
