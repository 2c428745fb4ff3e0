import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realRationale } from '../support/api-client.ts';
import { cliTestSystem } from '../support/cli.ts';

/** `pcn` as a person runs it: a real child process against the real local system, over HTTP. */

const cli = cliTestSystem('pcn-cli-');
const { pcn } = cli;

describe('the pcn command line', () => {
  it('submits from YAML, shows, approves, lists, moves the clock and answers the rate on a date', {
    timeout: 60_000,
  }, async () => {
    const file = join(cli.dir, 'cut.yaml');
    await writeFile(
      file,
      `partnerId: adventure-works\ncurrentRatePct: 10\nnewRatePct: 9\neffectiveDate: "+31"\nrationale: >-\n  ${realRationale}\n`,
    );
    const submitted = await pcn('submit', file, '--json');
    expect(submitted.code, submitted.stderr).toBe(0);
    const { changeId, status } = JSON.parse(submitted.stdout) as { changeId: string; status: string };
    expect(status).toBe('awaiting-approval');

    const self = await pcn('approve', changeId, '--comment', 'Mine, approved by me', '--user', 'fiona');
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/403 forbidden|403 self-approval/);

    const approved = await pcn('approve', changeId, '--comment', 'Numbers check out.');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/Approved \(1\/1\).*notice-due/);
    await cli.api.settle();

    const shown = await pcn('show', changeId);
    expect(shown.stdout).toContain('NOTICE-SENT');
    expect(shown.stdout).toMatch(/commission 10% → 9%/);
    expect(shown.stdout).toMatch(/Timeline[\s\S]*change-submitted[\s\S]*approval-recorded[\s\S]*notice-sent/);

    const listed = await pcn('list', '--status', 'notice-sent', '--partner', 'adventure-works');
    expect(listed.stdout).toContain(changeId);
    expect(listed.stdout).toMatch(/^CHANGE\s+STATUS/m);

    const moved = await pcn('clock', 'advance', '--days', '40');
    expect(moved.code, moved.stderr).toBe(0);
    const held = JSON.parse((await pcn('show', changeId, '--json')).stdout) as { status: string };
    expect(held.status).toBe('held');

    const rate = await pcn('rate', 'adventure-works', '--booked-on', '2026-12-01', '--json');
    expect(JSON.parse(rate.stdout)).toMatchObject({ ratePct: 10, effectiveFrom: '2025-01-01' });
  });

  it('moves a partner’s stage from flags (its current stage read from the API) or from a YAML file', {
    timeout: 60_000,
  }, async () => {
    const upRationale =
      'You closed 14 value-added deals in 2026 and renewed the services certification in March, so you now get ' +
      'the longer notice and joint planning of the enhanced stage because your demand grew.';
    const up = await pcn(
      'stage-move',
      'northwind-resellers',
      '--to',
      'enhanced',
      '--effective-date',
      '+3',
      '--rationale',
      upRationale,
      '--json',
    );
    expect(up.code, up.stderr).toBe(0);
    const { changeId } = JSON.parse(up.stdout) as { changeId: string };
    await cli.api.settle();
    const shown = await pcn('show', changeId);
    expect(shown.stdout).toMatch(/relationship stage Transactional → Enhanced \(up\)/);
    expect(shown.stdout).toContain('SCHEDULED');

    // The example in the repository, as the README shows it.
    const down = await pcn('stage-move', 'examples/stage-move-down.yaml');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/Submitted: chg_\w+ \(awaiting-approval\)\n {2}notice period 45 days/);
    const stale = await pcn(
      'stage-move',
      'adventure-works',
      '--from',
      'enhanced',
      '--to',
      'collaborative',
      '--effective-date',
      '+5',
      '--rationale',
      upRationale,
    );
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^409 stale-stage/);
  });

  it('explains what is wrong: the API’s field reasons, a missing flag, an unknown command', async () => {
    const file = join(cli.dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({ partnerId: 'northwind-resellers', currentRatePct: 12, newRatePct: 'eleven' }),
    );
    const refused = await pcn('submit', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^400 invalid-request/);
    expect(refused.stderr).toMatch(/newRatePct: must be a number, not a string/);
    expect(refused.stderr).toMatch(/rationale: is required/);

    const missing = await pcn('approve', 'chg_x');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--comment is required/);
    const unknown = await pcn('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
    const notYaml = join(cli.dir, 'broken.yaml');
    await writeFile(notYaml, 'partnerId: [unclosed');
    expect((await pcn('submit', notYaml)).stderr).toMatch(/not valid YAML/);
  });
});
