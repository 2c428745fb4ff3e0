import { describe, expect, it } from 'vitest';
import { halve, importChunks, mediaTypeOf } from '../../console/src/components/import-chunks.ts';
import {
  csvHeader,
  parseCsv,
  parseJsonLines,
  type SourceRow,
} from '../../functions/directory/import-format.ts';

/** The file lines the server reports for a text, read whole or as the console's chunks. */
async function csvLines(text: string, firstLine?: number): Promise<number[]> {
  const lines: number[] = [];
  for await (const row of parseCsv(text, firstLine)) lines.push(row.line);
  return lines;
}
const jsonLines = (text: string, firstLine?: number) =>
  [...parseJsonLines(text, firstLine)].map((row: SourceRow) => row.line);

const header = csvHeader().trimEnd();
const csvRow = (id: string, name = id) =>
  `${id},"${name}",transactional,EMEA,,,dana,Dana,dana@v.example,${id}-c,Pat,pat@${id}.example,primary`;

describe('the console cuts an import file into the chunks the API takes', () => {
  it('numbers every CSV row by the file’s own line, across chunks, quoted line breaks and blank lines', async () => {
    const text = [
      header,
      csvRow('a'),
      csvRow('b', 'Two\nlines'),
      '',
      csvRow('c'),
      csvRow('d', 'Say ""hi""\nthere'),
      csvRow('e'),
      '',
    ].join('\r\n');
    const chunks = importChunks(text, 'text/csv', { rows: 2, bytes: 1_000_000 });
    expect(chunks.map((chunk) => chunk.rows)).toEqual([2, 2, 1]);
    const chunked: number[] = [];
    for (const chunk of chunks) {
      expect(chunk.body.startsWith(header)).toBe(true);
      chunked.push(...(await csvLines(chunk.body, chunk.firstLine)));
    }
    expect(chunked).toEqual(await csvLines(text));
    expect(chunked).toEqual([2, 3, 6, 7, 9]);
  });

  it('numbers JSON Lines rows by the file’s own line, blank lines kept inside a chunk', () => {
    const text = ['{"partnerId":"a"}', '', '{"partnerId":"b"}', '{"partnerId":"c"}', '', '', '{"x":1}'].join(
      '\n',
    );
    const chunks = importChunks(text, 'application/x-ndjson', { rows: 2, bytes: 1_000_000 });
    expect(chunks.map((chunk) => chunk.rows)).toEqual([2, 2]);
    const chunked = chunks.flatMap((chunk) => jsonLines(chunk.body, chunk.firstLine));
    expect(chunked).toEqual(jsonLines(text));
    expect(chunked).toEqual([1, 3, 4, 7]);
  });

  it('keeps each chunk within the byte limit unless one row alone is bigger', () => {
    const rows = Array.from(
      { length: 10 },
      (_, index) => `{"partnerId":"p${index}","pad":"${'x'.repeat(90)}"}`,
    );
    const chunks = importChunks(rows.join('\n'), 'application/x-ndjson', { rows: 1000, bytes: 350 });
    expect(chunks.every((chunk) => new TextEncoder().encode(chunk.body).length <= 350)).toBe(true);
    expect(chunks.reduce((sum, chunk) => sum + chunk.rows, 0)).toBe(10);
  });

  it('finds no row in a CSV of only its header, nor in blank lines', () => {
    expect(importChunks(`\ufeff${header}\n`, 'text/csv')).toEqual([]);
    expect(importChunks('\n\n  \n', 'application/x-ndjson')).toEqual([]);
  });

  it('halves a chunk the API found too big into the same rows at the same lines', async () => {
    const text = [header, ...['a', 'b', 'c', 'd', 'e'].map((id) => csvRow(id))].join('\n');
    const [whole] = importChunks(text, 'text/csv');
    const second = importChunks(text, 'text/csv', { rows: 2, bytes: 1_000_000 })[1]!;
    const halves = halve(second, 'text/csv') ?? [];
    expect(halves.map((chunk) => chunk.rows)).toEqual([1, 1]);
    const lines: number[] = [];
    for (const chunk of halves) lines.push(...(await csvLines(chunk.body, chunk.firstLine)));
    expect(lines).toEqual([4, 5]);
    expect(whole?.rows).toBe(5);
    expect(halve({ body: `${header}\n${csvRow('a')}\n`, firstLine: 2, rows: 1 }, 'text/csv')).toBeUndefined();
  });

  it('tells the format by the file’s name', () => {
    expect(mediaTypeOf({ name: 'Partners.CSV', type: '' })).toBe('text/csv');
    expect(mediaTypeOf({ name: 'dir.jsonl', type: '' })).toBe('application/x-ndjson');
    expect(mediaTypeOf({ name: 'dir.ndjson', type: '' })).toBe('application/x-ndjson');
    expect(mediaTypeOf({ name: 'dir.xlsx', type: '' })).toBeUndefined();
  });
});
