/**
 * The staged increment as SQL: the runs' Parquet files checked (present, every declared column
 * there, no NULL key), then one row per key chosen by a window function — the greatest cursor, a tie
 * going to the later file (runs in order, then parts in order) and then the later row — cast to the
 * declared types, with its partition value and soft-delete mark beside it.
 *
 * The window runs only when a key repeats: a full extraction (keyset-read by primary key) has no
 * duplicates, and counting distinct keys is far cheaper than the window on 10M rows (measured
 * 0.9 s against 28 s, DuckDB 1.5, 2 threads, 256MB).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { SoftDeleteConfig } from '../config/load-schema.js';
import type { ColumnSpec } from '../schema/column-types.js';
import type { Engine } from './engine.js';
import { LoadRejected } from './errors.js';
import type { Partitioning } from './partition.js';
import { castList, duckdbType, ident, identList, pathList } from './sql.js';
import type { LoadRequest } from './types.js';

/** Columns DuckDB's Parquet reader adds (a data column of that name would hide them) and our own. */
const RESERVED = new Set(['filename', 'file_index', 'file_row_number']);
export const INTERNAL_PREFIX = '__';

export interface Increment {
  files: string[];
  /** Rows in the staged files (duplicates included). */
  rows: number;
  /** Distinct keys among them: the rows of `relation`. */
  keys: number;
  /**
   * SQL of the deduplicated rows: the declared columns, then `__part` (partition value, VARCHAR)
   * and `__deleted` (BOOLEAN).
   */
  relation: string;
}

export interface IncrementShape {
  columns: readonly ColumnSpec[];
  keys: readonly string[];
  cursor: string | undefined;
  partitioning: Partitioning | undefined;
  softDelete: SoftDeleteConfig | undefined;
  /** SQL BOOLEAN over the row's columns: marked deleted (from `softDelete`). */
  deleted: string;
}

/** Reject requests whose column names collide with the reader's or ours. */
export function checkRequestColumns(request: LoadRequest): void {
  const names = new Set(request.columns.map((c) => c.name));
  if (names.size !== request.columns.length) throw new LoadRejected('the increment names a column twice');
  for (const c of request.columns)
    if (RESERVED.has(c.name) || c.name.startsWith(INTERNAL_PREFIX))
      throw new LoadRejected(`column name ${c.name} is reserved by the load engine`, {
        hint: 'rename the column in the query template (AS …)',
      });
  for (const k of [...request.key_columns, ...(request.cursor_column ? [request.cursor_column] : [])])
    if (!names.has(k))
      throw new LoadRejected(`key or cursor column ${k} is not a column of the increment`, {
        hint: 'check primary_key and cursor_column of the source',
      });
  if (request.key_columns.length === 0) throw new LoadRejected('a dataset needs a primary key');
}

export async function stageIncrement(
  engine: Engine,
  request: LoadRequest,
  shape: IncrementShape,
): Promise<Increment> {
  const files = request.runs.flatMap((r) => r.files.map((f) => path.resolve(f)));
  if (files.length === 0) return { files, rows: 0, keys: 0, relation: emptyRelation(shape) };
  for (const f of files) {
    try {
      statSync(f);
    } catch {
      throw new LoadRejected(`staged file ${f} is missing`, {
        hint: 'the run’s files were moved or deleted: extract the source again',
      });
    }
  }
  await checkColumns(engine, files, shape.columns);
  const source = `read_parquet(${pathList(files)}, union_by_name = true, hive_partitioning = false)`;
  const key = shape.keys.length === 1 ? ident(shape.keys[0]!) : `(${identList(shape.keys)})`;
  const [counts] = await engine.rows(
    `SELECT count(*)::BIGINT AS n, count(DISTINCT ${key})::BIGINT AS keys,
       count(*) FILTER (WHERE ${shape.keys.map((k) => `${ident(k)} IS NULL`).join(' OR ')})::BIGINT AS null_keys
     FROM ${source}`,
  );
  const [rows, keys, nullKeys] = [Number(counts!.n), Number(counts!.keys), Number(counts!.null_keys)];
  if (nullKeys > 0)
    throw new LoadRejected(`${nullKeys} staged rows have a NULL in the primary key`, {
      hint: 'a dataset holds one row per key: filter or fix those rows in the source or a transform step',
    });
  const order = [
    ...(shape.cursor ? [`${ident(shape.cursor)} DESC NULLS LAST`] : []),
    'file_index DESC',
    'file_row_number DESC',
  ].join(', ');
  const window = `QUALIFY row_number() OVER (PARTITION BY ${identList(shape.keys)} ORDER BY ${order}) = 1`;
  const deduped = `SELECT ${castList(shape.columns)} FROM ${source} ${rows > keys ? window : ''}`;
  return {
    files,
    rows,
    keys,
    relation: `SELECT *, ${shape.partitioning ? shape.partitioning.value() : 'NULL::VARCHAR'} AS __part, ${shape.deleted} AS __deleted FROM (${deduped})`,
  };
}

async function checkColumns(engine: Engine, files: string[], columns: readonly ColumnSpec[]): Promise<void> {
  const rows = await engine.rows(`SELECT file_name, name FROM parquet_schema(${pathList(files)})`);
  const present = new Map<string, Set<string>>();
  for (const r of rows) {
    const file = String(r.file_name);
    if (!present.has(file)) present.set(file, new Set());
    present.get(file)!.add(String(r.name));
  }
  for (const f of files) {
    const missing = columns.filter((c) => !present.get(f)?.has(c.name)).map((c) => c.name);
    if (missing.length > 0)
      throw new LoadRejected(`staged file ${f} lacks column(s) ${missing.join(', ')}`, {
        hint: 'the staged files and the declared columns disagree: extract the source again',
      });
  }
}

/** A relation with the increment's columns and no rows (a run that extracted nothing). */
function emptyRelation(shape: IncrementShape): string {
  const cols = shape.columns.map((c) => `NULL::${duckdbType(c.type)} AS ${ident(c.name)}`).join(', ');
  return `SELECT ${cols}, NULL::VARCHAR AS __part, FALSE AS __deleted WHERE FALSE`;
}
