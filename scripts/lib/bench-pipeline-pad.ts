/**
 * The processed history the pipeline benchmark merges into: each large dataset made `copies + 1`
 * times as long by prepending shifted copies of its real rows (what a first pipeline run loaded from
 * the demo database), through the DatasetStore's own `replace`, so the layout, partitions, metadata
 * and file sizes are exactly what loads produce.
 *
 * Copy k moves every `*_id` key down by k·10⁹ (negative keys: below every id the database will ever
 * hand out, so the day's new rows and updates meet the real rows, as in production) and every date
 * and timestamp back by k·`shiftDays` (whole weeks, so weekdays stay weekdays and attendances spread
 * over months of partitions). Keys are shifted alike in every source, so the datasets still refer
 * to each other (the dataset-scope `references` checks pass). Derived columns (age, epidemiological
 * week) are copied as they are: only their sizes matter here.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { LoadedConfig } from '../../src/config/load.js';
import { openDatasetStore, type LoadResult } from '../../src/load/index.js';
import type { ColumnSpec } from '../../src/schema/column-types.js';

const ID_SPAN = 1_000_000_000;

export interface Padded {
  source: string;
  result: LoadResult;
  seconds: number;
}

export async function padDatasets(
  loaded: LoadedConfig,
  sources: readonly string[],
  copies: number,
  shiftDays: number,
  log: (line: string) => void,
): Promise<Padded[]> {
  const store = openDatasetStore(loaded.config.load, loaded.root);
  const out: Padded[] = [];
  for (const source of sources) {
    const t0 = performance.now();
    const meta = store.current(source);
    if (!meta) throw new Error(`${source} has no processed dataset to pad`);
    const dir = store.versionDirectory(source, meta.version);
    const staged = path.join(loaded.root, 'data/bench-padding', source);
    mkdirSync(staged, { recursive: true });
    const files = await writeCopies(
      meta.files.map((f) => path.join(dir, f.path)),
      meta.columns,
      meta.key_columns,
      copies,
      shiftDays,
      staged,
    );
    const generated = (performance.now() - t0) / 1000;
    const result = await store.replace({
      source,
      runs: [{ run_id: 'bench-padding', files }],
      columns: meta.columns,
      key_columns: meta.key_columns,
      ...(meta.cursor_column ? { cursor_column: meta.cursor_column } : {}),
      high_water: meta.high_water ?? null,
    });
    rmSync(staged, { recursive: true, force: true });
    const seconds = (performance.now() - t0) / 1000;
    log(
      `${source}: ${meta.rows.toLocaleString('en-US')} → ${result.rows_after.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s (copies written in ${generated.toFixed(1)} s, then the store's replace)`,
    );
    out.push({ source, result, seconds });
  }
  return out;
}

/** One staged file per copy, oldest (most negative keys) first, each in key order: the order a replace keeps. */
async function writeCopies(
  files: string[],
  columns: readonly ColumnSpec[],
  keys: readonly string[],
  copies: number,
  shiftDays: number,
  dir: string,
): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:', {
    memory_limit: '1GB',
    threads: '2',
    preserve_insertion_order: 'true',
  });
  const con = await db.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    const list = `[${files.map(quote).join(', ')}]`;
    await con.run(
      `CREATE TEMP TABLE real AS SELECT ${columns.map((c) => ident(c.name)).join(', ')}
         FROM read_parquet(${list}, hive_partitioning = false) ORDER BY ${keys.map(ident).join(', ')}`,
    );
    const out: string[] = [];
    for (let k = copies; k >= 0; k--) {
      const file = path.join(dir, `copy-${String(k).padStart(4, '0')}.parquet`);
      const select = columns.map((c) => `${shifted(c, k, shiftDays)} AS ${ident(c.name)}`).join(', ');
      await con.run(`COPY (SELECT ${select} FROM real) TO ${quote(file)} (FORMAT parquet, COMPRESSION zstd)`);
      out.push(file);
    }
    return out;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** The column of copy `k`: ids moved down, dates and timestamps moved back, the rest as it is. */
function shifted(c: ColumnSpec, k: number, shiftDays: number): string {
  const col = ident(c.name);
  if (k === 0) return col;
  if (c.type.kind === 'int64' && c.name.endsWith('_id')) return `${col} - ${k * ID_SPAN}::BIGINT`;
  if (c.type.kind === 'date') return `CAST(${col} - INTERVAL ${k * shiftDays} DAY AS DATE)`;
  if (c.type.kind === 'timestamp') return `${col} - INTERVAL ${k * shiftDays} DAY`;
  return col;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
