/**
 * `pcn audit …`: the audit trail's verification and its anchoring digests from the command line. cli/pcn.ts
 * hands `audit verify|digests|public-key|seal` here with their arguments untouched; `audit CHANGE` (a
 * change's entries) stays in cli/pcn.ts.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { EvidencePack } from '../functions/audit/evidence.ts';
import { auditCsvHeader, auditCsvRow, auditJsonLine } from '../functions/audit/export.ts';
import type { auditVerificationSchema } from '../functions/audit/routes.ts';
import type { AuditEntry } from '../functions/domain/audit-chain.ts';
import type { AuditDigest, SignedDigest } from '../functions/domain/audit-digest.ts';
import { AUDIT_EXPORT_FILES, type AuditExportManifest } from './audit-export-files.ts';
import type { PartnersCli } from './partners.ts';

export const auditUsage = `Audit (compliance)
  audit CHANGE                        the hash-chained audit entries of a change, verified
  audit verify [--partner ID] [--since YYYY-MM-DD|ISO-TIME]
                                      recompute every hash and link against the heads and the latest signed
                                      digest; names each tampered entry; exit code 3 when anything is wrong
  audit digests                       the signed digests the chain heads are sealed in, oldest first
  audit public-key [--out FILE]       the digests' public key (PEM), to verify them outside the system
  audit seal                          seal the heads into a digest now (local mode; AWS: on a schedule)
  audit export --out DIR [--partner ID] [--format jsonl|csv]
                                      every entry as stored (by stream, then seq), streamed page by page, with
                                      the digests and the public key: check it anywhere with
                                      \`npm run verify-audit -- DIR\` (JSON Lines; CSV is for reading)
  audit evidence CHANGE [--out DIR]   the change's evidence pack: CHANGE.evidence.json and CHANGE.evidence.pdf
                                      (drawn from that JSON) in DIR (default: here); exit code 3 when its
                                      verification fails`;

const options = {
  json: { type: 'boolean' },
  user: { type: 'string' },
  partner: { type: 'string' },
  since: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
} as const;

type Parsed = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>
>;
type Printer = (payload: unknown, human: () => string) => void;
type AuditCommand = (cli: PartnersCli, parsed: Parsed, print: Printer) => Promise<void>;
type Verification = z.infer<typeof auditVerificationSchema>;

/** Exit code of a verification that found tampering (1 is an error, 2 a usage mistake). */
export const TAMPERED_EXIT_CODE = 3;

function verificationText(result: Verification): string {
  const scope = [
    result.scope.partnerId ? `partner ${result.scope.partnerId}` : 'every stream',
    result.scope.since ? `written since ${result.scope.since}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const latest = result.digests.latest;
  const lines = [
    `${result.intact ? 'INTACT' : 'TAMPERED'}: ${result.entries} entries in ${result.streams} streams (${scope}), every hash recomputed.`,
    latest
      ? `Anchored by digest ${latest.number} of ${result.digests.count}, sealed ${latest.sealedAt} (${result.sealedEntries} of the entries; the rest are newer), key ${latest.signingKeyId}.`
      : 'No digest yet: the chains vouch for themselves only (run `audit seal`, or wait for the schedule).',
  ];
  for (const problem of result.digests.problems)
    lines.push(`  digest ${problem.number}: ${problem.kind} — ${problem.message}`);
  for (const problem of result.problems)
    lines.push(`  ${problem.stream} entry ${problem.seq}: ${problem.kind} — ${problem.message}`);
  return lines.join('\n');
}

/** Entries per export page (the API's most). */
const EXPORT_PAGE = 2000;

/** A line on stderr that rewrites itself on a terminal (and stays quiet in a pipe or a test). */
function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}`);
}

