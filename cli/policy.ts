/**
 * `pcn policy …`: program policy changes from the command line. cli/pcn.ts hands every `policy` command here
 * with its arguments untouched (they have options of their own) and what it knows of the server (the same
 * `PartnersCli` the directory's commands use). A new subcommand is one more entry in `policyCommands`.
 */
import { clearScreenDown, moveCursor } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { policyCoverageSchema } from '../functions/policy-changes/coverage-routes.ts';
import type { policyChangeViewSchema, previewResponseSchema } from '../functions/policy-changes/schemas.ts';
import { type PartnersCli, readObjectFile } from './partners.ts';

export const policyUsage = `Policy changes (to a segment of partners)
  policy preview SEGMENT [--favourable]
                                      partners reached per stage, the longest notice, the earliest date
                                      SEGMENT: --all | --stage S,S | --tier T,T | --region R,R | --tag T,T
                                               | --partners ID,ID
  policy submit FILE [--effective-date YYYY-MM-DD|earliest] [--idempotency-key KEY]
                                      submit from a JSON or YAML file (partner manager); "earliest" takes
                                      the first date the segment's notice allows
  policy list [--limit N] [--cursor C]  newest first
  policy show ID                      its text, segment, status and decision
  policy status ID [--watch] [--interval SECONDS] [--polls N]
                                      how far its notice reached: the counts per state and progress bars
                                      (acknowledged and notified of targeted); --watch reads it again every
                                      --interval seconds (default 2) until the status is final, Ctrl-C, or
                                      N reads`;

const options = {
  json: { type: 'boolean' },
  user: { type: 'string' },
  all: { type: 'boolean' },
  stage: { type: 'string' },
  tier: { type: 'string' },
  region: { type: 'string' },
  tag: { type: 'string' },
  partners: { type: 'string' },
  favourable: { type: 'boolean' },
  'effective-date': { type: 'string' },
  'idempotency-key': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  polls: { type: 'string' },
} as const;

type Parsed = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>
>;
type Printer = (payload: unknown, human: () => string) => void;
type PolicyCommand = (cli: PartnersCli, parsed: Parsed, print: Printer) => Promise<void>;

/** The API's answers, typed by the server's own schemas (functions/policy-changes/schemas.ts). */
type Preview = z.infer<typeof previewResponseSchema>;
type PolicyChangeView = z.infer<typeof policyChangeViewSchema>;

const segmentFlags = [
  ['stage', 'stages'],
  ['tier', 'tiers'],
  ['region', 'regions'],
  ['tag', 'tags'],
  ['partners', 'partnerIds'],
] as const;

/** The segment the flags name: exactly one of them (the API validates the values). */
function segmentOf(cli: PartnersCli, values: Parsed['values']): Record<string, unknown> {
  const given = segmentFlags.filter(([flag]) => values[flag] !== undefined);
  const count = given.length + (values.all ? 1 : 0);
  if (count !== 1) return cli.fail(`Name exactly one segment.\n\n${policyUsage}`, 2);
  if (values.all) return { by: 'all' };
  const [flag, field] = given[0]!;
  const list = values[flag]!.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return { by: flag === 'partners' ? 'partners' : flag, [field]: list };
}

function byStageText(byStage: Record<string, number>): string {
  return Object.entries(byStage)
    .map(([stage, count]) => `${stage} ${count}`)
    .join(', ');
}

const preview: PolicyCommand = async (cli, { values }, print) => {
  const result = await cli.request<Preview>('partner-manager', 'POST', '/api/policy-changes/preview', {
    user: values.user,
    body: { segment: segmentOf(cli, values), adverse: values.favourable !== true },
  });
  print(result, () =>
    [
      `Reaches ${result.targeted} partners (${byStageText(result.byStage)}).`,
      result.noticeDays > 0
        ? `Notice: ${result.noticeDays} days (the longest of the stages reached); earliest effective date ${result.earliestEffectiveDate}.`
        : `No notice period (favourable); earliest effective date ${result.earliestEffectiveDate}.`,
      ...(result.unknownPartnerIds.length > 0
        ? [`Not in the directory: ${result.unknownPartnerIds.join(', ')}`]
        : []),
    ].join('\n'),
  );
};

