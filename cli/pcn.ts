/**
 * `pcn`: the command line of Partner Change Notice, over the same HTTP API as the console. `pcn start` runs
 * the whole system locally; every other command talks to a running API — the local one it finds in the file
 * `npm start` writes, or any other given by PCN_URL (with PCN_TOKEN, a Cognito token, in AWS).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { LinkKeyRotation } from '../functions/notices/link-key-rotation.ts';
import { auditCommand, auditUsage, isAuditSubcommand } from './audit.ts';
import { type PartnersCli, partnersCommand, partnersUsage } from './partners.ts';
import { policyCommand, policyUsage } from './policy.ts';

const usage = `usage: pcn <command> [options]        (npm run pcn -- <command> …)

Changes
  submit FILE [--effective-date YYYY-MM-DD|+DAYS] [--idempotency-key KEY]
                                      submit a commission change from a JSON or YAML file
  stage-move PARTNER --to STAGE --effective-date D --rationale TEXT [--from STAGE] [--note TEXT]
  stage-move FILE [--effective-date D]  move a partner up or down the stages (partner manager); the
                                      current stage (--from) is read from the API when not given
  reassign PARTNER --to USERID --on D --rationale TEXT [--note TEXT]
                                      a new alliance manager from the handover date D (partner manager)
  handover CHANGE --note TEXT         record your handover of a reassignment (outgoing or incoming manager)
  list [--status S] [--partner ID] [--submitter U] [--from D] [--to D] [--limit N] [--cursor C]
  show CHANGE                         terms, status, open tasks, next deadline, timeline
  approve CHANGE --comment TEXT       (approver; never your own change)
  reject CHANGE --comment TEXT
  consult CHANGE --held-on D --participants "A, B" --summary TEXT     (alliance manager)
  withdraw CHANGE --reason TEXT
  resolve-dispute CHANGE --outcome upheld|revised|withdrawn --answer TEXT
                    [--new-rate PCT | --to STAGE, --rationale TEXT --effective-date D]   (for revised)
  resolve-escalation CHANGE --outcome proceed|withdraw --note TEXT
  retry CHANGE                        restart a workflow that failed
  (submit, stage-move and reassign take --dry-run: the API's preview with the trust score now → after and
   its flags, nothing recorded; and --trust-forecast-read: "I have read this" for a forecast under the
   threshold, recorded in the audit trail)
Trust
  trust PARTNER [--at YYYY-MM-DD] [--version V]   the score explained: every ledger event and its points now
${partnersUsage}
  rate PARTNER --booked-on D [--product P] [--account A]   the rate for a sale booked that day
${policyUsage}
${auditUsage}
Local mode
  start                               run everything locally (what \`npm start\` does)
  clock [advance --days N --hours N]  show or move the virtual clock
  link-keys rotate                    a new link-signing key; older keys verify until their links expire
  token --user U --role R             a dev token

Options: --json (print the API's JSON), --user U (act as U; default per command, e.g. fiona for finance)
Server: PCN_URL, else the one \`npm start\` announced, else http://127.0.0.1:\${PORT:-3000}; PCN_TOKEN in AWS.`;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type Role = 'finance' | 'approver' | 'partner-manager' | 'compliance';

/** Who acts by default for each role, locally (the seeded staff). */
const defaultUsers: Record<Role, string> = {
  finance: 'fiona',
  approver: 'amara',
  'partner-manager': 'dana',
  compliance: 'carla',
};

