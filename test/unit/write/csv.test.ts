import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { csvWriter } from '../../../src/write/csv.js';
import { CsvBatchEncoder } from '../../../src/write/csv-batch.js';
import type { OutputConfig } from '../../../src/config/schema.js';

const columns: ColumnSpec[] = [
  { name: 'id', type: t.int64(), nullable: false },
  { name: 'note', type: t.string(), nullable: true },
  { name: 'fee', type: t.decimal(38, 6), nullable: true },
  { name: 'at', type: t.timestamptz(), nullable: true },
  { name: 'ok', type: t.boolean(), nullable: true },
];
const rows: Row[] = [
  ['9007199254740993', 'plain', '12345678901234567890.123456', '2025-01-01T01:02:03.123456Z', true],
  ['2', 'comma, "quote"\nnewline\r\nCRLF', '0.10', null, false],
  ['3', '  padded  ', null, null, null],
  ['4', '陈美玲 · முருகன்', '-1.00', '0001-01-01T00:00:00.000000Z', true],
  ['5', '', '0', '9999-12-31T23:59:59.999999Z', false],
];

const options = (csv: Partial<OutputConfig['csv']> = {}): OutputConfig => ({
  directory: 'x',
  formats: ['csv'],
  part_rows: 1000,
  file_mode: '0640',
  csv: { delimiter: ',', null_value: '', bom: false, ...csv },
  parquet: { compression: 'zstd', row_group_rows: 131_072 },
  xlsx: { warn_rows: 1_048_575 },
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'moh-csv-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV writer', () => {
  it('round-trips every value through an independent RFC 4180 parser', async () => {
    const file = path.join(dir, 'part-00000.csv');
    const w = await csvWriter.open(file, columns, options({ null_value: '\\N' }));
    await w.write({ columns, rows: rows.slice(0, 2) });
    await w.write({ columns, rows: rows.slice(2) });
    const part = await w.commit();
    expect(part.rows).toBe(5);
    expect(part.bytes).toBe(statSync(file).size);
    const parsed = parse<Record<string, string>>(readFileSync(file), { columns: true });
    expect(parsed).toHaveLength(5);
    parsed.forEach((rec, i) => {
      columns.forEach((c, j) => {
        const v = rows[i]![j];
        expect(rec[c.name]).toBe(v === null ? '\\N' : String(v));
      });
    });
  });

  it('is invisible until committed, leaves nothing on abort, and is created 0640', async () => {
    const file = path.join(dir, 'part-00000.csv');
    const w = await csvWriter.open(file, columns, options());
    await w.write({ columns, rows });
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
    const w2 = await csvWriter.open(file, columns, options());
    await w2.commit();
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(file, 'utf8')).toBe('id,note,fee,at,ok\n');
  });

  it('honours delimiter and BOM', async () => {
    const file = path.join(dir, 'p.csv');
    const w = await csvWriter.open(file, columns, options({ delimiter: ';', bom: true }));
    await w.write({ columns, rows: [['1', 'a;b', '1.5', null, true]] });
    await w.commit();
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('\ufeffid;note;fee;at;ok\n')).toBe(true);
    expect(text).toContain('1;"a;b";1.5;;true');
  });

  it('keeps NULL apart from a value that reads like the null representation', async () => {
    const cols: ColumnSpec[] = [{ name: 'note', type: t.string(), nullable: true }];
    // Rows: NULL, '', 'NULL', '\N', 'x'. Only NULL is written as the bare null text (as PostgreSQL's
    // COPY CSV does: a quoted field is never NULL).
    const want: Record<string, string[]> = {
      '': ['', '""', 'NULL', '\\N', 'x'],
      NULL: ['NULL', '', '"NULL"', '\\N', 'x'],
      '\\N': ['\\N', '', 'NULL', '"\\N"', 'x'],
    };
    for (const [nullValue, lines] of Object.entries(want)) {
      const file = path.join(dir, `n${nullValue.length}.csv`);
      const w = await csvWriter.open(file, cols, options({ null_value: nullValue }));
      await w.write({ columns: cols, rows: [[null], [''], ['NULL'], ['\\N'], ['x']] });
      await w.commit();
      expect(readFileSync(file, 'utf8').split('\n').slice(1, -1), `null_value ${nullValue}`).toEqual(lines);
    }
  });

  it('writes byte for byte what the per-row rule gives, for any delimiter and text', () => {
    // The per-row writer this replaced: the specification of the fast path in csv-batch.ts.
    const reference = (rs: Row[], delimiter: string, nullValue: string): string => {
      const d = delimiter.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
      const quote = new RegExp(`[${d}"\\r\\n]|^\\s|\\s$`);
      const field = (s: string) => (quote.test(s) || s === nullValue ? `"${s.replace(/"/g, '""')}"` : s);
      return rs
        .map(
          (r) =>
            r
              .map((v) =>
                v === null
                  ? nullValue
                  : field(v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v)),
              )
              .join(delimiter) + '\n',
        )
        .join('');
    };
    const pieces = [
      'a',
      'Z',
      '0',
      ' ',
      '\t',
      '\v',
      '\f',
      '\r',
      '\n',
      '"',
      ',',
      ';',
      '|',
      '§',
      '\u00a0',
      '\u2028',
      '\ufeff',
      '陈',
      '🙂',
      '-',
      '.',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const text = () => Array.from({ length: random(6) }, () => pieces[random(pieces.length)]!).join('');
    const kinds = [t.string(), t.int32(), t.float64(), t.boolean(), t.binary(), t.string()];
    const cols: ColumnSpec[] = kinds.map((type, i) => ({ name: `c${i}`, type, nullable: true }));
    const value = (i: number) => {
      if (random(8) === 0) return null;
      if (i === 1) return random(2000) - 1000;
      if (i === 2) return [0.1, -0, 1e21, 5e-7, Number.NaN, 123.5][random(6)]!;
      if (i === 3) return random(2) === 0;
      if (i === 4) return new TextEncoder().encode(text());
      return text();
    };
    const rs: Row[] = Array.from({ length: 3000 }, () => cols.map((_, i) => value(i)));
    for (const delimiter of [',', ';', '\t', '|', ' ', 'a', '§', '陈'])
      for (const nullValue of ['', '\\N', 'NULL', '空']) {
        const encoder = new CsvBatchEncoder(delimiter, nullValue, cols);
        expect(encoder.encode(rs, 'h\n').toString('utf8')).toBe('h\n' + reference(rs, delimiter, nullValue));
      }
  });
});