async function exportAudit(cli: PartnersCli, values: Parsed['values']): Promise<AuditExportManifest> {
  const dir = values.out ?? cli.fail(`audit export needs --out DIR.\n\n${auditUsage}`, 2);
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv')
    return cli.fail(`--format must be jsonl or csv.\n\n${auditUsage}`, 2);
  await mkdir(dir, { recursive: true });
  const request = <T>(path: string) => cli.request<T>('compliance', 'GET', path, { user: values.user });
  const file = createWriteStream(
    join(dir, format === 'csv' ? AUDIT_EXPORT_FILES.entriesCsv : AUDIT_EXPORT_FILES.entriesJsonl),
    'utf8',
  );
  const write = async (text: string) => {
    if (!file.write(text)) await once(file, 'drain');
  };
  // The heads first: the export is a snapshot up to them (an entry a step appends meanwhile is left out), so
  // the verifier can hold each stream's entries against its head, and a line cut from the file shows.
  const query = new URLSearchParams(values.partner ? { partnerId: values.partner } : {});
  const { heads } = await request<{ heads: { stream: string; seq: number; hash: string }[] }>(
    `/api/audit/heads${query.size > 0 ? `?${query}` : ''}`,
  );
  await writeFile(
    join(dir, AUDIT_EXPORT_FILES.heads),
    heads.map(({ stream, seq, hash }) => `${JSON.stringify({ stream, seq, hash })}\n`).join(''),
  );
  const snapshot = new Map(heads.map((head) => [head.stream, head.seq]));
  if (format === 'csv') await write(auditCsvHeader());
  const began = performance.now();
  let entries = 0;
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(EXPORT_PAGE) });
    if (values.partner) query.set('partnerId', values.partner);
    if (cursor) query.set('cursor', cursor);
    const page = await request<{ entries: AuditEntry[]; nextCursor?: string }>(`/api/audit/export?${query}`);
    for (const entry of page.entries) {
      if (entry.seq > (snapshot.get(entry.stream) ?? 0)) continue;
      await write(format === 'csv' ? auditCsvRow(entry) : auditJsonLine(entry));
      entries += 1;
    }
    cursor = page.nextCursor;
    const seconds = (performance.now() - began) / 1000;
    progress(
      `  exported ${entries.toLocaleString('en')} entries (${Math.round(entries / Math.max(seconds, 0.001)).toLocaleString('en')}/s)`,
    );
  } while (cursor);
  file.end();
  await once(file, 'finish');
  if (process.stderr.isTTY) process.stderr.write('\n');
  const { digests } = await request<{ digests: AuditDigest[] }>('/api/audit/digests');
  const signed: string[] = [];
  for (const digest of digests)
    signed.push(JSON.stringify(await request<SignedDigest>(`/api/audit/digests/${digest.number}`)));
  await writeFile(join(dir, AUDIT_EXPORT_FILES.digests), signed.map((line) => `${line}\n`).join(''));
  const key = await request<{ keyId: string; publicKeyPem: string }>('/api/audit/public-key');
  await writeFile(join(dir, AUDIT_EXPORT_FILES.publicKey), key.publicKeyPem);
  const manifest: AuditExportManifest = {
    exportedAt: new Date().toISOString(),
    server: cli.serverUrl(),
    scope: values.partner ? { partnerId: values.partner } : {},
    format,
    entries,
    digests: digests.length,
    signingKeyId: key.keyId,
  };
  await writeFile(join(dir, AUDIT_EXPORT_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const auditCommands: Record<string, AuditCommand> = {
  export: async (cli, { values }, print) => {
    const manifest = await exportAudit(cli, values);
    print(
      manifest,
      () =>
        `Exported ${manifest.entries} entries${manifest.scope.partnerId ? ` of ${manifest.scope.partnerId}` : ''} (${manifest.format}), ${manifest.digests} digests and the public key to ${values.out}.${
          manifest.format === 'jsonl' ? ` Check it with: npm run verify-audit -- ${values.out}` : ''
        }`,
    );
  },
  verify: async (cli, { values }, print) => {
    const query = new URLSearchParams();
    if (values.partner) query.set('partnerId', values.partner);
    if (values.since) query.set('since', values.since);
    const result = await cli.request<Verification>(
      'compliance',
      'GET',
      `/api/audit/verify${query.size > 0 ? `?${query}` : ''}`,
      { user: values.user },
    );
    print(result, () => verificationText(result));
    if (!result.intact) process.exitCode = TAMPERED_EXIT_CODE;
  },
  digests: async (cli, { values }, print) => {
    const result = await cli.request<{ digests: AuditDigest[] }>('compliance', 'GET', '/api/audit/digests', {
      user: values.user,
    });
    print(result, () =>
      result.digests.length === 0
        ? 'No digests yet.'
        : cli.table([
            ['#', 'sealed at', 'streams', 'entries', 'merkle root'],
            ...result.digests.map((digest) => [
              String(digest.number),
              digest.sealedAt,
              String(digest.streams),
              String(digest.entries),
              `${digest.merkleRoot.slice(0, 23)}…`,
            ]),
          ]),
    );
  },
  'public-key': async (cli, { values }, print) => {
    const result = await cli.request<{ keyId: string; algorithm: string; publicKeyPem: string }>(
      'compliance',
      'GET',
      '/api/audit/public-key',
      { user: values.user },
    );
    if (values.out) {
      await writeFile(values.out, result.publicKeyPem);
    }
    print(result, () =>
      values.out ? `Wrote ${result.keyId}'s public key to ${values.out}.` : result.publicKeyPem.trimEnd(),
    );
  },
  seal: async (cli, _parsed, print) => {
    const result = await cli.request<
      { outcome: 'sealed' | 'unchanged'; digest: AuditDigest } | { outcome: 'raced'; number: number }
    >('compliance', 'POST', '/dev/audit/seal');
    print(result, () =>
      result.outcome === 'raced'
        ? `Another sealer wrote digest ${result.number} first.`
        : result.outcome === 'sealed'
          ? `Sealed digest ${result.digest.number}: ${result.digest.streams} streams, ${result.digest.entries} entries.`
          : `Nothing new since digest ${result.digest.number}.`,
    );
  },
  evidence: async (cli, { values, positionals }, print) => {
    const changeId = positionals[1];
    if (!changeId) return cli.fail(`CHANGE is required.\n\n${auditUsage}`, 2);
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { join, resolve } = await import('node:path');
    const path = `/api/audit/evidence/${encodeURIComponent(changeId)}`;
    const pack = await cli.request<EvidencePack>('compliance', 'GET', path, { user: values.user });
    // The PDF drawn here from that very JSON (as GET …/pdf draws it on the server): one pack, one moment, so
    // the two files can never tell different verdicts.
    const { evidencePdf } = await import('../functions/audit/evidence-pdf.ts');
    const pdf = await evidencePdf(pack);
    const dir = resolve(values.out ?? '.');
    await mkdir(dir, { recursive: true });
    const files = {
      json: join(dir, `${pack.changeId}.evidence.json`),
      pdf: join(dir, `${pack.changeId}.evidence.pdf`),
    };
    await writeFile(files.json, `${JSON.stringify(pack, null, 2)}\n`);
    await writeFile(files.pdf, pdf);
    print({ files, intact: pack.verification.intact, verdict: pack.verification.verdict }, () =>
      [
        `Wrote ${files.json}`,
        `Wrote ${files.pdf}`,
        `${pack.verification.intact ? 'INTACT' : 'TAMPERED'}: ${pack.verification.verdict}`,
        pack.digest.message,
      ].join('\n'),
    );
    if (!pack.verification.intact) process.exitCode = TAMPERED_EXIT_CODE;
  },
};

/** Whether `pcn audit <first>` is one of this file's subcommands (else it names a change). */
export const isAuditSubcommand = (first: string | undefined) => first !== undefined && first in auditCommands;

export async function auditCommand(cli: PartnersCli, args: string[]): Promise<void> {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (error) {
    return cli.fail(`${(error as Error).message}\n\n${auditUsage}`, 2);
  }
  const print: Printer = (payload, human) =>
    console.log(parsed.values.json === true ? JSON.stringify(payload, null, 2) : human());
  const command = auditCommands[parsed.positionals[0] ?? ''];
  if (!command)
    return cli.fail(`Unknown command "audit ${parsed.positionals[0] ?? ''}".\n\n${auditUsage}`, 2);
  return command(cli, parsed, print);
}
