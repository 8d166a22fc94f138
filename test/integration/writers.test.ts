/**
 * The writers in the real pipeline: one runExtract writes every part in CSV, Parquet and Excel from
 * each database, the manifest names every file with its size and hash, nothing temporary is left, and
 * the three formats hold the same values — Parquet read by DuckDB, Excel by exceljs, CSV by csv-parse.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { describeEachDialect, tempDir, type DbConnection, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { runDirectories, tempFilesUnder, writeTableProject } from '../helpers/project.js';
import { readWorkbook, sqlString, withDuckDb } from '../unit/write/readers.js';

const COLUMNS = ['id', 'big', 'amount', 'd', 'ts', 'tstz', 'txt'];
const ROWS: (string | null)[][] = [
  [
    '1',
    '9007199254740993',
    '12345678901234567890.123456',
    '0001-01-01',
    '0001-01-01T00:00:00.000000',
    '2025-03-09T06:59:59.999999Z',
    '陈美玲 · முருகன்',
  ],
  [
    '2',
    '-9223372036854775808',
    '-0.000001',
    '9999-12-31',
    '9999-12-31T23:59:59.999999',
    '2025-03-09T07:00:00.000001Z',
    'comma, "quote"\nnewline',
  ],
  [
    '3',
    '42',
    '0.500000',
    '2024-02-29',
    '2025-03-09T02:30:00.123456',
    '2025-11-02T05:59:59.999999Z',
    '  padded  ',
  ],
  [
    '4',
    '0',
    '99999999999999999999999999999999.999999',
    '2025-11-02',
    '2025-11-02T01:30:00.000001',
    '2025-11-02T06:00:00.000000Z',
    'x',
  ],
  ['5', null, null, null, null, null, null],
];

const DDL: Record<DbConnection['dialect'], string> = {
  postgres:
    'CREATE TABLE edge_values (id BIGINT PRIMARY KEY, big BIGINT, amount NUMERIC(38,6), d DATE, ts TIMESTAMP(6), tstz TIMESTAMPTZ(6), txt TEXT)',
  mysql:
    'CREATE TABLE edge_values (id BIGINT PRIMARY KEY, big BIGINT, amount DECIMAL(38,6), d DATE, ts DATETIME(6), tstz TIMESTAMP(6) NULL, txt TEXT) CHARACTER SET utf8mb4',
  sqlite:
    'CREATE TABLE edge_values (id BIGINT PRIMARY KEY, big BIGINT, amount DECIMAL_TEXT(38,6), d DATE, ts TIMESTAMP, tstz TIMESTAMPTZ, txt TEXT)',
};

function literal(dialect: DbConnection['dialect'], col: string, v: string | null): unknown {
  if (v === null) return null;
  if (dialect === 'sqlite' && col === 'big') return BigInt(v);
  if (dialect !== 'sqlite' && (col === 'ts' || col === 'tstz'))
    return v.replace('T', ' ').replace('Z', dialect === 'postgres' ? '+00' : '');
  return v;
}

/** Excel dates as milliseconds since 1970 (exceljs reads them as Dates at millisecond precision). */
const excelText = (v: unknown): unknown => (v instanceof Date ? v.getTime() : v);

function utcMillis(s: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)\.(\d{6})Z?)?$/.exec(s)!;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0);
  return d.getTime() + Number(m[7] ?? 0) / 1000;
}