const submit: PolicyCommand = async (cli, { values, positionals }, print) => {
  const request = await readObjectFile(
    cli,
    positionals[1],
    policyUsage,
    'one policy change (an object with title, segment, …)',
  );
  const effectiveDate = values['effective-date'] ?? request.effectiveDate;
  if (effectiveDate === 'earliest') {
    const { earliestEffectiveDate } = await cli.request<Preview>(
      'partner-manager',
      'POST',
      '/api/policy-changes/preview',
      { user: values.user, body: { segment: request.segment, adverse: request.adverse } },
    );
    request.effectiveDate = earliestEffectiveDate;
  } else if (effectiveDate !== undefined) {
    request.effectiveDate = effectiveDate;
  }
  const key = values['idempotency-key'];
  const change = await cli.request<PolicyChangeView>('partner-manager', 'POST', '/api/policy-changes', {
    user: values.user,
    body: request,
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
  print(change, () =>
    [
      `${change.replayed ? 'Already submitted' : 'Submitted'} ${change.policyChangeId}: ${change.status}, effective ${change.effectiveDate}.`,
      `Reaches ${change.targeted} partners (${byStageText(change.byStage)}); notice ${change.noticeDays} days.`,
      ...(change.status === 'awaiting-approval'
        ? ['Adverse: a second person with the approver role must approve it.']
        : []),
    ].join('\n'),
  );
};

function wholeNumber(cli: PartnersCli, value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1)
    cli.fail(`--${flag} must be a whole number of at least 1.\n\n${policyUsage}`, 2);
  return value;
}

const list: PolicyCommand = async (cli, { values }, print) => {
  const query = new URLSearchParams();
  const limit = wholeNumber(cli, values.limit, 'limit');
  if (limit) query.set('limit', limit);
  if (values.cursor) query.set('cursor', values.cursor);
  const result = await cli.request<{ items: PolicyChangeView[]; cursor?: string }>(
    'compliance',
    'GET',
    `/api/policy-changes${query.size > 0 ? `?${query}` : ''}`,
    { user: values.user },
  );
  print(result, () =>
    [
      cli.table([
        ['POLICY CHANGE', 'STATUS', 'EFFECTIVE', 'PARTNERS', 'NOTICE', 'TITLE'],
        ...result.items.map((item) => [
          item.policyChangeId,
          item.status,
          item.effectiveDate,
          String(item.targeted),
          `${item.noticeDays}d`,
          item.title,
        ]),
      ]),
      ...(result.cursor ? [`More: pcn policy list --cursor ${result.cursor}`] : []),
    ].join('\n'),
  );
};

const show: PolicyCommand = async (cli, { values, positionals }, print) => {
  const id = positionals[1];
  if (!id) return cli.fail(`ID is required.\n\n${policyUsage}`, 2);
  const change = await cli.request<PolicyChangeView>(
    'compliance',
    'GET',
    `/api/policy-changes/${encodeURIComponent(id)}`,
    { user: values.user },
  );
  print(change, () =>
    [
      `${change.policyChangeId}  ${change.title}`,
      `Status: ${change.status}${change.decision ? ` (${change.decision.outcome} by ${change.decision.by}: ${change.decision.comment})` : ''}`,
      `Effective: ${change.effectiveDate}; notice ${change.noticeDays} days; ${change.adverse ? 'adverse' : 'favourable'}`,
      `Segment: ${JSON.stringify(change.segment)} → ${change.targeted} partners (${byStageText(change.byStage)})`,
      `Submitted by ${change.submittedBy} at ${change.submittedAt}`,
    ].join('\n'),
  );
};

/** GET /api/policy-changes/{id}/coverage (functions/policy-changes/coverage-routes.ts). */
type Coverage = z.infer<typeof policyCoverageSchema>;

/** Statuses after which nothing more is sent: a watch ends there. */
export const finalPolicyStatuses: ReadonlySet<string> = new Set([
  'rejected',
  'withdrawn',
  'in-effect',
  'workflow-failed',
]);

const counted = [
  'queued',
  'delivered',
  'opened',
  'acknowledged',
  'concern-raised',
  'unreachable',
  'escalated',
] as const;
const BAR_WIDTH = 30;

/** `[#########---------]  3/5  60%  acknowledged`: a share of the targeted partners as text. */
export function textBar(part: number, whole: number, what: string): string {
  const ratio = whole > 0 ? Math.min(1, part / whole) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${part}/${whole} ${String(Math.round(ratio * 100)).padStart(3)}%  ${what}`;
}

/**
 * The terminal rows `text` takes at `columns` wide: a line longer than the terminal wraps onto more rows,
 * and the redraw must move the cursor up over all of them.
 */
export function rowsOf(text: string, columns: number | undefined): number {
  return text
    .split('\n')
    .reduce((rows, line) => rows + (columns ? Math.max(1, Math.ceil(line.length / columns)) : 1), 0);
}

function coverageText(coverage: Coverage): string {
  const sending = coverage.rounds
    .filter((round) => round.completedAt === undefined)
    .map((round) => round.roundId);
  return [
    `${coverage.policyChangeId}  ${coverage.title}`,
    `Status: ${coverage.status}; notice version ${coverage.noticeVersion}${coverage.takesEffectAt ? `; takes effect ${coverage.takesEffectAt.slice(0, 10)}` : ''}`,
    textBar(coverage.counts.acknowledged ?? 0, coverage.targeted, 'acknowledged'),
    textBar(coverage.notified, coverage.targeted, 'notified'),
    `Targeted ${coverage.targeted}: ${counted.map((state) => `${state} ${coverage.counts[state] ?? 0}`).join(', ')}`,
    `Rounds: ${coverage.rounds.length}${sending.length > 0 ? ` (sending: ${sending.join(', ')})` : ''}`,
  ].join('\n');
}

/** --interval: seconds between reads, at least 0.05 (tests) and at most an hour. */
function intervalMs(cli: PartnersCli, value: string | undefined): number {
  if (value === undefined) return 2000;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 0.05 || seconds > 3600)
    cli.fail(`--interval must be a number of seconds from 0.05 to 3600.\n\n${policyUsage}`, 2);
  return Math.round(seconds * 1000);
}

const status: PolicyCommand = async (cli, { values, positionals }, print) => {
  const id = positionals[1];
  if (!id) return cli.fail(`ID is required.\n\n${policyUsage}`, 2);
  const interval = intervalMs(cli, values.interval);
  const maxPolls = values.polls === undefined ? undefined : Number(wholeNumber(cli, values.polls, 'polls'));
  const read = () =>
    cli.request<Coverage>('compliance', 'GET', `/api/policy-changes/${encodeURIComponent(id)}/coverage`, {
      user: values.user,
    });
  if (!values.watch) {
    const coverage = await read();
    print(coverage, () => coverageText(coverage));
    return;
  }
  // On a terminal each read redraws the last one in place; piped, each read is printed as lines of its own
  // (a log shows every read). JSON is one object per line either way.
  const redraw = process.stdout.isTTY === true && values.json !== true;
  let drawnLines = 0; // terminal rows of the last read
  // Bounded: by --polls when given, else by the status becoming final (or Ctrl-C).
  for (let polls = 1; ; polls++) {
    const coverage = await read();
    if (values.json) console.log(JSON.stringify(coverage));
    else {
      const text = finalPolicyStatuses.has(coverage.status)
        ? coverageText(coverage)
        : `${coverageText(coverage)}\nRead ${polls}${maxPolls ? ` of ${maxPolls}` : ''} at ${new Date().toISOString().slice(11, 19)} UTC; again every ${interval / 1000} s (Ctrl-C stops).`;
      if (redraw && drawnLines > 0) {
        moveCursor(process.stdout, 0, -drawnLines);
        clearScreenDown(process.stdout);
      }
      console.log(text);
      drawnLines = rowsOf(text, process.stdout.columns);
    }
    if (finalPolicyStatuses.has(coverage.status)) {
      if (!values.json) console.log(`Final: ${coverage.status}.`);
      return;
    }
    if (maxPolls !== undefined && polls >= maxPolls) return;
    await sleep(interval);
  }
};

export const policyCommands: Record<string, PolicyCommand> = { preview, submit, list, show, status };

export async function policyCommand(cli: PartnersCli, args: string[]): Promise<void> {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (error) {
    return cli.fail(`${(error as Error).message}\n\n${policyUsage}`, 2);
  }
  const print: Printer = (payload, human) =>
    console.log(parsed.values.json === true ? JSON.stringify(payload, null, 2) : human());
  const subcommand = parsed.positionals[0] ?? 'list';
  const command = policyCommands[subcommand];
  if (!command) return cli.fail(`Unknown command "policy ${subcommand}".\n\n${policyUsage}`, 2);
  return command(cli, parsed, print);
}
