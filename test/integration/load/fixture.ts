/**
 * Shared parts of the load tests: staged runs written by the project's own Parquet writer (as the
 * pipeline stages them), a store over a temp directory, and the dataset read back by DuckDB through
 * the readers' path, every value as canonical text.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { OutputConfig } from '../../../src/config/schema.js';
import { loadSchema, type LoadConfig } from '../../../src/config/load-schema.js';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { parquetWriterSpec } from '../../../src/write/parquet.js';
import type { StagedRun } from '../../../src/load/index.js';

/** Attendances-like: a key beyond 2^53, exact decimals, naive and UTC timestamps, a soft-delete column. */
export const COLUMNS: ColumnSpec[] = [
  { name: 'attendance_id', type: t.int64(), nullable: false },
  { name: 'patient_id', type: t.int64(), nullable: true },
  { name: 'visit_date', type: t.date(), nullable: true },
  { name: 'arrived_at', type: t.timestamp(), nullable: true },
  { name: 'updated_at', type: t.timestamptz(), nullable: true },
  { name: 'fee', type: t.decimal(12, 2), nullable: true },
  { name: 'amount', type: t.decimal(38, 6), nullable: true },
  { name: 'status', type: t.string(), nullable: true },
  { name: 'deleted_at', type: t.timestamptz(), nullable: true },
];
export const KEY = ['attendance_id'];
export const CURSOR = 'updated_at';

/** 2^53 + 1: not representable as a double. */
export const BIG = 9007199254740993n;

/** A row with every column derived from the id and a version number (so updates are visible). */
export function row(id: bigint, version: number, opts: { month?: string; deleted?: boolean } = {}): Row {
  const day = String(1 + Number(id % 28n)).padStart(2, '0');
  const month = opts.month ?? `2025-0${1 + Number(id % 3n)}`;
  const minute = String(version % 60).padStart(2, '0');
  // The cursor grows with the version: version seconds after 2025-06-01, microseconds from it too.
  const cursor = new Date(Date.UTC(2025, 5, 1) + version * 1000).toISOString().slice(0, -1);
  return [
    String(id),
    String(BIG + id * 7n),
    `${month}-${day}`,
    `${month}-${day}T08:${minute}:01.123456`,
    `${cursor}${String(version % 1000).padStart(3, '0')}Z`,
    `${1000 + version}.${String(Number(id % 100n)).padStart(2, '0')}`,
    `12345678901234567890.${String(version).padStart(6, '0')}`,
    `v${version}`,
    opts.deleted ? `2025-06-02T00:00:00.000000Z` : null,
  ];
}

const output = { directory: 'x', formats: ['parquet'], part_rows: 1000, file_mode: '0640' } as OutputConfig;

/** Write rows as one staged run of `parts` Parquet files (the project's writer, in this thread). */
export async function stage(
  dir: string,
  runId: string,
  rows: Row[],
  parts = 1,
  columns: ColumnSpec[] = COLUMNS,
): Promise<StagedRun> {
  const runDir = path.join(dir, 'staged', runId);
  mkdirSync(runDir, { recursive: true });
  const files: string[] = [];
  const size = Math.ceil(rows.length / parts) || 0;
  for (let p = 0; p < parts; p++) {
    const file = path.join(runDir, `part-${String(p).padStart(5, '0')}.parquet`);
    const w = await parquetWriterSpec({ thread: false }).open(file, columns, output);
    const slice = rows.slice(p * size, (p + 1) * size);
    if (slice.length > 0) await w.write({ columns, rows: slice });
    await w.commit();
    files.push(file);
  }
  return { run_id: runId, files };
}

export function config(overrides: Record<string, unknown> = {}): LoadConfig {
  return loadSchema.parse({ memory_limit: '128MB', threads: 1, ...overrides });
}

export interface TempRoot {
  root: string;
  remove(): void;
}

export function tempRoot(prefix = 'moh-load-'): TempRoot {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Canonical text of a column in SQL (the representation of src/schema/column-types.ts). */
function canonical(c: ColumnSpec): string {
  const q = `"${c.name}"`;
  if (c.type.kind === 'timestamp')
    return c.type.tz === 'utc'
      ? `strftime(${q}, '%Y-%m-%dT%H:%M:%S.%fZ')`
      : `strftime(${q}, '%Y-%m-%dT%H:%M:%S.%f')`;
  if (['int64', 'decimal', 'date'].includes(c.type.kind)) return `${q}::VARCHAR`;
  return q;
}

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

export async function withDuckDb<T>(fn: (query: Query) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    return await fn(async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Every row of the dataset as readers see it (the glob through the link), ordered by key. */
export async function readDataset(
  link: string,
  columns: ColumnSpec[] = COLUMNS,
  hive = false,
): Promise<Row[]> {
  return withDuckDb(async (query) => {
    const rows = await query(
      `SELECT ${columns.map((c) => `${canonical(c)} AS "${c.name}"`).join(', ')}
       FROM read_parquet(${sqlString(path.join(link, '**', '*.parquet'))}, hive_partitioning = ${hive})
       ORDER BY "${columns[0]!.name}"::HUGEINT`,
    );
    return rows.map((r) => columns.map((c) => (r[c.name] ?? null) as Row[number]));
  });
}

/** Expected dataset from a map of key → row, ordered like readDataset. */
export function sorted(rows: Iterable<Row>): Row[] {
  return [...rows].sort((a, b) => {
    const x = BigInt(a[0] as string);
    const y = BigInt(b[0] as string);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
