/**
 * What analysts see in the Excel writer's files, read back by exceljs's workbook reader: a number
 * format per column type (decimals keep their scale), an auto-filter over each sheet's header and
 * rows, a bold frozen header, sensible widths, and the number of sheets a part holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputConfig } from '../../../src/config/schema.js';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { columnWidth, decimalFormat, timestampFormat, UTC_NOTE } from '../../../src/write/excel-columns.js';
import type { ExcelCommittedPart } from '../../../src/write/excel.js';
import { excelSheetCount, excelWriter, excelWriterSpec } from '../../../src/write/excel.js';
import { filterRef, withFilterNames } from '../../../src/write/excel-filter.js';
import { readWorkbook, readZipEntry } from './readers.js';

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
  dir = mkdtempSync(path.join(tmpdir(), 'moh-xlsx-fmt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const col = (name: string, type: ColumnSpec['type']): ColumnSpec => ({ name, type, nullable: true });

/** One column per format rule, the format Excel should show it with, a value and its cell. */
const CASES: { column: ColumnSpec; format: string | undefined; value: Row[number]; cell: unknown }[] = [
  { column: col('fee', t.decimal(10, 2)), format: '0.00', value: '13.50', cell: 13.5 },
  { column: col('whole', t.decimal(10, 0)), format: '0', value: '42', cell: 42 },
  { column: col('amount', t.decimal(38, 6)), format: '0.000000', value: '-0.000100', cell: -0.0001 },
  { column: col('tiny', t.decimal(60, 40)), format: `0.${'0'.repeat(30)}`, value: '0.5', cell: 0.5 },
  { column: col('n', t.int32()), format: '0', value: 7, cell: 7 },
  { column: col('patient_id', t.int64()), format: '0', value: '123456789012345', cell: 123456789012345 },
  { column: col('ratio', t.float64()), format: undefined, value: 0.25, cell: 0.25 },
  { column: col('visit_date', t.date()), format: 'yyyy-mm-dd', value: '2025-01-06', cell: 'date' },
  {
    column: col('at0', t.timestamp(0)),
    format: 'yyyy-mm-dd hh:mm:ss',
    value: '2025-01-06T08:00:00',
    cell: 'date',
  },
  {
    column: col('at1', t.timestamp(1)),
    format: 'yyyy-mm-dd hh:mm:ss.0',
    value: '2025-01-06T08:00:00.5',
    cell: 'date',
  },
  {
    column: col('arrival_time', t.timestamp(6)),
    format: 'yyyy-mm-dd hh:mm:ss.000',
    value: '2025-01-06T08:00:00.123456',
    cell: 'date',
  },
  {
    column: col('created_at', t.timestamptz(3)),
    format: 'yyyy-mm-dd hh:mm:ss.000',
    value: '2025-01-06T08:00:00.123Z',
    cell: 'date',
  },
  { column: col('code', t.string()), format: undefined, value: 'A01', cell: 'A01' },
  { column: col('ok', t.boolean()), format: undefined, value: true, cell: true },
];
const COLUMNS = CASES.map((c) => c.column);

async function writePart(file: string, columns: ColumnSpec[], batches: Row[][], sheetRows?: number) {
  const w = await excelWriterSpec(sheetRows ? { sheetRows } : {}).open(file, columns, output);
  for (const rows of batches) await w.write({ columns, rows });
  return (await w.commit()) as ExcelCommittedPart;
}

/** [localSheetId, range] of each hidden _xlnm._FilterDatabase name in the file's workbook.xml. */
const filterNames = (file: string): string[][] =>
  [
    ...readZipEntry(file, 'xl/workbook.xml').matchAll(
      /<definedName name="_xlnm\._FilterDatabase" localSheetId="(\d+)" hidden="1">([^<]*)<\/definedName>/g,
    ),
  ].map((m) => [m[1]!, m[2]!]);

