import { canonicalJson } from '../domain/canonical-json.ts';
import type { Partner } from '../domain/partner.ts';
import { fieldErrors, parseInput } from '../http/schemas.ts';
import { canonicalRow, type FieldProblem, openingRatesOf, type SourceRow } from './import-format.ts';
import { type NewPartner, newPartnerSchema, profileOf, sameProfile } from './profile.ts';
import { createPartner, createPartnersTogether, type DirectoryDeps, updatePartner } from './write.ts';

/**
 * Bulk import of the partner directory: rows (streamed, any length) validated one by one with the same
 * schema as POST /api/partners, then per row: an unknown id is created, a known one is updated from the
 * version just read, or left alone when nothing differs. Each row is written with its audit entry and event
 * (createPartner / updatePartner), so a row is written whole or not at all. New partners go
 * IMPORT_ROWS_PER_TRANSACTION to a transaction (createPartnersTogether); a group cancelled by one of its rows
 * (a partner created meanwhile) is written again row by row, so each row gets its own outcome and the rows
 * around a bad one are not held back by it. Idempotent by the partner's id (its external id): a re-run finds
 * every row unchanged and writes nothing.
 *
 * What an import never does:
 * - move a stage: a row whose stage differs from the stored one is refused (a stage move is a change with a
 *   reason, audited and announced);
 * - rewrite the opening rates of an existing partner: rates change only through commission changes. A row
 *   that states opening rates for an existing partner must state the ones it was created with (an export does);
 *   if they differ the row is refused naming `openingRates`. A row without opening rates leaves them alone.
 */

export interface RejectedRow {
  line: number;
  partnerId?: string;
  fields: FieldProblem[];
}

export interface ImportReport {
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Every refused row, by line. */
  rows: RejectedRow[];
}

/** DynamoDB's BatchGetItem reads at most 100 keys: the rows are read (and decided) a hundred at a time. */
const READ_BATCH = 100;
/**
 * Writes in flight within one import call (a group of new partners, or a row alone). DynamoDB
 * Local (and a fresh on-demand table) serves a handful in parallel well, and more only queue up. The CLI
 * keeps a few calls in flight, so the system sees a few times this many; 8 keeps a 2-core machine busy
 * without starving the other requests the same server answers.
 */
export const IMPORT_WRITE_CONCURRENCY = 8;
/**
 * New partners written in one transaction: 20 rows of one opening rate are 100 items, DynamoDB's limit (rows
 * with more rates are packed into more transactions, functions/adapters/dynamodb/audited-transaction.ts).
 * DynamoDB Local serves fewer, bigger transactions faster: measured 2026-12-03, a row alone 114–181 rows/s,
 * 20 to a transaction 196–220 rows/s on the same tables (the bench reports both floors).
 */
export const IMPORT_ROWS_PER_TRANSACTION = 20;
/**
 * A row's write may find the partner changed since it was read (a concurrent edit, or the same id created by
 * a parallel call): it decides again on what it found. Each retry needs another writer to have won, so a
 * small bound suffices; past it the row is refused as "busy" rather than retried forever.
 */
const MAX_ROW_ATTEMPTS = 3;

const STAGE_REFUSAL = 'stage moves are changes: submit a stage move';

type Decision =
  | { kind: 'create' }
  | { kind: 'update'; current: Partner }
  | { kind: 'unchanged' }
  | { kind: 'refuse'; fields: FieldProblem[] };

interface ValidRow {
  line: number;
  partner: NewPartner;
  fieldOf: (path: readonly PropertyKey[]) => string;
}

/** How a row compares with the stored partner (undefined: none). */
function decide(
  row: ValidRow,
  current: Partner | undefined,
  storedOpeningRates: string | undefined,
): Decision {
  if (!current) return { kind: 'create' };
  const fields: FieldProblem[] = [];
  if (row.partner.stage !== current.stage) {
    fields.push({ field: row.fieldOf(['stage']), reason: STAGE_REFUSAL });
  }
  if (row.partner.openingRates !== undefined && storedOpeningRates !== undefined) {
    if (canonicalJson(row.partner.openingRates) !== storedOpeningRates) {
      fields.push({
        field: row.fieldOf(['openingRates']),
        reason:
          'differ from the partner’s opening rates: an import does not rewrite the rates of an existing partner (rates change only through commission changes)',
      });
    }
  }
  if (fields.length > 0) return { kind: 'refuse', fields };
  return sameProfile(current, profileOf(row.partner)) ? { kind: 'unchanged' } : { kind: 'update', current };
}

async function inPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Imports `rows`; with `dryRun` it validates and decides exactly as the real run would (reading only) and
 * writes nothing. The report lists each refused row with its line and every bad field.
 */
