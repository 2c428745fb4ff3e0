/**
 * The directory's import and export formats: what export writes, import reads back exactly (both formats,
 * over generated partners); CSV cells that a spreadsheet would run as formulas are written as text and read
 * back as they were; rows are reported at the file's own line numbers; what CSV cannot carry is refused with
 * the field and the reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CSV_MAX_CONTACTS,
  canonicalRow,
  checkCsvHeader,
  csvHeader,
  csvMisfits,
  escapeCell,
  formatCsvRow,
  formatJsonLine,
  ImportFormatError,
  parseCsv,
  parseJsonLines,
  type SourceRow,
  unescapeCell,
} from '../../functions/directory/import-format.ts';
import { type NewPartner, newPartnerSchema } from '../../functions/directory/profile.ts';
import { relationshipStages } from '../../functions/domain/relationship-stage.ts';
import { fieldErrors } from '../../functions/http/schemas.ts';

/** Characters that trouble CSV and spreadsheets: separators, quotes, formula starts, non-ASCII. */
const trickyChars = [...'abcXYZ019 ,;"\'=+-@#é中🙂.()/&'];

const text = (maxLength: number, chars = trickyChars) =>
  fc
    .array(fc.constantFrom(...chars), { minLength: 1, maxLength })
    .map((units) => units.join('').trim())
    .filter((value) => value.length > 0);

const idArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}$/);
const emailArb = fc
  .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,10}$/), fc.constantFrom('partner.example', 'v-x.example'))
  .map(([local, domain]) => `${local.replace(/\.+$/, '').replace(/\.\./g, '.')}@${domain}`);

function partnerArb(options: { csv: boolean }): fc.Arbitrary<NewPartner> {
  const contact = (index: number) =>
    fc.record({
      contactId: fc.oneof(text(12), fc.constant(`=cmd|${index}`)).map((id) => `${id}-${index}`),
      name: text(30),
      email: emailArb,
      role: fc.constantFrom('primary' as const, 'fallback' as const),
    });
  const contacts = fc
    .integer({ min: 1, max: options.csv ? CSV_MAX_CONTACTS : 8 })
    .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => contact(index))))
    .map((list) => [{ ...list[0]!, role: 'primary' as const }, ...list.slice(1)]);
  const rate = fc.record({
    ratePct: fc.integer({ min: 0, max: 10_000 }).map((hundredths) => hundredths / 100),
    effectiveFrom: fc
      .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((day) => day.toISOString().slice(0, 10)),
  });
  const scopedRate = fc.record({
    ratePct: fc.integer({ min: 0, max: 100 }),
    effectiveFrom: fc.constantFrom('2025-01-01', '2026-02-28'),
    product: fc.constantFrom('edge', 'storage', '=evil'),
  });
  const openingRates = options.csv
    ? fc.option(fc.tuple(rate), { nil: undefined })
    : fc.option(
        fc.uniqueArray(fc.oneof(rate, scopedRate), {
          maxLength: 4,
          selector: (r) => JSON.stringify(['product' in r ? r.product : '', r.effectiveFrom]),
        }),
        { nil: undefined },
      );
  const tagChars = options.csv ? trickyChars.filter((char) => char !== ';') : trickyChars;
  return fc
    .record(
      {
        partnerId: idArb,
        name: text(40),
        stage: fc.constantFrom(...relationshipStages),
        region: text(10),
        tier: text(10),
        tags: fc.array(text(12, tagChars), { maxLength: 4 }),
        allianceManager: fc.record({ userId: text(10), name: text(20), email: emailArb }),
        contacts,
        openingRates,
      },
      { requiredKeys: ['partnerId', 'name', 'stage', 'allianceManager', 'contacts'] },
    )
    .map((input) => newPartnerSchema.safeParse(input))
    .filter((parsed) => parsed.success)
    .map((parsed) => canonicalRow(parsed.data!));
}

/** What an import makes of a source row: the canonical partner, or its problems by field. */
function validated(
  row: SourceRow,
): NewPartner | { line: number; fields: { field: string; reason: string }[] } {
  if ('problems' in row) return { line: row.line, fields: row.problems };
  const parsed = newPartnerSchema.safeParse(row.value, { reportInput: true });
  return parsed.success
    ? canonicalRow(parsed.data)
    : { line: row.line, fields: fieldErrors(parsed.error, row.fieldOf) };
}

async function readCsv(textOfFile: string, firstLine?: number): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of parseCsv(textOfFile, firstLine)) rows.push(row);
  return rows;
}

const partner = (overrides: Partial<NewPartner> = {}): NewPartner =>
  canonicalRow(
    newPartnerSchema.parse({
      partnerId: 'crm-1001',
      name: 'Litware, Inc.',
      stage: 'enhanced',
      region: 'EMEA',
      tags: ['var', 'cloud'],
      allianceManager: { userId: 'luis', name: 'Luis Ortega', email: 'luis.ortega@vendor.example' },
      contacts: [{ contactId: 'ops', name: 'Ada Kim', email: 'ada.kim@litware.example', role: 'primary' }],
      openingRates: [{ ratePct: 14.5, effectiveFrom: '2025-06-01' }],
      ...overrides,
    }),
  );

