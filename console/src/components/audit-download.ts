import { auditCsvHeader, auditCsvRow, auditJsonLine } from '../../../functions/audit/export-format.ts';
import type { ApiClient, Problem } from '../api.ts';
import type { AuditExportPage } from '../types.ts';

/** The most entries a page of GET /api/audit/export holds (functions/audit/routes.ts). */
const EXPORT_PAGE = 2000;

export type ExportFormat = 'jsonl' | 'csv';

/** Saves `parts` as a file through an object URL: the API needs the bearer token, so no plain link would do. */
export function saveFile(parts: BlobPart[], mediaType: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type: mediaType }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Chromium reads the URL after the click's task: revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Every entry in scope (one partner's, or all) read page by page from GET /api/audit/export and written as
 * JSON Lines (the verifiable export, each entry as stored) or CSV (the same cells as `pcn audit export`, from
 * functions/audit/export-format.ts). `progress` hears the count after each page.
 */
export async function downloadAuditExport(
  api: ApiClient,
  { partnerId, format }: { partnerId?: string | undefined; format: ExportFormat },
  progress: (entries: number) => void,
): Promise<{ ok: true; entries: number } | { ok: false; problem: Problem }> {
  const parts: string[] = format === 'csv' ? [auditCsvHeader()] : [];
  let cursor: string | undefined;
  let count = 0;
  do {
    const query = new URLSearchParams({
      limit: String(EXPORT_PAGE),
      ...(partnerId ? { partnerId } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const page = await api.get<AuditExportPage>(`/api/audit/export?${query.toString()}`);
    if (!page.ok) return page;
    for (const entry of page.data.entries)
      parts.push(format === 'csv' ? auditCsvRow(entry) : auditJsonLine(entry));
    count += page.data.entries.length;
    progress(count);
    cursor = page.data.nextCursor;
  } while (cursor);
  const name = `audit-export${partnerId ? `-${partnerId}` : ''}.${format}`;
  saveFile(parts, format === 'csv' ? 'text/csv' : 'application/x-ndjson', name);
  return { ok: true, entries: count };
}

/**
 * A change's evidence pack as a PDF (GET /api/audit/evidence/{changeId}/pdf) or its JSON, fetched with the
 * bearer token and saved through an object URL: the audit page's and the change page's buttons.
 */
export async function downloadEvidencePack(
  api: ApiClient,
  changeId: string,
  format: 'pdf' | 'json' = 'pdf',
): Promise<{ ok: true } | { ok: false; message: string }> {
  const path = `/api/audit/evidence/${encodeURIComponent(changeId)}`;
  const result = await api.blob(format === 'pdf' ? `${path}/pdf` : path);
  if (!result.ok) return { ok: false, message: result.problem.message };
  saveFile(
    [result.data],
    format === 'pdf' ? 'application/pdf' : 'application/json',
    `${changeId}.evidence.${format}`,
  );
  return { ok: true };
}