describeEachDialect('CSV, Parquet and Excel from one pipeline run', (_target, connection) => {
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir();
    const conn = connection();
    await execSql(conn, [DDL[conn.dialect]]);
    await execSql(
      conn,
      ROWS.map((r) => ({
        sql: `INSERT INTO edge_values (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
        values: r.map((v, i) => literal(conn.dialect, COLUMNS[i]!, v)),
      })),
    );
  });
  afterAll(() => dir.remove());

  it('writes every part in every format, listed in the manifest, with the same values', async () => {
    const loaded = writeTableProject(dir.path, connection(), {
      sources: {
        edge_values: {
          sql: `SELECT ${COLUMNS.join(', ')} FROM edge_values`,
          primary_key: ['id'],
          mode: 'full',
        },
      },
      extraction: { batch_size: 2 },
      output: { part_rows: 2 },
    });
    const summary = await runExtract(
      loaded,
      { sources: ['edge_values'], formats: ['csv', 'parquet', 'xlsx'] },
      silentLogger(),
    );
    const result = summary.sources[0]!;
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.rows).toBe(ROWS.length);

    const output = path.join(dir.path, 'data/raw');
    expect(tempFilesUnder(output)).toEqual([]);
    const [run] = runDirectories(output, 'edge_values');
    const manifest = run!.manifest!;
    const files = manifest.parts.map((p) => p.file);
    expect(files).toEqual(
      [0, 1, 2].flatMap((i) => ['csv', 'parquet', 'xlsx'].map((ext) => `part-0000${i}.${ext}`)),
    );
    expect(run!.entries).toEqual([...files, '_manifest.json'].sort());
    for (const part of manifest.parts) {
      const bytes = readFileSync(path.join(run!.dir, part.file));
      expect(bytes.length, part.file).toBe(part.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), part.file).toBe(part.sha256);
    }
    const byExt = (ext: string) => files.filter((f) => f.endsWith(ext)).map((f) => path.join(run!.dir, f));

    // Each part's first and last keys, as the CSV part holds them.
    expect(manifest.key_columns).toEqual(['id']);
    for (const part of manifest.parts) {
      const ids = parse(readFileSync(path.join(run!.dir, part.file.replace(/\.\w+$/, '.csv'))))
        .slice(1)
        .map((r: string[]) => r[0]);
      expect({ min: part.min_key, max: part.max_key }, part.file).toEqual({
        min: { id: ids[0] },
        max: { id: ids[ids.length - 1] },
      });
    }

    // CSV
    const csv = byExt('.csv').flatMap((f) => parse(readFileSync(f)).slice(1));
    expect(csv).toEqual(ROWS.map((r) => r.map((v) => v ?? '')));

    // Parquet, by DuckDB
    const parquet = await withDuckDb(async (query) => {
      const src = `read_parquet([${byExt('.parquet').map(sqlString).join(', ')}], hive_partitioning = false)`;
      const types = await query(`DESCRIBE SELECT * FROM ${src}`);
      expect(types.map((t) => t.column_type)).toEqual([
        'BIGINT',
        'BIGINT',
        'DECIMAL(38,6)',
        'DATE',
        'TIMESTAMP',
        'TIMESTAMP WITH TIME ZONE',
        'VARCHAR',
      ]);
      return query(
        `SELECT id::VARCHAR AS id, big::VARCHAR AS big, amount::VARCHAR AS amount, d::VARCHAR AS d,
                strftime(ts, '%Y-%m-%dT%H:%M:%S.%f') AS ts, strftime(tstz, '%Y-%m-%dT%H:%M:%S.%fZ') AS tstz, txt
           FROM ${src} ORDER BY id::BIGINT`,
      );
    });
    expect(parquet.map((r) => COLUMNS.map((c) => r[c]))).toEqual(ROWS);

    // Excel, by exceljs
    const xlsx: unknown[][] = [];
    for (const f of byExt('.xlsx')) {
      const [sheet] = await readWorkbook(f, COLUMNS.length);
      expect(sheet!.rows[0]).toEqual(COLUMNS);
      xlsx.push(...sheet!.rows.slice(1).map((r) => r.map(excelText)));
    }
    // int64 and decimal: numbers only with at most 15 significant digits; dates before 1900-03-01 as text.
    const numbers: Record<string, unknown[]> = {
      id: [1, 2, 3, 4, 5],
      big: ['9007199254740993', '-9223372036854775808', 42, 0, null],
      amount: [
        '12345678901234567890.123456',
        -0.000001,
        0.5,
        '99999999999999999999999999999999.999999',
        null,
      ],
    };
    xlsx.forEach((row, r) =>
      row.forEach((got, i) => {
        const col = COLUMNS[i]!;
        const v = ROWS[r]![i]!;
        const where = `${col} row ${r + 1}`;
        if (col in numbers) expect(got, where).toEqual(numbers[col]![r]);
        else if (v === null) expect(got, where).toBeNull();
        else if ((col === 'd' || col === 'ts' || col === 'tstz') && v >= '1900-03-01')
          expect(Math.abs((got as number) - utcMillis(v)), where).toBeLessThanOrEqual(1);
        else expect(got, where).toBe(v);
      }),
    );
  });
});
