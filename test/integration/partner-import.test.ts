/**
 * The directory's bulk import against the real DynamoDB Local: a re-run changes nothing in any table; a bad
 * row is reported with its line and fields and nothing of it is written while the rows around it are; a dry
 * run writes nothing and predicts exactly what the real run then does; a row that moves a stage is refused;
 * an update bumps the version once and is audited on the partner's chain; new partners written several to a
 * transaction keep every row's own outcome when one of them cancels the group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditHead } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { partnerAuditStream } from '../../functions/adapters/dynamodb/partner-store.ts';
import {
  IMPORT_ROWS_PER_TRANSACTION,
  type ImportReport,
  importPartners,
} from '../../functions/directory/import.ts';
import {
  csvHeader,
  formatCsvRow,
  formatJsonLine,
  parseCsv,
  parseJsonLines,
  type SourceRow,
} from '../../functions/directory/import-format.ts';
import { type NewPartner, newPartnerSchema } from '../../functions/directory/profile.ts';
import { syntheticPartners } from '../../functions/directory/synthetic.ts';
import { createPartner, createPartnersTogether } from '../../functions/directory/write.ts';
import { verifyChain } from '../../functions/domain/audit-chain.ts';
import { createIntegrationContext, type IntegrationContext } from '../support/integration-deps.ts';
import { snapshotAllTables } from '../support/table-snapshot.ts';

let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

/** The synthetic directory with ids of this test's own (each test imports into the same tables). */
function directory(prefix: string, count: number): NewPartner[] {
  return syntheticPartners(count, 42).map((partner, index) => ({
    ...partner,
    partnerId: `${prefix}-${index + 1}`,
  }));
}

/** Another valid stage than this one. */
const otherStage = (stage: NewPartner['stage']): NewPartner['stage'] =>
  stage === 'partnership' ? 'transactional' : 'partnership';

const jsonl = (partners: readonly NewPartner[]) => partners.map(formatJsonLine).join('');
const run = (file: string, dryRun = false): Promise<ImportReport> =>
  importPartners(context.deps, parseJsonLines(file), { dryRun, actor: 'dana' });
const snapshot = () => snapshotAllTables(context.tables.endpoint);

async function csvRows(text: string): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of parseCsv(text)) rows.push(row);
  return rows;
}

