import { z } from 'zod';

/** The files of an audit export directory: what `pcn audit export` writes and `pcn-verify-audit` reads. */
export const AUDIT_EXPORT_FILES = {
  manifest: 'manifest.json',
  entriesJsonl: 'audit-entries.jsonl',
  entriesCsv: 'audit-entries.csv',
  digests: 'digests.jsonl',
  /** The stream heads the export is a snapshot up to (taken before the entries were read). */
  heads: 'heads.jsonl',
  publicKey: 'public-key.pem',
} as const;

export const auditExportManifestSchema = z.object({
  exportedAt: z.string(),
  server: z.string(),
  scope: z.object({ partnerId: z.string().optional() }),
  format: z.enum(['jsonl', 'csv']),
  entries: z.number().int().min(0),
  digests: z.number().int().min(0),
  signingKeyId: z.string(),
});

export type AuditExportManifest = z.infer<typeof auditExportManifestSchema>;
