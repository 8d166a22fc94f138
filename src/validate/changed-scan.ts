/**
 * Which rows a dataset-scope check reads. After an incremental merge into an existing dataset, only
 * the rows the load wrote can have broken a check: a row check or a reference fails on a written
 * row, and a new duplicate shares its values with a written row. So row checks and references read
 * the written rows themselves (the staged files the merge took them from: the same transformed rows),
 * and `unique` reads the dataset's rows sharing their values — a hash semi-join that reads only the
 * checked columns of the dataset, instead of a GROUP BY over all of it. A first load and a refresh
 * (a replace) are checked in full, and `validation.dataset_scan: full` keeps the full scan on every
 * load. What this cannot see: a parent's rows removed by the parent's refresh leave orphans in a
 * child that only a full scan of the child (its refresh) reports. (A written row the merge did not
 * keep — an older cursor than the dataset's, or marked deleted — is checked all the same.)
 *
 * First tried: the written rows as `dataset WHERE EXISTS (written key)`: every check then read every
 * column of the whole dataset through the join, and the national-day benchmark's dataset checks took
 * 49.5 s instead of 16.6 s (scripts/bench_pipeline.ts, load average 8).
 */
import { duckdbDialect } from '../db/dialects/duckdb/index.js';
import type { SqlFragment } from '../extract/keyset.js';
import type { CheckDatabase } from './sql/database.js';

const quote = duckdbDialect.quoteIdentifier;

export interface DatasetScan {
  /** The rows the checks read: the written rows, or the whole dataset. */
  rows: SqlFragment;
  /** For `unique` on `columns`: every dataset row sharing those values with a written row. */
  sharing(columns: readonly string[]): SqlFragment;
  /** Whether the scan is restricted to the written rows. */
  changed: boolean;
}

/**
 * The scan of `datasetSql` (a DuckDB table expression), restricted to the rows `changed` (a table
 * expression of the written rows) names by `primaryKey`, when given and the dataset keeps the key.
 */
export function datasetScan(
  datasetSql: string,
  changed: string | null | undefined,
  primaryKey: readonly string[],
  columns: readonly string[],
): DatasetScan {
  const all: SqlFragment = { sql: `SELECT * FROM ${datasetSql}`, bindings: [] };
  if (changed === undefined || primaryKey.length === 0 || !primaryKey.every((k) => columns.includes(k)))
    return { rows: all, sharing: () => all, changed: false };
  if (changed === null) {
    const none: SqlFragment = { sql: `${all.sql} LIMIT 0`, bindings: [] };
    return { rows: none, sharing: () => none, changed: true };
  }
  return {
    rows: { sql: `SELECT * FROM ${changed}`, bindings: [] },
    sharing: (cols) => ({
      sql: `SELECT d.* FROM ${datasetSql} d SEMI JOIN (SELECT DISTINCT ${cols.map(quote).join(', ')} FROM ${changed}) w ON ${matching(cols, 'w', 'd')}`,
      bindings: [],
    }),
    changed: true,
  };
}

/** `a.k1 = b.k1 AND …` (a NULL matches nothing: unique and references ignore NULLs too). */
function matching(columns: readonly string[], a: string, b: string): string {
  return columns.map((c) => `${a}.${quote(c)} = ${b}.${quote(c)}`).join(' AND ');
}

/**
 * The written rows of a merge as a table expression: the staged files it merged, or null when it
 * wrote nothing (a night with nothing new changed nothing).
 */
export function writtenRows(files: readonly string[]): string | null {
  return files.length > 0 ? `read_parquet([${files.map(sqlString).join(', ')}])` : null;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** COUNT(*) of a row source (from Parquet metadata where the engine can). */
export async function countRows(db: CheckDatabase, rows: SqlFragment): Promise<number> {
  const res = await db.query(`SELECT COUNT(*) AS n FROM (${rows.sql}) q`, rows.bindings);
  return Number(res.rows[0]?.[0] ?? 0);
}