describe('round trip: what export writes, import reads back as it was', () => {
  it('JSON Lines, for any partner the directory accepts (scoped rates and many contacts too)', () => {
    fc.assert(
      fc.property(fc.array(partnerArb({ csv: false }), { minLength: 1, maxLength: 5 }), (partners) => {
        const file = partners.map(formatJsonLine).join('');
        const back = [...parseJsonLines(file)].map(validated);
        expect(back).toEqual(partners);
      }),
      { numRuns: 200 },
    );
  });

  it('CSV, for any partner CSV carries (≤ 5 contacts, one partner-wide opening rate, tags without ;)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(partnerArb({ csv: true }), { minLength: 1, maxLength: 5 }),
        async (partners) => {
          for (const each of partners) expect(csvMisfits(each)).toEqual([]);
          const file = csvHeader() + partners.map(formatCsvRow).join('');
          const back = (await readCsv(file)).map(validated);
          expect(back).toEqual(partners);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('CSV injection', () => {
  it('a cell starting with = + - @ is written after an apostrophe (text to a spreadsheet) and read back as it was', async () => {
    const dangerous = partner({
      name: '=HYPERLINK("http://evil.example","x")',
      region: '+1',
      tier: '@SUM(A1)',
    });
    const record = formatCsvRow(dangerous);
    expect(record).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(record).toContain(",'+1,'@SUM(A1),");
    for (const cell of record.split(',')) expect(cell).not.toMatch(/^[=+\-@]/);
    const [back] = (await readCsv(csvHeader() + record)).map(validated);
    expect(back).toEqual(dangerous);
  });

  it('the escape is reversible: an apostrophe a cell already starts with survives, and plain cells are untouched', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."'=+-@\tab") }), (cell) => {
        expect(unescapeCell(escapeCell(cell))).toBe(cell);
        expect(escapeCell(cell)).not.toMatch(/^[=+\-@\t]/);
      }),
    );
    expect(escapeCell("'Quoted'")).toBe("'Quoted'");
    expect(unescapeCell("'Quoted'")).toBe("'Quoted'");
    expect(escapeCell("'=x")).toBe("''=x");
    expect(escapeCell('Northwind')).toBe('Northwind');
  });

  it('quoting: commas, quotes and semicolons in a name stay in their cell', async () => {
    const quoted = partner({ name: 'He said "hi", then; left' });
    const [back] = (await readCsv(csvHeader() + formatCsvRow(quoted))).map(validated);
    expect(back).toEqual(quoted);
  });
});

