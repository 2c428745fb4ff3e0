/**
 * `pcn audit …`: the audit trail's verification and its anchoring digests from the command line. cli/pcn.ts
 * hands `audit verify|digests|public-key|seal` here with their arguments untouched; `audit CHANGE` (a
 * change's entries) stays in cli/pcn.ts.
 */
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { EvidencePack } from '../functions/audit/evidence.ts';
import type { auditVerificationSchema } from '../functions/audit/routes.ts';
import type { AuditDigest } from '../functions/domain/audit-digest.ts';
import type { PartnersCli } from './partners.ts';

export const auditUsage = `Audit (compliance)
  audit CHANGE                        the hash-chained audit entries of a change, verified
  audit verify [--partner ID] [--since YYYY-MM-DD|ISO-TIME]
                                      recompute every hash and link against the heads and the latest signed
                                      digest; names each tampered entry; exit code 3 when anything is wrong
  audit digests                       the signed digests the chain heads are sealed in, oldest first
  audit public-key [--out FILE]       the digests' public key (PEM), to verify them outside the system
  audit seal                          seal the heads into a digest now (local mode; AWS: on a schedule)
  audit evidence CHANGE [--out DIR]   the change's evidence pack: CHANGE.evidence.json and CHANGE.evidence.pdf
                                      (drawn from that JSON) in DIR (default: here); exit code 3 when its
                                      verification fails`;

const options = {
  json: { type: 'boolean' },
  user: { type: 'string' },
  partner: { type: 'string' },
  since: { type: 'string' },
  out: { type: 'string' },
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

const auditCommands: Record<string, AuditCommand> = {
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
      const { writeFile } = await import('node:fs/promises');
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
