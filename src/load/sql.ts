/**
 * SQL text for DuckDB: quoting, and the canonical column types as DuckDB types. Every column the
 * store writes is cast to the type its `ColumnSpec` declares, so the dataset's Parquet types are the
 * ones the project's own writer uses (src/write/parquet-columns.ts), whatever a staged file holds.
 */
import type { ColumnSpec, ColumnType } from '../schema/column-types.js';

/** `"name"`, with embedded quotes doubled. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** `'text'`, with embedded quotes doubled. */
export const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** A JavaScript scalar as a SQL literal (config values such as a soft-delete marker). */
export function scalar(value: string | number | boolean): string {
  if (typeof value === 'string') return literal(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/** A list of paths for `read_parquet([...])`. */
export const pathList = (paths: readonly string[]): string => `[${paths.map(literal).join(', ')}]`;

/** Widest decimal Parquet readers take as DECIMAL; wider ones are exact text, as the writer does. */
const MAX_DECIMAL_PRECISION = 38;

export function duckdbType(type: ColumnType): string {
  switch (type.kind) {
    case 'int32':
      return 'INTEGER';
    case 'int64':
      return 'BIGINT';
    case 'decimal':
      return type.precision >= 1 &&
        type.precision <= MAX_DECIMAL_PRECISION &&
        type.scale >= 0 &&
        type.scale <= type.precision
        ? `DECIMAL(${type.precision},${type.scale})`
        : 'VARCHAR';
    case 'float64':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'string':
    case 'json':
      // JSON as plain UTF-8 text, like the project's writer (DuckDB's JSON type would add a logical type).
      return 'VARCHAR';
    case 'date':
      return 'DATE';
    case 'timestamp':
      // Microseconds, like the writer; naive → isAdjustedToUTC=false, UTC → true.
      return type.tz === 'utc' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    case 'binary':
      return 'BLOB';
  }
}

/** `CAST("c" AS T) AS "c"` for each column: the select list that fixes the dataset's types. */
export function castList(columns: readonly ColumnSpec[], qualifier?: string): string {
  const q = qualifier ? `${qualifier}.` : '';
  return columns
    .map((c) => `CAST(${q}${ident(c.name)} AS ${duckdbType(c.type)}) AS ${ident(c.name)}`)
    .join(', ');
}

/** `"a", "b"` */
export const identList = (names: readonly string[]): string => names.map(ident).join(', ');