describe('line numbers are the file’s', () => {
  it('JSON Lines: blank lines counted, each bad line reported with its fields', () => {
    const good = formatJsonLine(partner());
    const file = `${good}\n\n{"partnerId":"x-1","stage":"pyramid"}\nnot json\n[1]\n`;
    const rows = [...parseJsonLines(file)].map(validated);
    expect(rows[0]).toEqual(partner());
    expect(rows[1]).toMatchObject({
      line: 4,
      fields: expect.arrayContaining([
        { field: 'stage', reason: expect.stringMatching(/must be one of/) },
        { field: 'name', reason: 'is required' },
        { field: 'contacts', reason: 'is required' },
      ]),
    });
    expect(rows[2]).toMatchObject({
      line: 5,
      fields: [{ field: '(line)', reason: expect.stringMatching(/not valid JSON/) }],
    });
    expect(rows[3]).toMatchObject({ line: 6, fields: [{ field: '(line)' }] });
  });

  it('JSON Lines sent in chunks: firstLine numbers the chunk as the file', () => {
    const rows = [...parseJsonLines('{"a":1}\n{"b":2}\n', 501)];
    expect(rows.map((row) => row.line)).toEqual([501, 502]);
  });

  it('CSV: the header is line 1, a record spanning lines is reported at its first line, cells named by column', async () => {
    const header = csvHeader();
    const good = formatCsvRow(partner());
    const bad = formatCsvRow(partner({ partnerId: 'crm-2' }))
      .replace('ada.kim@litware.example', 'not-an-email')
      .replace('enhanced', 'pyramid');
    // Line 3: blank; line 4-5: a record whose name spans two lines (control characters are refused).
    const spanning = formatCsvRow(partner({ partnerId: 'crm-3' })).replace(
      '"Litware, Inc."',
      '"Litware,\nInc."',
    );
    const rows = (await readCsv(`${header}${good}\n${spanning}${bad}`)).map(validated);
    expect(rows[0]).toEqual(partner());
    expect(rows[1]).toMatchObject({
      line: 4,
      fields: [{ field: 'name', reason: 'must not contain control characters' }],
    });
    expect(rows[2]).toMatchObject({
      line: 6,
      fields: expect.arrayContaining([
        { field: 'stage', reason: expect.stringMatching(/must be one of/) },
        { field: 'contact1Email', reason: expect.stringMatching(/valid email/) },
      ]),
    });
  });

  it('CSV with CRLF endings, a CRLF inside a quoted cell and a file stream cut inside a CRLF and a character: the same lines', async () => {
    const header = csvHeader();
    const spanning = formatCsvRow(partner({ partnerId: 'crm-3' })).replace(
      '"Litware, Inc."',
      '"Litware,\nInc."',
    );
    const named = formatCsvRow(partner({ partnerId: 'crm-4', name: 'Škoda Partnerství' }));
    const lf = `${header}${formatCsvRow(partner())}\n${spanning}${named}`;
    const crlf = lf.replace(/\n/g, '\r\n');
    const bytes = Buffer.from(crlf, 'utf8');
    // Cut after a CR (the first half of a CRLF) and inside the two bytes of 'Š'.
    const cuts = [bytes.indexOf('\r') + 1, bytes.indexOf(Buffer.from('Š')) + 1];
    async function* chunks() {
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        yield bytes.subarray(from, cut);
        from = cut;
      }
    }
    const streamed: SourceRow[] = [];
    for await (const row of parseCsv(chunks())) streamed.push(row);
    const expected = (await readCsv(lf)).map((row) => row.line);
    expect(expected).toEqual([2, 4, 6]);
    expect((await readCsv(crlf)).map((row) => row.line)).toEqual(expected);
    expect(streamed.map((row) => row.line)).toEqual(expected);
    expect(validated(streamed[2]!)).toEqual(partner({ partnerId: 'crm-4', name: 'Škoda Partnerství' }));
  });

  it('CSV sent in chunks: firstLine is the file line after the header', async () => {
    const rows = await readCsv(
      `${csvHeader()}${formatCsvRow(partner())}${formatCsvRow(partner({ partnerId: 'b' }))}`,
      1201,
    );
    expect(rows.map((row) => row.line)).toEqual([1201, 1202]);
  });

  it('CSV: a record csv-parse cannot read is reported at the line it starts on; the ones before it are read', async () => {
    const rows = (await readCsv(`${csvHeader()}${formatCsvRow(partner())}crm-9,"unclosed,enhanced\n`)).map(
      validated,
    );
    expect(rows[0]).toEqual(partner());
    expect(rows[1]).toMatchObject({
      line: 3,
      fields: [{ field: '(row)', reason: expect.stringMatching(/not valid CSV/) }],
    });
  });

  it('CSV: a record with more or fewer cells than the header is refused whole', async () => {
    const rows = (await readCsv(`${csvHeader()}crm-1,Name,enhanced\n`)).map(validated);
    expect(rows[0]).toMatchObject({
      line: 2,
      fields: [{ field: '(row)', reason: expect.stringMatching(/has 3 cells; the header has \d+/) }],
    });
  });
});

describe('what CSV cannot carry', () => {
  it('a header without a required column, or with an unknown or scoped-rate column, is refused naming it', async () => {
    await expect(readCsv('partnerId,name\n')).rejects.toBeInstanceOf(ImportFormatError);
    expect(() => checkCsvHeader(['partnerId', 'name', 'stage'])).toThrow(
      /allianceManagerId is a required column/,
    );
    expect(() => checkCsvHeader([...csvHeader().trim().split(','), 'rateProduct'])).toThrow(
      /rateProduct is not a column .*scoped opening rates need JSON Lines/,
    );
    expect(() => checkCsvHeader([...csvHeader().trim().split(','), 'colour'])).toThrow(
      /colour is not a column/,
    );
    await expect(readCsv('')).rejects.toThrow(/\(header\) is required/);
  });

  it(`a sixth contact in CSV refuses its row naming the field`, async () => {
    const header = `${csvHeader().trim()},contact6Id,contact6Name,contact6Email,contact6Role\n`;
    const record = `${formatCsvRow(partner()).trim()},c6,Six,six@litware.example,fallback\n`;
    const empty = `${formatCsvRow(partner({ partnerId: 'crm-2' })).trim()},,,,\n`;
    const rows = (await readCsv(header + record + empty)).map(validated);
    expect(rows[0]).toMatchObject({
      line: 2,
      fields: expect.arrayContaining([
        { field: 'contact6Id', reason: expect.stringMatching(/at most 5 contacts.*JSON Lines/) },
      ]),
    });
    expect(rows[1]).toEqual(partner({ partnerId: 'crm-2' }));
  });

  it('export to CSV names why a partner does not fit (more contacts, scoped or several rates, a tag with ;)', () => {
    const contacts = Array.from({ length: 6 }, (_, index) => ({
      contactId: `c${index}`,
      name: `Person ${index}`,
      email: `p${index}@litware.example`,
      role: 'primary' as const,
    }));
    const misfit = partner({
      contacts,
      tags: ['a;b'],
      openingRates: [{ ratePct: 10, effectiveFrom: '2025-01-01', product: 'edge' }],
    });
    expect(csvMisfits(misfit).map((problem) => problem.field)).toEqual(['contacts', 'openingRates', 'tags']);
    expect(() => formatCsvRow(misfit)).toThrow(/cannot be a CSV row/);
    expect(formatJsonLine(misfit)).toContain('"product":"edge"');
  });
});
