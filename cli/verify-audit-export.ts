/**
 * `npm run verify-audit -- DIR [--json]` (the package's `pcn-verify-audit` bin): checks an audit export (`pcn audit export --out DIR`) with its files
 * alone — no server, no table, no AWS credentials — against the signed digests and the public key in it (or
 * one given with --public-key, e.g. fetched from the system earlier: an auditor need not trust the export's).
 * Exit code 0: intact; 3: tampering found; 2: usage; 1: the files cannot be read.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseDigestLines, parseHeadLines, verifyExport } from '../functions/audit/verify-export.ts';
import { AUDIT_EXPORT_FILES, auditExportManifestSchema } from './audit-export-files.ts';

const usage = 'usage: pcn-verify-audit DIR [--public-key FILE] [--json]';

async function main(): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{
      allowPositionals: true;
      options: { json: { type: 'boolean' }; 'public-key': { type: 'string' } };
    }>
  >;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { json: { type: 'boolean' }, 'public-key': { type: 'string' } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const [dir] = parsed.positionals;
  if (!dir) {
    console.error(usage);
    return 2;
  }
  const manifest = auditExportManifestSchema.parse(
    JSON.parse(await readFile(join(dir, AUDIT_EXPORT_FILES.manifest), 'utf8')),
  );
  if (manifest.format !== 'jsonl') {
    console.error(
      'This export is CSV, which is for reading: export with --format jsonl (the default) to verify it.',
    );
    return 2;
  }
  const publicKeyPem = await readFile(
    parsed.values['public-key'] ?? join(dir, AUDIT_EXPORT_FILES.publicKey),
    'utf8',
  );
  const digests = parseDigestLines(await readFile(join(dir, AUDIT_EXPORT_FILES.digests), 'utf8'));
  const heads = parseHeadLines(await readFile(join(dir, AUDIT_EXPORT_FILES.heads), 'utf8'));
  const lines = createInterface({
    input: createReadStream(join(dir, AUDIT_EXPORT_FILES.entriesJsonl), 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const result = await verifyExport({
    lines,
    digests,
    publicKeyPem,
    heads,
    complete: manifest.scope.partnerId === undefined,
  });
  if (parsed.values.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(
      `${result.intact ? 'INTACT' : 'TAMPERED'}: ${result.entries} entries in ${result.streams} streams, every hash recomputed; ${
        result.digests.latest
          ? `anchored by digest ${result.digests.latest} of ${result.digests.count} (${result.sealedEntries} of the entries).`
          : 'no digest in the export.'
      }`,
    );
    for (const problem of result.digests.problems)
      console.log(`  digest ${problem.number}: ${problem.kind} — ${problem.message}`);
    for (const problem of result.problems)
      console.log(`  ${problem.stream} entry ${problem.seq}: ${problem.kind} — ${problem.message}`);
    if (result.unreadableLines.length > 0)
      console.log(`  unreadable lines: ${result.unreadableLines.join(', ')}`);
  }
  return result.intact ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`Cannot verify the export: ${error.message}`);
    process.exit(1);
  },
);