describe('Excel writer: what analysts see', () => {
  it('formats each column by its type: decimals at their scale, integers, dates, timestamps', async () => {
    const file = path.join(dir, 'formats.xlsx');
    await writePart(file, COLUMNS, [[CASES.map((c) => c.value)]]);
    const [sheet] = await readWorkbook(file, COLUMNS.length);
    CASES.forEach(({ column, format, cell }, i) => {
      expect(sheet!.formats[i], column.name).toBe(format);
      const got = sheet!.rows[1]![i];
      if (cell === 'date') expect(got, column.name).toBeInstanceOf(Date);
      else expect(got, column.name).toBe(cell);
    });
    const at = (name: string) => sheet!.rows[1]![COLUMNS.findIndex((c) => c.name === name)] as Date;
    expect(at('arrival_time').toISOString()).toBe('2025-01-06T08:00:00.123Z');
    expect(at('at1').toISOString()).toBe('2025-01-06T08:00:00.500Z');
    expect(sheet!.notes[COLUMNS.findIndex((c) => c.name === 'created_at')]).toBe(UTC_NOTE);
    expect(sheet!.notes.filter((n) => n !== undefined)).toHaveLength(1);
  });

  it('caps decimal places at 30 and timestamp digits at milliseconds', () => {
    expect([0, 1, 2, 30, 38, -1].map(decimalFormat)).toEqual([
      '0',
      '0.0',
      '0.00',
      `0.${'0'.repeat(30)}`,
      `0.${'0'.repeat(30)}`,
      '0',
    ]);
    expect([0, 2, 3, 6, 9].map(timestampFormat)).toEqual([
      'yyyy-mm-dd hh:mm:ss',
      'yyyy-mm-dd hh:mm:ss.00',
      'yyyy-mm-dd hh:mm:ss.000',
      'yyyy-mm-dd hh:mm:ss.000',
      'yyyy-mm-dd hh:mm:ss.000',
    ]);
  });

  it('sizes columns for the bold header with its filter button and for the values as shown', () => {
    expect(columnWidth(col('polyclinic_code', t.string()), ['P1'])).toBeGreaterThanOrEqual(15 + 3);
    expect(columnWidth(col('d', t.date()), [])).toBe(12);
    expect(columnWidth(col('at', t.timestamp(0)), [])).toBe(21);
    expect(columnWidth(col('at', t.timestamp(6)), [null])).toBe(25);
    expect(columnWidth(col('note', t.string()), ['x'.repeat(30)])).toBe(32);
    expect(columnWidth(col('note', t.string()), ['x'.repeat(500)])).toBe(60);
    expect(columnWidth(col('f', t.float64()), [0.1 + 0.2])).toBe(14);
    expect(columnWidth(col('n', t.int32()), [1])).toBe(8);
  });

  it('puts an auto-filter over the header and the rows of each sheet, bold and frozen', async () => {
    const columns = [col('n', t.int32()), col('fee', t.decimal(9, 2))];
    const rows: Row[] = Array.from({ length: 12 }, (_, i) => [i, `${i}.50`]);
    const part = await writePart(path.join(dir, 'split.xlsx'), columns, [rows.slice(0, 7), rows.slice(7)], 5);
    expect(part.rows).toBe(12);
    expect(part.sheets).toBe(3);
    expect(excelSheetCount(12, 5)).toBe(3);
    const sheets = await readWorkbook(path.join(dir, 'split.xlsx'), 2);
    expect(sheets.map((s) => [s.name, s.autoFilter])).toEqual([
      ['data', 'A1:B6'],
      ['data_2', 'A1:B6'],
      ['data_3', 'A1:B3'],
    ]);
    for (const s of sheets) {
      expect(s.frozen && s.headerBold).toBe(true);
      expect(s.printTitles).toBe('1:1');
      expect(s.formats).toEqual(['0', '0.00']);
    }
    // The hidden names LibreOffice needs to show the filter buttons, one per sheet.
    expect(filterNames(path.join(dir, 'split.xlsx'))).toEqual([
      ['0', "'data'!$A$1:$B$6"],
      ['1', "'data_2'!$A$1:$B$6"],
      ['2', "'data_3'!$A$1:$B$3"],
    ]);
    expect(sheets[2]!.rows.slice(1)).toEqual([
      [10, 10.5],
      [11, 11.5],
    ]);
  });

  it('does not start an empty sheet when a part fills its last sheet exactly', async () => {
    const columns = [col('n', t.int32())];
    const rows: Row[] = Array.from({ length: 10 }, (_, i) => [i]);
    const part = await writePart(path.join(dir, 'exact.xlsx'), columns, [rows], 5);
    expect([part.sheets, excelSheetCount(10, 5)]).toEqual([2, 2]);
    const sheets = await readWorkbook(path.join(dir, 'exact.xlsx'), 1);
    expect(sheets.map((s) => s.autoFilter)).toEqual(['A1:A6', 'A1:A6']);
  });

  it('gives an empty part one sheet whose auto-filter covers the header', async () => {
    const file = path.join(dir, 'empty.xlsx');
    const w = await excelWriter.open(file, COLUMNS, output);
    const part = (await w.commit()) as ExcelCommittedPart;
    expect([part.rows, part.sheets, excelSheetCount(0)]).toEqual([0, 1, 1]);
    const [sheet] = await readWorkbook(file, COLUMNS.length);
    expect(sheet!.autoFilter).toBe('A1:N1');
    expect(sheet!.headerBold && sheet!.frozen).toBe(true);
    expect(filterNames(file)).toEqual([['0', "'data'!$A$1:$N$1"]]);
  });

  it('adds the filter names to workbook.xml beside names exceljs wrote, quoting sheet names', () => {
    const filters = [
      { index: 0, sheet: 'data', ref: 'A1:K7' },
      { index: 2, sheet: "O'Neil & <co>", ref: 'A1:AB1048576' },
    ];
    const names =
      `<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'data'!$A$1:$K$7</definedName>` +
      `<definedName name="_xlnm._FilterDatabase" localSheetId="2" hidden="1">'O''Neil &amp; &lt;co>'!$A$1:$AB$1048576</definedName>`;
    expect(withFilterNames('<sheets><sheet/></sheets><calcPr/>', filters)).toBe(
      `<sheets><sheet/></sheets><definedNames>${names}</definedNames><calcPr/>`,
    );
    expect(withFilterNames('<sheets/><definedNames><definedName/></definedNames>', filters)).toBe(
      `<sheets/><definedNames>${names}<definedName/></definedNames>`,
    );
    expect(withFilterNames('<sheets></sheets>', [])).toBe('<sheets></sheets>');
    expect([filterRef(0, 5), filterRef(1, 0), filterRef(28, 1_048_575)]).toEqual([
      undefined,
      'A1:A1',
      'A1:AB1048576',
    ]);
  });

  it('writes values Excel cannot hold as exact text: a decimal below 2.2e-308, a subnormal double', async () => {
    const columns = [col('d', t.decimal(1000, 500)), col('f', t.float64())];
    const tiny = `0.${'0'.repeat(400)}1`;
    const file = path.join(dir, 'tiny.xlsx');
    await writePart(file, columns, [
      [
        [tiny, Number.MIN_VALUE],
        ['0.000', 2.2250738585072014e-308],
        ['-0.5', -0],
      ],
    ]);
    const [sheet] = await readWorkbook(file, 2);
    expect(sheet!.rows.slice(1)).toEqual([
      [tiny, '5e-324'],
      [0, 2.2250738585072014e-308],
      [-0.5, 0],
    ]);
  });
});
