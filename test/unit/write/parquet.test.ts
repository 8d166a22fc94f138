/**
 * The Parquet writer, read back by DuckDB's own Parquet reader: every edge value exact, the standard
 * logical types, several row groups, atomic visibility. The whole file runs a second time in a child
 * vitest under TZ=America/New_York: the process time zone must not change a single value.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputConfig } from '../../../src/config/schema.js';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { parquetWriter } from '../../../src/write/parquet.js';
import { EDGE_COLUMNS, EDGE_ROWS } from './edge-values.js';
import { sqlString, withDuckDb } from './readers.js';

const TZ_CHILD = 'MOH_PARQUET_TZ_CHILD';

/** Settings as a library caller might pass them, unchecked (the writer validates them again). */
const output = (parquet?: Record<string, unknown>): OutputConfig =>
  ({
    directory: 'x',
    formats: ['parquet'],
    part_rows: 1000,
    file_mode: '0640',
    csv: { delimiter: ',', null_value: '', bom: false },
    xlsx: { warn_rows: 1_048_575 },
    ...(parquet ? { parquet } : {}),
  }) as OutputConfig;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'moh-parquet-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function writeParquet(
  file: string,
  columns: ColumnSpec[],
  batches: Row[][],
  parquet?: Record<string, unknown>,
) {
  const w = await parquetWriter.open(file, columns, output(parquet));
  for (const rows of batches) await w.write({ columns, rows });
  return w.commit();
}

/** Microseconds since 1970 of a canonical timestamp, computed independently (Date's UTC fields, BigInt). */
function epochMicros(s: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z?$/.exec(s)!;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  return BigInt(d.getTime()) * 1000n + BigInt(m[7]!);
}