function serverUrl(): string {
  if (process.env.PCN_URL) return process.env.PCN_URL.replace(/\/$/, '');
  const dataDir =
    process.env.DATA_DIR && process.env.DATA_DIR !== ':memory:' ? process.env.DATA_DIR : '.data';
  const announced = `${dataDir}/server.json`;
  if (existsSync(announced)) {
    try {
      const { baseUrl, pid } = JSON.parse(readFileSync(announced, 'utf8')) as {
        baseUrl: string;
        pid: number;
      };
      process.kill(pid, 0); // throws when that `npm start` is gone
      return baseUrl;
    } catch {
      // A file left by a stopped server: fall through to the default.
    }
  }
  return `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

interface Problem {
  error?: string;
  message?: string;
  fields?: { field: string; reason: string }[];
  earliestEffectiveDate?: string;
  conflictingChangeId?: string;
}

async function call<T>(
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<T> {
  const url = `${serverUrl()}${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  }).catch((error: Error) => {
    throw new CliError(
      `Cannot reach the API at ${serverUrl()} (${error.message}). Is \`npm start\` running? Set PCN_URL for another server.`,
    );
  });
  const text = await response.text();
  let payload: unknown = text;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a page): keep the text.
  }
  if (response.status === 503) throw new CliError('The server is still starting: try again in a second.');
  if (!response.ok) {
    const problem = (typeof payload === 'object' && payload ? payload : {}) as Problem;
    const lines = [`${response.status} ${problem.error ?? response.statusText}: ${problem.message ?? text}`];
    for (const field of problem.fields ?? []) lines.push(`  ${field.field}: ${field.reason}`);
    if (problem.earliestEffectiveDate)
      lines.push(`  earliest effective date: ${problem.earliestEffectiveDate}`);
    if (problem.conflictingChangeId)
      lines.push(
        `  pending change: ${problem.conflictingChangeId} (pcn show ${problem.conflictingChangeId})`,
      );
    throw new CliError(lines.join('\n'));
  }
  return payload as T;
}

async function tokenFor(role: Role, user: string | undefined): Promise<string> {
  if (process.env.PCN_TOKEN) return process.env.PCN_TOKEN;
  const { token } = await call<{ token: string }>('POST', '/dev/token', {
    body: { user: user ?? defaultUsers[role], role },
  }).catch((error: Error) => {
    throw new CliError(`${error.message}\n(No PCN_TOKEN, and no local dev sign-in at ${serverUrl()}.)`);
  });
  return token;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new CliError(`--${flag} is required.\n\n${usage}`, 2);
  return value;
}

function argument(positionals: string[], index: number, what: string): string {
  const value = positionals[index];
  if (!value) throw new CliError(`${what} is required.\n\n${usage}`, 2);
  return value;
}

function addDaysIso(isoNow: string, days: number): string {
  return new Date(Date.parse(isoNow) + days * 86_400_000).toISOString().slice(0, 10);
}

/** `+32` is 32 days after the server's today (its virtual clock locally). */
async function effectiveDateOf(value: string): Promise<string> {
  const relative = /^\+(\d{1,4})$/.exec(value);
  if (!relative) return value;
  const now = await call<{ now: string }>('GET', '/dev/clock').then(
    (clock) => clock.now,
    () => new Date().toISOString(),
  );
  return addDaysIso(now, Number(relative[1]));
}

