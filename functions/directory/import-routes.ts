import * as z from 'zod';
import { decodeCursor, encodeCursor } from '../http/outcomes.ts';
import { json, problem, unissuedCursor } from '../http/responses.ts';
import { type Route, route, type TextMediaType } from '../http/router.ts';
import { errorResponseSchema, fieldErrorSchema } from '../http/schemas.ts';
import { clientErrors, staff } from '../notices/routes.ts';
import { type ImportReport, importPartners } from './import.ts';
import {
  csvHeader,
  csvMisfits,
  formatCsvRow,
  formatJsonLine,
  type ImportFormat,
  ImportFormatError,
  importMediaTypes,
  parseCsv,
  parseJsonLines,
  rowOfPartner,
  type SourceRow,
} from './import-format.ts';
import { directoryWriters } from './routes.ts';

/**
 * One import call stays well inside API Gateway's 29 s and Lambda's 6 MB request payload (2 MB of text,
 * base64-encoded by API Gateway, is under 3 MB): a file bigger than this is sent in chunks (the CLI does).
 */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/**
 * Rows per call: at the local write rate a full chunk takes a few seconds; on AWS, with a cold start and
 * on-demand tables warming up, still far from 29 s.
 */
export const MAX_IMPORT_ROWS = 2000;
/** Partners per export page: a page's rows (≈ 0.5 KB each) and its rate reads (one per partner) stay small. */
const MAX_EXPORT_PAGE = 1000;
/** Rate-schedule reads in flight while a page is exported. */
const EXPORT_READ_CONCURRENCY = 8;

const mediaTypes: readonly TextMediaType[] = [importMediaTypes.csv, importMediaTypes.jsonl];
const formatOf: Record<TextMediaType, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'jsonl' };

export const importBodySchema = z.object({ mediaType: z.enum(mediaTypes), text: z.string() });

export const importQuerySchema = z
  .object({
    dryRun: z
      .enum(['true', 'false'], "must be 'true' or 'false'")
      .default('false')
      .transform((value) => value === 'true')
      .describe('true: validate and classify every row, reading only; nothing is written.'),
    firstLine: z.coerce
      .number('must be a whole number')
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100_000_000, 'must be at most 100000000')
      .optional()
      .describe(
        'The file’s line number of the body’s first row line (CSV: the line after the header; default 2 for CSV, 1 for JSON Lines), so a file sent in chunks is reported by its own line numbers.',
      ),
  })
  .strict();

const rejectedRowSchema = z.object({
  line: z.number(),
  partnerId: z.string().optional(),
  fields: fieldErrorSchema.array(),
});

export const importReportSchema = z.object({
  dryRun: z.boolean(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
  rows: rejectedRowSchema
    .array()
    .describe('Every refused row: its line, its partner id if it had one, each field and why.'),
});

export const exportQuerySchema = z
  .object({
    format: z.enum(['csv', 'jsonl'], "must be 'csv' or 'jsonl'").default('jsonl'),
    limit: z.coerce
      .number('must be a whole number')
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_EXPORT_PAGE, `must be at most ${MAX_EXPORT_PAGE}`)
      .default(500),
    cursor: z.string().max(2000).optional().describe('From the previous page.'),
  })
  .strict();

export const exportPageSchema = z.object({
  format: z.enum(['csv', 'jsonl']),
  text: z
    .string()
    .describe(
      'The page’s rows in the format (CSV: the header only on the first page): the pages, concatenated in order, are the import file.',
    ),
  rows: z.number(),
  leftOut: rejectedRowSchema
    .omit({ line: true })
    .array()
    .describe(
      'Partners CSV cannot carry (more contacts, scoped or several opening rates): export them as JSON Lines.',
    ),
  cursor: z.string().optional().describe('Where the next page starts; absent on the last page.'),
});

async function sourceRows(format: ImportFormat, text: string, firstLine: number | undefined) {
  if (format === 'jsonl') return [...parseJsonLines(text, firstLine ?? 1)];
  const rows: SourceRow[] = [];
  for await (const row of parseCsv(text, firstLine ?? 2)) rows.push(row);
  return rows;
}

/** A refusal's fields, bounded: the report itself carries every one. */
const MAX_PROBLEM_FIELDS = 50;