describe('Parquet writer', () => {
  it.runIf(process.env[TZ_CHILD] !== undefined)('runs under TZ=America/New_York (child run)', () => {
    expect(new Date(2025, 0, 15).getTimezoneOffset()).toBe(300);
  });

  it('round-trips every edge value exactly through DuckDB, in several row groups', async () => {
    const file = path.join(dir, 'part-00000.parquet');
    const part = await writeParquet(
      file,
      EDGE_COLUMNS,
      [EDGE_ROWS.slice(0, 1), EDGE_ROWS.slice(1, 5), EDGE_ROWS.slice(5)],
      {
        row_group_rows: 2,
      },
    );
    expect(part.rows).toBe(EDGE_ROWS.length);
    expect(part.bytes).toBe(statSync(file).size);
    expect(part.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));

    await withDuckDb(async (query) => {
      const src = `read_parquet(${sqlString(file)})`;
      const rows = await query(
        `SELECT id::VARCHAR AS id, big::VARCHAR AS big, amount::VARCHAR AS amount, fee::VARCHAR AS fee,
                rate::VARCHAR AS rate, wide, n32, f64, ok, txt, doc, d::VARCHAR AS d,
                strftime(ts, '%Y-%m-%dT%H:%M:%S.%f') AS ts, strftime(tstz, '%Y-%m-%dT%H:%M:%S.%fZ') AS tstz,
                epoch_us(ts) AS ts_us, epoch_us(tstz) AS tstz_us, to_base64(bin) AS bin
           FROM ${src} ORDER BY id`,
      );
      expect(rows).toHaveLength(EDGE_ROWS.length);
      rows.forEach((got, r) => {
        const want = EDGE_ROWS[r]!;
        EDGE_COLUMNS.forEach((c, j) => {
          const v = want[j];
          const expected = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
          expect({ row: r + 1, column: c.name, value: got[c.name] }).toEqual({
            row: r + 1,
            column: c.name,
            value: expected,
          });
        });
        for (const c of ['ts', 'tstz']) {
          const v = want[EDGE_COLUMNS.findIndex((x) => x.name === c)];
          expect(got[`${c}_us`]).toEqual(v === null ? null : epochMicros(v as string));
        }
      });

      const groups = await query(`SELECT DISTINCT row_group_id FROM parquet_metadata(${sqlString(file)})`);
      expect(groups).toHaveLength(3);

      const described = await query(`DESCRIBE SELECT * FROM ${src}`);
      expect(Object.fromEntries(described.map((d) => [d.column_name, d.column_type]))).toEqual({
        id: 'BIGINT',
        big: 'BIGINT',
        amount: 'DECIMAL(38,6)',
        fee: 'DECIMAL(9,2)',
        rate: 'DECIMAL(18,4)',
        wide: 'VARCHAR',
        n32: 'INTEGER',
        f64: 'DOUBLE',
        ok: 'BOOLEAN',
        txt: 'VARCHAR',
        doc: 'VARCHAR',
        d: 'DATE',
        ts: 'TIMESTAMP',
        tstz: 'TIMESTAMP WITH TIME ZONE',
        bin: 'BLOB',
      });

      const schema = await query(
        `SELECT name, type, logical_type, repetition_type FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL`,
      );
      const byName = Object.fromEntries(
        schema.map((s) => [String(s.name), [s.type, s.logical_type, s.repetition_type]]),
      );
      const micros = (utc: number) =>
        `TimestampType(isAdjustedToUTC=${utc}, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))`;
      expect(byName).toEqual({
        id: ['INT64', null, 'REQUIRED'],
        big: ['INT64', null, 'OPTIONAL'],
        amount: ['FIXED_LEN_BYTE_ARRAY', 'DecimalType(scale=6, precision=38)', 'OPTIONAL'],
        fee: ['INT32', 'DecimalType(scale=2, precision=9)', 'OPTIONAL'],
        rate: ['INT64', 'DecimalType(scale=4, precision=18)', 'OPTIONAL'],
        wide: ['BYTE_ARRAY', 'StringType()', 'OPTIONAL'],
        n32: ['INT32', null, 'OPTIONAL'],
        f64: ['DOUBLE', null, 'OPTIONAL'],
        ok: ['BOOLEAN', null, 'OPTIONAL'],
        txt: ['BYTE_ARRAY', 'StringType()', 'OPTIONAL'],
        doc: ['BYTE_ARRAY', 'StringType()', 'OPTIONAL'],
        d: ['INT32', 'DateType()', 'OPTIONAL'],
        ts: ['INT64', micros(0), 'OPTIONAL'],
        tstz: ['INT64', micros(1), 'OPTIONAL'],
        bin: ['BYTE_ARRAY', null, 'OPTIONAL'],
      });
      const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata(${sqlString(file)})`);
      expect(codecs.map((c) => c.compression)).toEqual(['ZSTD']);
    });
  });

  it('writes snappy when configured, and an empty part as a valid file with the schema', async () => {
    const file = path.join(dir, 'empty.parquet');
    const part = await writeParquet(file, EDGE_COLUMNS, [], { compression: 'snappy' });
    expect(part.rows).toBe(0);
    const snappy = path.join(dir, 'snappy.parquet');
    await writeParquet(snappy, EDGE_COLUMNS, [EDGE_ROWS], { compression: 'snappy' });
    await withDuckDb(async (query) => {
      expect(await query(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(file)})`)).toEqual([
        { n: 0 },
      ]);
      expect(await query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).toHaveLength(
        EDGE_COLUMNS.length,
      );
      const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata(${sqlString(snappy)})`);
      expect(codecs.map((c) => c.compression)).toEqual(['SNAPPY']);
    });
  });

  it('streams row groups to disk before commit, is invisible until then, leaves nothing on abort, mode 0640', async () => {
    const columns: ColumnSpec[] = [
      { name: 'id', type: t.int64(), nullable: false },
      { name: 'note', type: t.string(), nullable: true },
    ];
    // Incompressible enough that each row group is a sizeable chunk of bytes.
    const rows: Row[] = Array.from({ length: 50_000 }, (_, i) => [
      String((i * 7919) % 1_000_003),
      `note ${i}`,
    ]);
    const file = path.join(dir, 'part-00001.parquet');
    const w = await parquetWriter.open(file, columns, output({ row_group_rows: 10_000 }));
    await w.write({ columns, rows });
    await new Promise((r) => setTimeout(r, 100));
    const temps = readdirSync(dir);
    expect(temps).toHaveLength(1);
    expect(temps[0]!.startsWith('.')).toBe(true);
    expect(statSync(path.join(dir, temps[0]!)).size).toBeGreaterThan(0);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);

    const part = await writeParquet(file, columns, [rows]);
    expect(readdirSync(dir)).toEqual(['part-00001.parquet']);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    await withDuckDb(async (query) => {
      const [n] = await query(
        `SELECT count(*)::INTEGER AS n, sum(id)::VARCHAR AS s FROM read_parquet(${sqlString(file)})`,
      );
      const sum = rows.reduce((a, r) => a + Number(r[0]), 0);
      expect(n).toEqual({ n: part.rows, s: String(sum) });
    });
  });

  it.each([
    [
      t.decimal(38, 6),
      '1.0000001',
      /column "v" \(decimal\), row 2 of the part: a number with more than 6 fraction digits/,
    ],
    [t.decimal(5, 2), '1234.5', /a number too large for decimal\(5,2\)/],
    [t.decimal(38, 10), 'NaN', /text of 3 characters \(letters\) is not a decimal number/],
    [t.int64(), '9223372036854775808', /outside the int64 range/],
    [t.int32(), 2 ** 31, /is not an int32/],
    [t.date(), '2025-02-29', /not a YYYY-MM-DD calendar date/],
    [t.timestamp(7), '2025-01-01T00:00:00.1234567', /the fraction would be truncated/],
    [t.timestamptz(), '2025-01-01T00:00:00.000000', /is not a UTC/],
  ])('refuses a value it cannot store exactly: %o %s', async (type, bad, message) => {
    const columns: ColumnSpec[] = [{ name: 'v', type, nullable: true }];
    const w = await parquetWriter.open(path.join(dir, 'bad.parquet'), columns, output());
    const error = await w.write({ columns, rows: [[null], [bad]] }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(message);
    // The message describes the value, never quotes it: a cell can hold an NRIC.
    expect(error?.message).not.toContain(String(bad));
    await expect(w.commit()).rejects.toThrow(/failed earlier/);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('grows 32-bit columns past odd sizes (regression: a BigInt64Array view of an odd word count)', async () => {
    const columns: ColumnSpec[] = [
      { name: 'n', type: t.int32(), nullable: false },
      { name: 'id', type: t.int64(), nullable: false },
    ];
    // 1,024 words to start, doubled to 2,048, then 3,001 (odd) for one batch of 3,001 rows.
    const batches = [Array.from({ length: 3001 }, (_, i): Row => [i, String(9007199254740993n + BigInt(i))])];
    const file = path.join(dir, 'odd.parquet');
    await writeParquet(file, columns, batches);
    await withDuckDb(async (query) => {
      expect(
        await query(
          `SELECT count(*)::INTEGER AS n, sum(n)::INTEGER AS s, max(id)::VARCHAR AS top FROM read_parquet(${sqlString(file)})`,
        ),
      ).toEqual([{ n: 3001, s: (3000 * 3001) / 2, top: String(9007199254740993n + 3000n) }]);
    });
  });

  it('accepts zeros beyond the scale or the microsecond, and refuses a null in a NOT NULL column', async () => {
    const columns: ColumnSpec[] = [
      { name: 'a', type: t.decimal(10, 2), nullable: false },
      { name: 'ts', type: t.timestamp(9), nullable: true },
    ];
    const file = path.join(dir, 'z.parquet');
    await writeParquet(file, columns, [[['1.2000', '2025-01-01T00:00:00.123456000']]]);
    await withDuckDb(async (query) => {
      expect(
        await query(`SELECT a::VARCHAR AS a, epoch_us(ts) AS us FROM read_parquet(${sqlString(file)})`),
      ).toEqual([{ a: '1.20', us: epochMicros('2025-01-01T00:00:00.123456') }]);
    });
    const w = await parquetWriter.open(path.join(dir, 'n.parquet'), columns, output());
    await expect(w.write({ columns, rows: [[null, null]] })).rejects.toThrow(
      /column "a".*null in a NOT NULL column/,
    );
    await w.abort();
  });

  it('rejects bad output.parquet settings', async () => {
    await expect(
      parquetWriter.open(path.join(dir, 'x.parquet'), EDGE_COLUMNS, output({ compression: 'gzip' })),
    ).rejects.toThrow(/output.parquet.compression: expected zstd or snappy/);
    await expect(
      parquetWriter.open(path.join(dir, 'x.parquet'), EDGE_COLUMNS, output({ row_group_rows: 0 })),
    ).rejects.toThrow(/row_group_rows/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(process.env[TZ_CHILD] !== undefined)('gives the same results under TZ=America/New_York', () => {
    const self = fileURLToPath(import.meta.url);
    const root = path.resolve(path.dirname(self), '../../..');
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', self], {
      cwd: root,
      env: { ...process.env, TZ: 'America/New_York', [TZ_CHILD]: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+\d+ passed \| 1 skipped/);
  });
});
