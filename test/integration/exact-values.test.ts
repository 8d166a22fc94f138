/**
 * Exact values through every driver, whatever the process time zone: the built CLI extracts an
 * edge-value table under TZ=UTC, Asia/Singapore and America/New_York, and the CSV must hold the
 * same exact text each time — bigints beyond 2^53, 38-digit decimals, year 1 and year 9999, a
 * nonexistent local time, microseconds, and instants on both sides of DST changes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { csvRecords } from '../helpers/csv.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import {
  asConnectionConfig,
  describeEachDialect,
  tempDir,
  type DbConnection,
  type TempDir,
} from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';

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
    '9223372036854775807',
    '0.000000',
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
    '',
  ],
  ['5', null, null, null, null, null, null],
];

/** DDL per dialect: the same logical columns in each database's own types. */
const DDL: Record<DbConnection['dialect'], string> = {
  postgres:
    'CREATE TABLE edge_values (id BIGINT PRIMARY KEY, big BIGINT, amount NUMERIC(38,6), d DATE, ts TIMESTAMP(6), tstz TIMESTAMPTZ(6), txt TEXT)',
  // MySQL: DATETIME is wall-clock, TIMESTAMP is UTC (its range ends in 2038; these instants fit).
  mysql:
    'CREATE TABLE edge_values (id BIGINT PRIMARY KEY, big BIGINT, amount DECIMAL(38,6), d DATE, ts DATETIME(6), tstz TIMESTAMP(6) NULL, txt TEXT) CHARACTER SET utf8mb4',
  // SQLite: DECIMAL_TEXT keeps all 38 digits (DECIMAL would have NUMERIC affinity and round to a double).
  sqlite:
    'CREATE TABLE edge_values (id BIGINT PRIMARY KEY, big BIGINT, amount DECIMAL_TEXT(38,6), d DATE, ts TIMESTAMP, tstz TIMESTAMPTZ, txt TEXT)',
};

/** Literal values as each database accepts them (UTC instants are inserted in a UTC session). */
function literal(dialect: DbConnection['dialect'], col: string, v: string | null): unknown {
  if (v === null) return null;
  if (dialect === 'sqlite' && col === 'big') return BigInt(v);
  if (dialect !== 'sqlite' && (col === 'ts' || col === 'tstz'))
    return v.replace('T', ' ').replace('Z', dialect === 'postgres' ? '+00' : '');
  return v;
}

describeEachDialect('exact values under three process time zones', (target, connection) => {
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir();
    const conn = connection();
    await execSql(conn, [DDL[conn.dialect]]);
    const placeholders = COLUMNS.map(() => '?').join(', ');
    await execSql(
      conn,
      ROWS.map((r) => ({
        sql: `INSERT INTO edge_values (${COLUMNS.join(', ')}) VALUES (${placeholders})`,
        values: r.map((v, i) => literal(conn.dialect, COLUMNS[i]!, v)),
      })),
    );
    mkdirSync(path.join(dir.path, 'config'));
    writeFileSync(
      path.join(dir.path, 'config/database.yml'),
      stringify({
        connections: { src: asConnectionConfig(conn) },
        sources: { edge_values: { connection: 'src', primary_key: ['id'], mode: 'full' } },
        extraction: { batch_size: 2 },
        output: { formats: ['csv'] },
      }),
    );
    writeFileSync(
      path.join(dir.path, 'config/queries.yml'),
      stringify({ edge_values: { sql: `SELECT ${COLUMNS.join(', ')} FROM edge_values` } }),
    );
  });
  afterAll(() => dir.remove());

  it.each(['UTC', 'Asia/Singapore', 'America/New_York'])('TZ=%s', (tz) => {
    const r = cli(['extract', '--sources', 'edge_values', '--fresh'], { cwd: dir.path, env: { TZ: tz } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = /(\S+part-00000\.csv)/.exec(r.stdout)?.[1];
    const rows = csvRecords(path.join(dir.path, file!));
    expect(rows.map((row) => COLUMNS.map((c) => row[c]))).toEqual(ROWS.map((row) => row.map((v) => v ?? '')));
    const manifest = JSON.parse(
      readFileSync(path.join(dir.path, path.dirname(file!), '_manifest.json'), 'utf8'),
    ) as { columns: { name: string; type: string }[] };
    expect(manifest.columns.map((c) => c.type)).toEqual([
      'int64',
      'int64',
      'decimal(38,6)',
      'date',
      'timestamp(6) naive',
      'timestamp(6) UTC',
      'string',
    ]);
  });
});