function allRejected(report: ImportReport) {
  const fields = report.rows
    .flatMap((row) =>
      row.fields.map((item) => ({ field: `line ${row.line}: ${item.field}`, reason: item.reason })),
    )
    .slice(0, MAX_PROBLEM_FIELDS);
  return json(422, {
    error: 'no-row-imported',
    message: `Every row was refused (${report.rejected}); nothing was written. Each bad row is listed with its line and fields.`,
    fields,
    ...report,
  });
}

async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

export const importRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/api/partner-imports',
    roles: directoryWriters,
    tag: 'partners',
    summary:
      'Bulk import of the directory from CSV or JSON Lines: each row created, updated (from the version read) or left unchanged, whole or not at all with its audit entry and event (new partners several to a transaction, a cancelled one redone row by row); refused rows are reported with their line and fields. dryRun=true predicts the same report and writes nothing',
    query: importQuerySchema,
    body: { mediaType: mediaTypes, schema: importBodySchema, maxBytes: MAX_IMPORT_BYTES },
    responses: {
      200: {
        description: 'The report: created, updated, unchanged and rejected counts, each refused row',
        schema: importReportSchema,
      },
      ...clientErrors,
      413: {
        description: `More than ${MAX_IMPORT_BYTES} bytes or ${MAX_IMPORT_ROWS} rows: send the file in chunks`,
        schema: errorResponseSchema,
      },
      415: { description: 'Not text/csv nor application/x-ndjson', schema: errorResponseSchema },
      422: {
        description:
          'Every row was refused: nothing written; the report as for 200, with the problems as fields',
        schema: errorResponseSchema.extend(importReportSchema.shape),
      },
    },
    handle: async (deps, { query, body, caller }) => {
      const format = formatOf[body.mediaType];
      let rows: SourceRow[];
      try {
        rows = await sourceRows(format, body.text, query.firstLine);
      } catch (error) {
        if (!(error instanceof ImportFormatError)) throw error;
        return problem(
          400,
          'invalid-request',
          `The CSV header is not the import format's: ${error.message}`,
          {
            fields: error.problems,
          },
        );
      }
      if (rows.length === 0) {
        return problem(400, 'invalid-request', 'The body holds no row to import.', {
          fields: [{ field: '(body)', reason: 'must hold at least one row' }],
        });
      }
      if (rows.length > MAX_IMPORT_ROWS) {
        return problem(
          413,
          'too-many-rows',
          `The body holds ${rows.length} rows; one call imports at most ${MAX_IMPORT_ROWS}. Send the file in chunks, each with firstLine (pcn partners import does).`,
          { fields: [{ field: '(body)', reason: `must hold at most ${MAX_IMPORT_ROWS} rows` }] },
        );
      }
      const report = await importPartners(deps, rows, { dryRun: query.dryRun, actor: caller!.userId });
      return report.rejected === rows.length ? allRejected(report) : json(200, report);
    },
  }),
  route({
    method: 'GET',
    path: '/api/partner-exports',
    roles: staff,
    tag: 'partners',
    summary:
      'A page of the directory in the import format (CSV or JSON Lines) and the next cursor: an export imported again reports every row unchanged',
    query: exportQuerySchema,
    responses: { 200: { description: 'A page of rows', schema: exportPageSchema }, ...clientErrors },
    handle: async (deps, { query }) => {
      const cursor = decodeCursor(query.cursor);
      if (cursor === 'invalid') return unissuedCursor('export');
      const page = await deps.partners.page({ limit: query.limit, cursor });
      if (page === 'invalid-cursor') return unissuedCursor('export');
      const rows = await inPool(page.partners, EXPORT_READ_CONCURRENCY, async (partner) =>
        rowOfPartner(partner, await deps.partners.rateSchedule(partner.partnerId)),
      );
      const leftOut: { partnerId: string; fields: { field: string; reason: string }[] }[] = [];
      const lines: string[] = [];
      if (query.format === 'csv' && query.cursor === undefined) lines.push(csvHeader());
      for (const row of rows) {
        if (query.format === 'jsonl') {
          lines.push(formatJsonLine(row));
          continue;
        }
        const misfits = csvMisfits(row);
        if (misfits.length > 0) leftOut.push({ partnerId: row.partnerId, fields: misfits });
        else lines.push(formatCsvRow(row));
      }
      return json(200, {
        format: query.format,
        text: lines.join(''),
        rows: rows.length - leftOut.length,
        leftOut,
        ...(page.cursor ? { cursor: encodeCursor(page.cursor) } : {}),
      });
    },
  }),
];
