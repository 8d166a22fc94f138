/**
 * The Excel writer, re-opened by exceljs's workbook reader: typed cells where Excel is exact, text
 * where it is not, sheets rolled before the row limit, header row, atomic visibility.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputConfig } from '../../../src/config/schema.js';
import { t, type CellValue, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { escapeText, unescapeText } from '../../../src/write/excel-cells.js';
import { UTC_NOTE } from '../../../src/write/excel-columns.js';
import { columnLetters } from '../../../src/write/excel-rows.js';
import { EXCEL_SHEET_ROWS, excelWriter, excelWriterSpec } from '../../../src/write/excel.js';
import { EDGE_COLUMNS, EDGE_ROWS } from './edge-values.js';
import { readWorkbook } from './readers.js';

const output: OutputConfig = {
  directory: 'x',
  formats: ['xlsx'],
  part_rows: 1000,
  file_mode: '0640',
  csv: { delimiter: ',', null_value: '', bom: false },
  parquet: { compression: 'zstd', row_group_rows: 131_072 },
  xlsx: { warn_rows: 1_048_575 },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'moh-xlsx-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** int64 and decimal cells: a number only with at most 15 significant digits, else the exact text. */
const NUMERIC: Record<string, unknown[]> = {
  id: [1, 2, 3, 4, 5, 6],
  big: ['9007199254740993', '-9223372036854775808', '9223372036854775807', 0, null, 123456789012345],
  amount: [
    '12345678901234567890.123456',
    '99999999999999999999999999999999.999999',
    0.000001,
    -0.000001,
    null,
    '-12345678901234567890123456789012.000000',
  ],
  fee: [1234567.89, -9999999.99, 0.01, 0, null, 0.5],
  rate: ['12345678901234.5678', '-99999999999999.9999', 0.0001, -0.0001, null, 100],
  wide: [
    '12345678901234567890123456789012345678.12',
    -1.5,
    0,
    '99999999999999999999999999999999999999.99',
    null,
    1,
  ],
};

/** Milliseconds since 1970 of a canonical date or timestamp (Date's UTC fields; years below 100 too). */
function utcMillis(s: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)\.(\d{6})Z?)?$/.exec(s)!;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0);
  return d.getTime() + Number(m[7] ?? 0) / 1000;
}

function expectCell(c: ColumnSpec, r: number, want: CellValue, got: unknown): void {
  const where = `${c.name} row ${r + 1}`;
  if (c.name in NUMERIC) return expect(got, where).toEqual(NUMERIC[c.name]![r]);
  if (want === null) return expect(got, where).toBeNull();
  switch (c.type.kind) {
    case 'date':
    case 'timestamp':
      if ((want as string) < '1900-03-01') return expect(got, where).toBe(want);
      expect(got, where).toBeInstanceOf(Date);
      return expect(Math.abs((got as Date).getTime() - utcMillis(want as string)), where).toBeLessThanOrEqual(
        1,
      );
    case 'binary':
    case 'string':
    case 'json': {
      const text = want instanceof Uint8Array ? Buffer.from(want).toString('base64') : want;
      // exceljs reads an empty inline string as no value.
      return expect(typeof got === 'string' ? unescapeText(got) : got, where).toEqual(
        text === '' ? null : text,
      );
    }
    default:
      return expect(got, where).toEqual(want);
  }
}