async function readRequestFile(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`Cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(
      `${path} must hold one change (an object with partnerId, effectiveDate, rationale and the kind's fields).`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** What a submission of any kind answered, for a person. */
interface PreviewTrust {
  scoreNow: number;
  scoreAfter: number;
  threshold: number;
  requiresAcknowledgement: boolean;
  flags: { message: string }[];
}

/** A dry run's answer: what would happen, the trust forecast before → after and the flags to weigh first. */
function previewSummary(result: Record<string, unknown>): string {
  const trust = result.trust as PreviewTrust;
  return [
    `Dry run (nothing recorded): ${String(result.summary)} would start ${String(result.status)}`,
    `  notice period ${result.noticePeriodDays} days; earliest effective date ${result.earliestEffectiveDate}; approvals needed: ${result.approvalsRequired}`,
    `  trust ${trust.scoreNow} → ${trust.scoreAfter} on the apply date (threshold ${trust.threshold})${trust.requiresAcknowledgement ? ': under it, submit with --trust-forecast-read once you have read this' : ''}`,
    ...trust.flags.map((flag) => `  ! ${flag.message}`),
  ].join('\n');
}

function submittedSummary(result: Record<string, unknown>): string {
  if (result.dryRun === true) return previewSummary(result);
  return [
    `${result.replayed ? 'Already submitted' : 'Submitted'}: ${result.changeId} (${result.status})`,
    `  notice period ${result.noticePeriodDays} days; earliest effective date ${result.earliestEffectiveDate}`,
    `  approvals needed: ${result.approvalsRequired}; trust forecast ${result.forecastTrustPoints} points`,
    `  next: ${result.status === 'awaiting-approval' ? `an approver runs \`pcn approve ${result.changeId} --comment "…"\`` : `pcn show ${result.changeId}`}`,
  ].join('\n');
}

interface PartnerTrustAnswer {
  name: string;
  stage: string;
  at: string;
  rulesVersion: string;
  startingScore: number;
  score: number;
  contributions: {
    at: string;
    rule: string;
    points: number;
    decay: number;
    pointsNow: number;
    explanation: string;
  }[];
}

/** A partner's score as a table: each ledger event's points then and now, and how they add up. */
function trustSummary(trust: PartnerTrustAnswer): string {
  const signed = (value: number) => (value > 0 ? `+${value.toFixed(2)}` : value.toFixed(2));
  const rows = trust.contributions.map((item) => [
    item.at.slice(0, 10),
    item.rule,
    signed(item.points),
    `${Math.round(item.decay * 100)}%`,
    signed(item.pointsNow),
  ]);
  return [
    `${trust.name} (${trust.stage}): trust ${trust.score} on ${trust.at.slice(0, 10)}, rules ${trust.rulesVersion}`,
    '',
    table([
      ['DATE', 'RULE', 'POINTS', 'LEFT', 'NOW'],
      ['', 'starting score', '', '', String(trust.startingScore)],
      ...rows,
      ['', 'score (0–100)', '', '', String(trust.score)],
    ]),
  ].join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

interface ChangeSummary {
  changeId: string;
  partnerId: string;
  stage: string;
  status: string;
  summary: string;
  effectiveDate: string;
  applyAt?: string;
  nextDeadline?: { at: string; what: string };
  submittedBy: string;
}

interface ChangeView extends ChangeSummary {
  partnerName?: string;
  rationale: string;
  internalNote?: string;
  applyAtReason?: string;
  noticeId?: string;
  openTasks: { task: string; who: string; dueAt?: string }[];
  timeline: { seq: number; at: string; type: string; actor: string }[];
}

function showChange(view: ChangeView): string {
  const lines = [
    `${view.changeId}  ${view.status.toUpperCase()}`,
    `  ${view.summary}  for ${view.partnerName ?? view.partnerId} (${view.stage})`,
    `  effective ${view.effectiveDate}${view.applyAt ? `, applies ${view.applyAt.slice(0, 10)}` : ''}${view.applyAtReason ? ` — ${view.applyAtReason}` : ''}`,
    `  submitted by ${view.submittedBy}${view.noticeId ? `, notice ${view.noticeId}` : ''}`,
    ...(view.nextDeadline ? [`  next: ${view.nextDeadline.what} at ${view.nextDeadline.at}`] : []),
    ...view.openTasks.map(
      (task) =>
        `  open task: ${task.task} — ${task.who}${task.dueAt ? `, due ${task.dueAt.slice(0, 10)}` : ''}`,
    ),
    `  rationale: ${view.rationale}`,
    ...(view.internalNote ? [`  internal note: ${view.internalNote}`] : []),
    '',
    'Timeline',
    table(
      view.timeline.map((item) => [
        String(item.seq),
        item.at.replace('T', ' ').slice(0, 16),
        item.type,
        item.actor,
      ]),
    ),
  ];
  return lines.join('\n');
}

/** The options every command may take; an unknown one is a usage error (exit 2), not a crash. */
function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        user: { type: 'string' },
        role: { type: 'string' },
        days: { type: 'string' },
        hours: { type: 'string' },
        comment: { type: 'string' },
        reason: { type: 'string' },
        note: { type: 'string' },
        answer: { type: 'string' },
        outcome: { type: 'string' },
        rationale: { type: 'string' },
        summary: { type: 'string' },
        participants: { type: 'string' },
        status: { type: 'string' },
        partner: { type: 'string' },
        submitter: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        product: { type: 'string' },
        account: { type: 'string' },
        'held-on': { type: 'string' },
        'booked-on': { type: 'string' },
        'new-rate': { type: 'string' },
        'effective-date': { type: 'string' },
        on: { type: 'string' },
        'idempotency-key': { type: 'string' },
        'trust-forecast-read': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        version: { type: 'string' },
        at: { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${usage}`, 2);
  }
}