describe('importing the directory', () => {
  it('creates every new partner with its opening rates and audit entry; a re-run changes nothing in any table', async () => {
    const partners = directory('rerun', 250);
    const first = await run(jsonl(partners));
    expect(first).toEqual({ dryRun: false, created: 250, updated: 0, unchanged: 0, rejected: 0, rows: [] });
    const stored = await context.deps.partners.get('rerun-7');
    expect(stored).toMatchObject({ partnerId: 'rerun-7', name: partners[6]!.name, version: 1 });
    expect((await context.deps.partners.rateSchedule('rerun-7')).map((entry) => entry.ratePct)).toEqual(
      partners[6]!.openingRates!.map((rate) => rate.ratePct),
    );
    expect((await context.deps.partners.auditEntries('rerun-7')).map((entry) => entry.type)).toEqual([
      'partner-created',
    ]);

    const before = await snapshot();
    const again = await run(jsonl(partners));
    expect(again).toEqual({ dryRun: false, created: 0, updated: 0, unchanged: 250, rejected: 0, rows: [] });
    expect(await snapshot()).toEqual(before);
  });

  it('reports a bad row with its line and every bad field, writes nothing of it, and imports the rows around it', async () => {
    const [a, b, c] = directory('bad', 3) as [NewPartner, NewPartner, NewPartner];
    const broken = {
      ...b,
      stage: 'pyramid',
      contacts: [{ ...b.contacts[0]!, email: 'not-an-email' }],
      colour: 'blue',
    };
    const file = `${formatJsonLine(a)}${JSON.stringify(broken)}\n${formatJsonLine(c)}`;
    const report = await run(file);
    expect(report).toMatchObject({ created: 2, rejected: 1 });
    expect(report.rows).toEqual([
      {
        line: 2,
        partnerId: 'bad-2',
        fields: expect.arrayContaining([
          { field: 'stage', reason: expect.stringMatching(/must be one of/) },
          { field: 'contacts.0.email', reason: expect.stringMatching(/valid email/) },
          { field: 'colour', reason: 'is not a known field' },
        ]),
      },
    ]);
    expect(report.rows[0]!.fields).toHaveLength(3);
    expect(await context.deps.partners.get('bad-1')).toBeDefined();
    expect(await context.deps.partners.get('bad-2')).toBeUndefined();
    expect(await context.deps.partners.rateSchedule('bad-2')).toEqual([]);
    expect(await context.deps.partners.auditEntries('bad-2')).toEqual([]);
    expect(await context.deps.partners.get('bad-3')).toBeDefined();
  });

  it('a dry run writes nothing and predicts exactly what the real run then does', async () => {
    const [first, second, third, fourth] = directory('dry', 4) as [
      NewPartner,
      NewPartner,
      NewPartner,
      NewPartner,
    ];
    await run(jsonl([first, second]));
    const rows = [
      first, // unchanged
      { ...second, name: `${second.name} Group` }, // updated
      { ...first, partnerId: 'dry-1', stage: otherStage(first.stage) }, // repeated id
      third, // created
      { ...fourth, contacts: [] }, // refused
    ] as NewPartner[];
    const file = rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    const before = await snapshot();
    const predicted = await run(file, true);
    expect(await snapshot()).toEqual(before);
    expect(predicted).toMatchObject({ dryRun: true, created: 1, updated: 1, unchanged: 1, rejected: 2 });
    const real = await run(file);
    expect({ ...real, dryRun: true }).toEqual(predicted);
    expect(real.rows.map((row) => [row.line, row.fields[0]!.field])).toEqual([
      [3, 'partnerId'],
      [5, 'contacts'],
    ]);
  });

  it('refuses a row that moves a stage (a stage move is a change), writing nothing of it', async () => {
    const [partner] = directory('stage', 1) as [NewPartner];
    await run(jsonl([partner]));
    const before = await snapshot();
    const moved = {
      ...partner,
      stage: otherStage(partner.stage),
      name: 'Renamed too',
    };
    const report = await run(formatJsonLine(newPartnerSchema.parse(moved)));
    expect(report).toMatchObject({ updated: 0, rejected: 1 });
    expect(report.rows).toEqual([
      {
        line: 1,
        partnerId: 'stage-1',
        fields: [{ field: 'stage', reason: 'stage moves are changes: submit a stage move' }],
      },
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a row whose opening rates differ from the partner’s (rates change only through commission changes)', async () => {
    const [partner] = directory('rates', 1) as [NewPartner];
    await run(jsonl([partner]));
    const before = await snapshot();
    const report = await run(
      formatJsonLine({ ...partner, openingRates: [{ ratePct: 99, effectiveFrom: '2025-01-01' }] }),
    );
    expect(report.rows).toEqual([
      {
        line: 1,
        partnerId: 'rates-1',
        fields: [{ field: 'openingRates', reason: expect.stringMatching(/commission changes/) }],
      },
    ]);
    expect(await snapshot()).toEqual(before);
    // Without opening rates, the row leaves them alone.
    const { openingRates: _rates, ...withoutRates } = partner;
    expect(await run(formatJsonLine(withoutRates))).toMatchObject({ unchanged: 1, rejected: 0 });
  });

  it('an update row bumps the version once and is audited on the partner’s chain (before → after); its re-run is unchanged', async () => {
    const [partner] = directory('update', 1) as [NewPartner];
    await run(jsonl([partner]));
    const edited = { ...partner, region: 'LATAM', tags: ['renewals'] };
    expect(await run(formatJsonLine(edited))).toMatchObject({ updated: 1 });
    expect(await run(formatJsonLine(edited))).toMatchObject({ updated: 0, unchanged: 1 });
    const stored = await context.deps.partners.get('update-1');
    expect(stored).toMatchObject({ version: 2, region: 'LATAM', tags: ['renewals'], stage: partner.stage });
    const entries = await context.deps.partners.auditEntries('update-1');
    expect(entries.map((entry) => entry.type)).toEqual(['partner-created', 'partner-updated']);
    expect(entries[1]).toMatchObject({
      actor: 'dana',
      details: {
        changes: { region: { before: partner.region ?? null, after: 'LATAM' } },
        version: { before: 1, after: 2 },
      },
    });
    const head = await readAuditHead(
      context.deps.documentClient,
      context.deps.tables.auditTrail,
      partnerAuditStream('update-1'),
    );
    expect(verifyChain(entries, head).intact).toBe(true);
  });

  it('imports CSV the same way: bad cells named by their column, at the file line', async () => {
    const partners = directory('csv', 3).map((partner) => ({
      ...partner,
      openingRates: partner.openingRates?.slice(0, 1),
    }));
    const file =
      csvHeader() + partners.map(formatCsvRow).join('').replace(partners[1]!.contacts[0]!.email, 'broken@');
    const report = await importPartners(context.deps, await csvRows(file), { dryRun: false, actor: 'dana' });
    expect(report).toMatchObject({ created: 2, rejected: 1 });
    expect(report.rows).toEqual([
      {
        line: 3,
        partnerId: 'csv-2',
        fields: [{ field: 'contact1Email', reason: expect.stringMatching(/valid email/) }],
      },
    ]);
    const again = await importPartners(context.deps, await csvRows(file), { dryRun: false, actor: 'dana' });
    expect(again).toMatchObject({ created: 0, unchanged: 2, rejected: 1 });
  });

  it('a group of new partners cancelled by one row that exists meanwhile writes every other row and reports that one', async () => {
    const partners = directory('group', IMPORT_ROWS_PER_TRANSACTION);
    const taken = partners[6]!;
    // Another editor creates partner group-7, in another stage, after the import read it as new and before
    // the group's transaction: the real engine cancels the whole group on that partner's condition.
    const rival = { ...taken, stage: otherStage(taken.stage), name: 'Created meanwhile' };
    const client = context.deps.documentClient;
    const name = 'createRivalBeforeTheGroup';
    let groupsSent = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const items = (args.input as { TransactItems?: unknown[] }).TransactItems ?? [];
        if (items.length > 5 && groupsSent++ === 0) await createPartner(context.deps, rival, 'rival');
        return next(args);
      },
      { step: 'initialize', name },
    );
    let report: ImportReport;
    try {
      report = await run(jsonl(partners));
    } finally {
      client.middlewareStack.remove(name);
    }
    expect(groupsSent).toBe(1);
    expect(report).toEqual({
      dryRun: false,
      created: IMPORT_ROWS_PER_TRANSACTION - 1,
      updated: 0,
      unchanged: 0,
      rejected: 1,
      rows: [
        {
          line: 7,
          partnerId: 'group-7',
          fields: [{ field: 'stage', reason: 'stage moves are changes: submit a stage move' }],
        },
      ],
    });
    expect(await context.deps.partners.get('group-7')).toMatchObject({
      name: 'Created meanwhile',
      version: 1,
    });
    expect(
      (await context.deps.partners.auditEntries('group-7')).map((entry) => [entry.type, entry.actor]),
    ).toEqual([['partner-created', 'rival']]);
    const events = await context.scan('Events');
    for (const partner of partners) {
      if (partner === taken) continue;
      expect(await context.deps.partners.get(partner.partnerId)).toMatchObject({ name: partner.name });
      expect(
        (await context.deps.partners.auditEntries(partner.partnerId)).map((entry) => entry.type),
      ).toEqual(['partner-created']);
      expect(
        events.filter((event) => event.subject === partner.partnerId).map((event) => event.type),
      ).toEqual(['partner.created']);
    }
    expect(events.filter((event) => event.subject === 'group-7')).toHaveLength(1);
  });

  it('a group transaction is all or nothing: one partner that exists cancels it and nothing of the others is written', async () => {
    const partners = directory('all-or-none', 5);
    await createPartner(context.deps, partners[2]!, 'dana');
    const before = await snapshot();
    const outcomes = await createPartnersTogether(context.deps, partners, 'dana');
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(Array(5).fill('not-written'));
    expect(await snapshot()).toEqual(before);
  });
});