export async function importPartners(
  deps: DirectoryDeps,
  rows: AsyncIterable<SourceRow> | Iterable<SourceRow>,
  options: { dryRun: boolean; actor: string },
): Promise<ImportReport> {
  const report: ImportReport = {
    dryRun: options.dryRun,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    rows: [],
  };
  const reject = (line: number, fields: FieldProblem[], partnerId?: string) => {
    report.rejected += 1;
    report.rows.push({ line, ...(partnerId ? { partnerId } : {}), fields });
  };
  /** The line each partner id was first seen on: a partner appears once per import. */
  const seen = new Map<string, number>();
  let batch: ValidRow[] = [];

  const flush = async () => {
    const rowsOfBatch = batch;
    batch = [];
    if (rowsOfBatch.length === 0) return;
    const stored = await deps.partners.getMany(rowsOfBatch.map((row) => row.partner.partnerId));
    const openingRates = new Map<string, string>();
    await inPool(
      rowsOfBatch.filter(
        (row) => row.partner.openingRates !== undefined && stored.has(row.partner.partnerId),
      ),
      IMPORT_WRITE_CONCURRENCY,
      async (row) => {
        const schedule = await deps.partners.rateSchedule(row.partner.partnerId);
        openingRates.set(row.partner.partnerId, canonicalJson(openingRatesOf(schedule)));
      },
    );
    // New partners go several to a transaction (createPartnersTogether); every other row, and each row of a
    // group whose transaction was cancelled, goes alone through importRow.
    const groups: ValidRow[][] = [];
    const alone: { row: ValidRow; decision: Decision }[] = [];
    for (const row of rowsOfBatch) {
      const { partnerId } = row.partner;
      const decision = decide(row, stored.get(partnerId), openingRates.get(partnerId));
      if (decision.kind !== 'create' || options.dryRun) {
        alone.push({ row, decision });
        continue;
      }
      const last = groups.at(-1);
      if (last && last.length < IMPORT_ROWS_PER_TRANSACTION) last.push(row);
      else groups.push([row]);
    }
    const work: (() => Promise<void>)[] = [
      ...groups.map((group) => async () => {
        const outcomes = await createPartnersTogether(
          deps,
          group.map((row) => row.partner),
          options.actor,
        );
        for (const [index, outcome] of outcomes.entries()) {
          if (outcome.outcome === 'created') report.created += 1;
          else await importRow(group[index]!, { kind: 'create' });
        }
      }),
      ...alone.map(
        ({ row, decision }) =>
          () =>
            importRow(row, decision),
      ),
    ];
    await inPool(work, IMPORT_WRITE_CONCURRENCY, (task) => task());
  };

  /** One row alone: written (or not) in its own transaction, deciding again on what a lost race found. */
  const importRow = async (row: ValidRow, first: Decision): Promise<void> => {
    const { partnerId } = row.partner;
    let decision = first;
    for (let attempt = 1; ; attempt += 1) {
      if (decision.kind === 'refuse') return reject(row.line, decision.fields, partnerId);
      if (decision.kind === 'unchanged') {
        report.unchanged += 1;
        return;
      }
      if (options.dryRun) {
        report[decision.kind === 'create' ? 'created' : 'updated'] += 1;
        return;
      }
      if (attempt > MAX_ROW_ATTEMPTS) {
        return reject(
          row.line,
          [{ field: row.fieldOf([]), reason: 'kept changing while being imported: import it again' }],
          partnerId,
        );
      }
      if (decision.kind === 'create') {
        const outcome = await createPartner(deps, row.partner, options.actor);
        if (outcome.outcome === 'created') {
          report.created += 1;
          return;
        }
        // Created in between (a parallel call with the same id): decide on it as on any existing partner.
        const schedule = row.partner.openingRates
          ? canonicalJson(openingRatesOf(await deps.partners.rateSchedule(partnerId)))
          : undefined;
        decision = decide(row, outcome.current, schedule);
        continue;
      }
      const outcome = await updatePartner(
        deps,
        partnerId,
        decision.current.version,
        profileOf(row.partner),
        options.actor,
        { current: decision.current },
      );
      if (outcome.outcome === 'updated') {
        report.updated += 1;
        return;
      }
      if (outcome.outcome === 'unchanged') {
        report.unchanged += 1;
        return;
      }
      if (outcome.outcome === 'unknown-partner') {
        decision = { kind: 'create' };
        continue;
      }
      const schedule = row.partner.openingRates
        ? canonicalJson(openingRatesOf(await deps.partners.rateSchedule(partnerId)))
        : undefined;
      decision = decide(row, outcome.current, schedule);
    }
  };

  for await (const source of rows) {
    if ('problems' in source) {
      reject(source.line, source.problems, source.partnerId);
      continue;
    }
    const parsed = parseInput(newPartnerSchema, source.value);
    const partnerId =
      typeof source.value.partnerId === 'string' ? source.value.partnerId.trim() || undefined : undefined;
    if (!parsed.success) {
      reject(source.line, fieldErrors(parsed.error, source.fieldOf), partnerId);
      continue;
    }
    const partner = canonicalRow(parsed.data);
    const first = seen.get(partner.partnerId);
    if (first !== undefined) {
      reject(
        source.line,
        [
          {
            field: source.fieldOf(['partnerId']),
            reason: `repeats the partner of line ${first}: a partner appears once per import`,
          },
        ],
        partner.partnerId,
      );
      continue;
    }
    seen.set(partner.partnerId, source.line);
    batch.push({ line: source.line, partner, fieldOf: source.fieldOf });
    if (batch.length >= READ_BATCH) await flush();
  }
  await flush();
  report.rows.sort((a, b) => a.line - b.line);
  return report;
}