/** What `pcn partners …` (cli/partners.ts) uses of this file. */
const partnersCli: PartnersCli = {
  request: async (role, method, path, options = {}) =>
    call(method, path, {
      token: await tokenFor(role, options.user),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.headers ? { headers: options.headers } : {}),
    }),
  fail: (message, exitCode) => {
    throw new CliError(message, exitCode);
  },
  table,
  serverUrl,
  token: tokenFor,
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // The directory's commands have options of their own: they parse their arguments themselves.
  if (command === 'partners') return partnersCommand(partnersCli, rest);
  if (command === 'policy') return policyCommand(partnersCli, rest);
  if (command === 'audit' && isAuditSubcommand(rest[0])) return auditCommand(partnersCli, rest);
  const { values, positionals } = parseCommandLine(rest);
  const json = values.json === true;
  const print = (payload: unknown, human: () => string) =>
    console.log(json ? JSON.stringify(payload, null, 2) : human());
  const act = async (
    role: Role,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) =>
    call<Record<string, unknown>>(method, path, {
      token: await tokenFor(role, values.user),
      ...(body === undefined ? {} : { body }),
      ...(headers ? { headers } : {}),
    });
  /** A submission of any kind: the effective date may be +DAYS (in the file or the flag). */
  const submitRequest = async (role: Role, path: string, request: Record<string, unknown>) => {
    if (values['effective-date']) request.effectiveDate = await effectiveDateOf(values['effective-date']);
    else if (typeof request.effectiveDate === 'string')
      request.effectiveDate = await effectiveDateOf(request.effectiveDate);
    // "I have read this": needed when the trust forecast falls under the threshold (the 422 says so).
    if (values['trust-forecast-read']) request.trustForecastRead = true;
    return act(
      role,
      'POST',
      values['dry-run'] ? `${path}?dryRun=true` : path,
      request,
      values['idempotency-key'] ? { 'idempotency-key': values['idempotency-key'] } : undefined,
    );
  };
  const changePath = (suffix = '') =>
    `/api/changes/${encodeURIComponent(argument(positionals, 0, 'CHANGE'))}${suffix}`;

  switch (command) {
    case 'start': {
      const { startLocal } = await import('../local/start.ts');
      return startLocal();
    }
    case 'submit': {
      const request = await readRequestFile(argument(positionals, 0, 'FILE'));
      const result = await submitRequest('finance', '/api/commission-changes', request);
      return print(result, () => submittedSummary(result));
    }
    case 'stage-move': {
      // PARTNER with flags, or a JSON or YAML file holding the request (flags override its fields).
      const target = argument(positionals, 0, 'PARTNER');
      const request = /\.(ya?ml|json)$/i.test(target) ? await readRequestFile(target) : { partnerId: target };
      if (values.to) request.toStage = values.to;
      if (values.from) request.currentStage = values.from;
      if (values.rationale) request.rationale = values.rationale;
      if (values.note) request.internalNote = values.note;
      if (request.currentStage === undefined && typeof request.partnerId === 'string') {
        // The submitter's view is the partner as the API shows it now (a stale one is refused, 409).
        const partner = await act(
          'partner-manager',
          'GET',
          `/api/partners/${encodeURIComponent(request.partnerId)}`,
        );
        request.currentStage = partner.stage;
      }
      const result = await submitRequest('partner-manager', '/api/stage-moves', request);
      return print(result, () => submittedSummary(result));
    }
    case 'reassign': {
      // The handover date (--on) is the change's effective date: YYYY-MM-DD or +DAYS.
      const request: Record<string, unknown> = { partnerId: argument(positionals, 0, 'PARTNER') };
      if (values.to) request.incomingManager = values.to;
      if (values.on) request.effectiveDate = values.on;
      if (values.rationale) request.rationale = values.rationale;
      if (values.note) request.internalNote = values.note;
      const result = await submitRequest('partner-manager', '/api/reassignments', request);
      return print(result, () => submittedSummary(result));
    }
    case 'handover': {
      const result = await act('partner-manager', 'POST', changePath('/handover'), {
        note: values.note ?? '',
      });
      return print(result, () =>
        result.replayed
          ? `Already recorded (${String(result.side)} manager) at ${String(result.recordedAt)}: nothing changed.`
          : `Handover recorded as the ${String(result.side)} manager of ${String(result.changeId)}.`,
      );
    }
    case 'list': {
      const query = new URLSearchParams();
      const filters: [string, string | undefined][] = [
        ['status', values.status],
        ['partnerId', values.partner],
        ['submittedBy', values.submitter],
        ['from', values.from],
        ['to', values.to],
        ['limit', values.limit],
        ['cursor', values.cursor],
      ];
      for (const [name, value] of filters) if (value !== undefined) query.set(name, value);
      const page = (await act(
        'finance',
        'GET',
        `/api/commission-changes${query.size > 0 ? `?${query}` : ''}`,
      )) as {
        items: ChangeSummary[];
        cursor?: string;
      };
      return print(page, () => {
        if (page.items.length === 0) return 'No changes match.';
        const rows = [
          ['CHANGE', 'STATUS', 'PARTNER', 'TERMS', 'EFFECTIVE', 'APPLIES', 'NEXT DEADLINE', 'BY'],
        ];
        for (const item of page.items) {
          rows.push([
            item.changeId,
            item.status,
            `${item.partnerId} (${item.stage})`,
            item.summary,
            item.effectiveDate,
            item.applyAt?.slice(0, 10) ?? '-',
            item.nextDeadline ? `${item.nextDeadline.at.slice(0, 10)} ${item.nextDeadline.what}` : '-',
            item.submittedBy,
          ]);
        }
        return `${table(rows)}${page.cursor ? `\n\nMore: pcn list --cursor ${page.cursor}` : ''}`;
      });
    }
    case 'show': {
      const view = (await act('finance', 'GET', changePath())) as unknown as ChangeView;
      return print(view, () => showChange(view));
    }
    case 'approve':
    case 'reject': {
      const result = await act('approver', 'POST', changePath('/approval'), {
        decision: command,
        comment: required(values.comment, 'comment'),
      });
      return print(result, () =>
        command === 'approve'
          ? `Approved (${result.approvals}/${result.required}): ${result.changeId} is now ${result.status}.`
          : `Rejected: ${result.changeId}.`,
      );
    }
    case 'consult': {
      const result = await act('partner-manager', 'POST', changePath('/consultation'), {
        heldOn: required(values['held-on'], 'held-on'),
        participants: required(values.participants, 'participants')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name.length > 0),
        summary: required(values.summary, 'summary'),
      });
      return print(
        result,
        () => `Consultation recorded: ${result.changeId} is now ${result.status}; the notice goes out next.`,
      );
    }
    case 'withdraw': {
      const result = await act('finance', 'POST', changePath('/withdrawal'), {
        reason: required(values.reason, 'reason'),
      });
      return print(result, () => `Withdrawn: ${result.changeId}; ${result.notified} people told.`);
    }
    case 'resolve-dispute': {
      const outcome = required(values.outcome, 'outcome');
      const body: Record<string, unknown> = { outcome, answer: required(values.answer, 'answer') };
      if (outcome === 'revised') {
        // The kind's revision: a new stage for a stage move (--to), else a new rate.
        body.revision = values.to
          ? { toStage: values.to }
          : { newRatePct: Number(required(values['new-rate'], 'new-rate')) };
        body.rationale = required(values.rationale, 'rationale');
        if (values['effective-date']) body.effectiveDate = await effectiveDateOf(values['effective-date']);
      }
      const result = await act('partner-manager', 'POST', changePath('/dispute-resolution'), body);
      return print(
        result,
        () =>
          `Dispute ${outcome}: ${result.changeId} is now ${result.status}${result.comparedToPrevious ? ` (revision ${result.comparedToPrevious} for the partner)` : ''}.`,
      );
    }
    case 'resolve-escalation': {
      const result = await act('partner-manager', 'POST', changePath('/escalation-resolution'), {
        outcome: required(values.outcome, 'outcome'),
        note: required(values.note, 'note'),
      });
      return print(result, () => `Escalation resolved: ${result.changeId} is now ${result.status}.`);
    }
    case 'retry': {
      const result = await act('finance', 'POST', changePath('/retry'));
      return print(result, () => `Workflow restarted (attempt ${result.attempt}) for ${result.changeId}.`);
    }
    case 'audit': {
      const change = argument(positionals, 0, 'CHANGE');
      const result = (await act(
        'compliance',
        'GET',
        `/api/audit?changeId=${encodeURIComponent(change)}`,
      )) as {
        entries: { seq: number; at: string; type: string; actor: string; hash: string }[];
        chain: { intact: boolean; problem?: string; seq?: number };
      };
      return print(result, () =>
        [
          result.chain.intact
            ? 'Chain intact.'
            : `CHAIN BROKEN at ${result.chain.seq}: ${result.chain.problem}`,
          table(
            result.entries.map((entry) => [
              String(entry.seq),
              entry.at,
              entry.type,
              entry.actor,
              `${entry.hash.slice(0, 19)}…`,
            ]),
          ),
        ].join('\n'),
      );
    }
    case 'trust': {
      const partner = argument(positionals, 0, 'PARTNER');
      const query = new URLSearchParams();
      if (values.at) query.set('at', values.at);
      if (values.version) query.set('version', values.version);
      const result = await act(
        'finance',
        'GET',
        `/api/partners/${encodeURIComponent(partner)}/trust${query.size > 0 ? `?${query}` : ''}`,
      );
      return print(result, () => trustSummary(result as unknown as PartnerTrustAnswer));
    }
    case 'rate': {
      const partner = argument(positionals, 0, 'PARTNER');
      const query = new URLSearchParams({ bookedOn: required(values['booked-on'], 'booked-on') });
      if (values.product) query.set('product', values.product);
      if (values.account) query.set('account', values.account);
      const result = await act(
        'finance',
        'GET',
        `/api/partners/${encodeURIComponent(partner)}/rate?${query}`,
      );
      return print(
        result,
        () =>
          `${result.ratePct}% for a sale booked ${result.bookedOn} (in force from ${result.effectiveFrom}, scope ${result.scopeKey}${result.changeId ? `, set by ${result.changeId}` : ''}).`,
      );
    }
    case 'clock': {
      if (positionals[0] === 'advance') {
        const body = {
          ...(values.days ? { days: Number(values.days) } : {}),
          ...(values.hours ? { hours: Number(values.hours) } : {}),
        };
        const result = await call<{ now: string }>('POST', '/dev/clock/advance', { body });
        return print(result, () => `Virtual clock now ${result.now} (every workflow has caught up).`);
      }
      const result = await call<{ now: string }>('GET', '/dev/clock');
      return print(result, () => `Virtual clock: ${result.now}`);
    }
    case 'link-keys': {
      if (positionals[0] !== 'rotate') throw new CliError(`usage: pcn link-keys rotate\n\n${usage}`, 2);
      const result = await call<LinkKeyRotation>('POST', '/dev/link-keys/rotate');
      return print(
        result,
        () =>
          `Links are now signed with ${result.current}.${result.retiring ? ` ${result.retiring.kid} verifies the links it signed until ${result.retiring.retireAfter}.` : ''}${result.dropped.length > 0 ? ` Dropped (all their links expired): ${result.dropped.join(', ')}.` : ''} Keys: ${result.kids.join(', ')}.`,
      );
    }
    case 'token': {
      const result = await call<{ token: string }>('POST', '/dev/token', {
        body: { user: required(values.user, 'user'), role: required(values.role, 'role') },
      });
      return print(result, () => result.token);
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return;
    default:
      throw new CliError(`Unknown command "${command}".\n\n${usage}`, 2);
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(error instanceof CliError ? error.exitCode : 1);
});