describe('Excel writer', () => {
  it('round-trips every edge value through exceljs: numbers when exact, dates, date-times, text', async () => {
    const file = path.join(dir, 'part-00000.xlsx');
    const w = await excelWriter.open(file, EDGE_COLUMNS, output);
    await w.write({ columns: EDGE_COLUMNS, rows: EDGE_ROWS.slice(0, 2) });
    await w.write({ columns: EDGE_COLUMNS, rows: EDGE_ROWS.slice(2) });
    const part = await w.commit();
    expect(part.rows).toBe(EDGE_ROWS.length);
    expect(part.bytes).toBe(statSync(file).size);
    expect(part.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));

    const [sheet, ...more] = await readWorkbook(file, EDGE_COLUMNS.length);
    expect(more).toEqual([]);
    expect(sheet!.name).toBe('data');
    expect(sheet!.rows[0]).toEqual(EDGE_COLUMNS.map((c) => c.name));
    expect(sheet!.rows).toHaveLength(EDGE_ROWS.length + 1);
    EDGE_ROWS.forEach((row, r) =>
      EDGE_COLUMNS.forEach((c, j) => expectCell(c, r, row[j]!, sheet!.rows[r + 1]![j])),
    );

    expect(sheet!.frozen).toBe(true);
    expect(sheet!.headerBold).toBe(true);
    const col = (name: string) => EDGE_COLUMNS.findIndex((c) => c.name === name);
    expect(sheet!.notes[col('tstz')]).toBe(UTC_NOTE);
    expect(sheet!.notes[col('ts')]).toBeUndefined();
    expect(sheet!.formats[col('d')]).toBe('yyyy-mm-dd');
    expect(sheet!.formats[col('ts')]).toBe('yyyy-mm-dd hh:mm:ss.000');
    expect(sheet!.formats[col('tstz')]).toBe('yyyy-mm-dd hh:mm:ss.000');
    expect(sheet!.autoFilter).toBe(`A1:O${EDGE_ROWS.length + 1}`);
    for (const w of sheet!.widths) expect(w).toBeGreaterThanOrEqual(8);
    expect(sheet!.widths[col('txt')]).toBeGreaterThan(sheet!.widths[col('ok')]!);
  });

  it('starts a new sheet (data, data_2, …) before the row limit, each with its header', async () => {
    const columns: ColumnSpec[] = [
      { name: 'n', type: t.int32(), nullable: false },
      { name: 'at', type: t.timestamptz(), nullable: true },
    ];
    const rows: Row[] = Array.from({ length: 12 }, (_, i) => [
      i,
      `2025-01-01T00:00:${String(i).padStart(2, '0')}.000000Z`,
    ]);
    const spec = excelWriterSpec({ sheetRows: 5 });
    expect(spec.capabilities.maxRowsPerPart).toBe(EXCEL_SHEET_ROWS);
    const file = path.join(dir, 'sheets.xlsx');
    const w = await spec.open(file, columns, output);
    await w.write({ columns, rows: rows.slice(0, 7) });
    await w.write({ columns, rows: rows.slice(7) });
    expect((await w.commit()).rows).toBe(12);
    const sheets = await readWorkbook(file, 2);
    expect(sheets.map((s) => s.name)).toEqual(['data', 'data_2', 'data_3']);
    expect(sheets.map((s) => s.rows.length - 1)).toEqual([5, 5, 2]);
    for (const s of sheets) {
      expect(s.rows[0]).toEqual(['n', 'at']);
      expect(s.frozen && s.headerBold).toBe(true);
      expect(s.notes[1]).toBe(UTC_NOTE);
    }
    expect(sheets.flatMap((s) => s.rows.slice(1).map((r) => r[0]))).toEqual(rows.map((r) => r[0]));
    expect((sheets[2]!.rows[2]![1] as Date).toISOString()).toBe('2025-01-01T00:00:11.000Z');
  });

  it('is invisible until committed, leaves nothing on abort, is created 0640, and writes an empty part', async () => {
    const file = path.join(dir, 'part-00001.xlsx');
    const w = await excelWriter.open(file, EDGE_COLUMNS, output);
    await w.write({ columns: EDGE_COLUMNS, rows: EDGE_ROWS });
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    await w.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir)).toEqual([]);

    const empty = await excelWriter.open(file, EDGE_COLUMNS, output);
    const part = await empty.commit();
    expect(part.rows).toBe(0);
    expect(readdirSync(dir)).toEqual(['part-00001.xlsx']);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    const [sheet] = await readWorkbook(file, EDGE_COLUMNS.length);
    expect(sheet!.rows).toEqual([EDGE_COLUMNS.map((c) => c.name)]);
  });

  it('refuses text longer than an Excel cell holds, naming the column and row', async () => {
    const columns: ColumnSpec[] = [{ name: 'note', type: t.string(), nullable: true }];
    const w = await excelWriter.open(path.join(dir, 'long.xlsx'), columns, output);
    await expect(w.write({ columns, rows: [['ok'], ['x'.repeat(32_768)]] })).rejects.toThrow(
      /column "note" \(string\), row 2 of the part: 32768 characters; an Excel cell holds at most 32767/,
    );
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('escapes what XML cannot carry with _xHHHH_, reversibly', () => {
    const s = 'a\u0000b\rc\u001f _x00e9_ \t\n';
    expect(escapeText(s)).toBe('a_x0000_b_x000D_c_x001F_ _x005F_x00e9_ \t\n');
    expect(unescapeText(escapeText(s))).toBe(s);
    expect(escapeText('plain')).toBe('plain');
  });

  it('names columns A, Z, AA, AZ, BA, XFD', () => {
    expect([0, 25, 26, 51, 52, 16_383].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'XFD']);
  });
});
