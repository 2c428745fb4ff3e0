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
 * A change's evidence pack as a PDF (GET /api/audit/evidence/{changeId}/pdf), fetched with the bearer token
 * into a Blob and saved through an object URL.
 */
export async function downloadEvidencePdf(
  baseUrl: string,
  token: string,
  changeId: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/api/audit/evidence/${encodeURIComponent(changeId)}/pdf`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/pdf' },
    });
  } catch (error) {
    return {
      ok: false,
      message: `The API could not be reached (${error instanceof Error ? error.message : String(error)}).`,
    };
  }
  if (!response.ok) {
    let message = `The server answered ${response.status} ${response.statusText}.`;
    try {
      const body = (await response.json()) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // Not JSON: the status says enough.
    }
    return { ok: false, message };
  }
  saveFile([await response.blob()], 'application/pdf', `evidence-${changeId}.pdf`);
  return { ok: true };
}
