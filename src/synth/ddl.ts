/**
 * DDL for the demo databases, derived from TABLES so the three dialects cannot drift apart.
 *
 * Type mapping (canonical kind → SQLite / PostgreSQL / MySQL-MariaDB):
 * - int32 → INTEGER / integer / INT
 * - int64 → BIGINT / bigint / BIGINT
 * - decimal(p,s) → DECIMAL(p,s) / numeric(p,s) / DECIMAL(p,s)
 * - boolean → BOOLEAN (0/1) / boolean / TINYINT(1)
 * - string → TEXT / text / VARCHAR(n)
 * - date → DATE (ISO text) / date / DATE
 * - timestamp naive → TIMESTAMP (ISO text) / timestamp(6) / DATETIME(6)
 * - timestamp utc → TIMESTAMPTZ (ISO text with Z) / timestamptz(6) / DATETIME(6) COMMENT 'UTC'
 *   (MySQL's TIMESTAMP type ends in 2038 and converts through the session zone, so UTC instants
 *   are stored as DATETIME(6) holding UTC wall-clock values; the column comment says so)
 *
 * No foreign keys anywhere (dirty mode must be able to store orphans). Primary keys always.
 */
import type { ColumnSpec } from '../schema/column-types.js';
import { dirtyNullableColumns } from './dirty.js';
import { SOURCE_TABLES, TABLES, type SourceTable, type TableSpec } from './tables.js';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

/** Key/value table holding the generator state; see meta.ts for the keys. */
export const META_TABLE = '_moh_demo_meta';

const VARCHAR: Record<string, number> = {
  polyclinic_code: 16,
  home_polyclinic: 16,
  icd10_code: 16,
  procedure_code: 16,
  drug_code: 16,
  test_code: 16,
  nric: 16,
  sex: 8,
  postal_code: 10,
  ethnicity: 32,
  region: 32,
  cluster: 64,
  visit_type: 32,
  dose: 64,
  frequency: 16,
  unit: 32,
  abnormal_flag: 4,
};

export function quoteIdent(dialect: Dialect, name: string): string {
  return dialect === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

export function columnType(dialect: Dialect, col: ColumnSpec): string {
  const t = col.type;
  switch (t.kind) {
    case 'int32':
      return dialect === 'mysql' ? 'INT' : dialect === 'postgres' ? 'integer' : 'INTEGER';
    case 'int64':
      return dialect === 'postgres' ? 'bigint' : 'BIGINT';
    case 'decimal':
      return `${dialect === 'postgres' ? 'numeric' : 'DECIMAL'}(${t.precision},${t.scale})`;
    case 'float64':
      return dialect === 'postgres' ? 'double precision' : dialect === 'mysql' ? 'DOUBLE' : 'REAL';
    case 'boolean':
      return dialect === 'mysql' ? 'TINYINT(1)' : dialect === 'postgres' ? 'boolean' : 'BOOLEAN';
    case 'string':
      return dialect === 'mysql'
        ? `VARCHAR(${VARCHAR[col.name] ?? 255})`
        : dialect === 'postgres'
          ? 'text'
          : 'TEXT';
    case 'date':
      return dialect === 'postgres' ? 'date' : 'DATE';
    case 'timestamp':
      if (dialect === 'postgres') return `${t.tz === 'utc' ? 'timestamptz' : 'timestamp'}(${t.precision})`;
      if (dialect === 'mysql') return `DATETIME(${t.precision})${t.tz === 'utc' ? " COMMENT 'UTC'" : ''}`;
      return t.tz === 'utc' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    case 'binary':
      return dialect === 'postgres' ? 'bytea' : dialect === 'mysql' ? 'LONGBLOB' : 'BLOB';
    case 'json':
      return dialect === 'postgres' ? 'jsonb' : dialect === 'mysql' ? 'JSON' : 'TEXT';
  }
}

export interface TableDdlOptions {
  /** Dirty mode: columns that receive injected NULLs lose NOT NULL. */
  dirty: boolean;
  /** Declare the primary key inline (PostgreSQL bulk loads add it afterwards instead). */
  primaryKey: boolean;
}

export function createTableSql(dialect: Dialect, spec: TableSpec, opts: TableDdlOptions): string {
  const q = (n: string): string => quoteIdent(dialect, n);
  const relaxed = opts.dirty ? dirtyNullableColumns(spec.name) : new Set<string>();
  const lines = spec.columns.map((c) => {
    const notNull = !c.nullable && !relaxed.has(c.name);
    return `  ${q(c.name)} ${columnType(dialect, c)}${notNull ? ' NOT NULL' : ''}`;
  });
  if (opts.primaryKey) lines.push(`  PRIMARY KEY (${spec.primaryKey.map(q).join(', ')})`);
  const suffix = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
  return `CREATE TABLE ${q(spec.name)} (\n${lines.join(',\n')}\n)${suffix}`;
}

export function addPrimaryKeySql(dialect: Dialect, spec: TableSpec): string {
  const q = (n: string): string => quoteIdent(dialect, n);
  return `ALTER TABLE ${q(spec.name)} ADD CONSTRAINT ${q(`pk_${spec.name}`)} PRIMARY KEY (${spec.primaryKey.map(q).join(', ')})`;
}

export function createIndexSql(dialect: Dialect, spec: TableSpec): string[] {
  const q = (n: string): string => quoteIdent(dialect, n);
  return spec.indexes.map(
    (cols) =>
      `CREATE INDEX ${q(`ix_${spec.name}_${cols.join('_')}`)} ON ${q(spec.name)} (${cols.map(q).join(', ')})`,
  );
}

export function dropTableSql(dialect: Dialect, table: string): string {
  return `DROP TABLE IF EXISTS ${quoteIdent(dialect, table)}`;
}

export function metaTableSql(dialect: Dialect): string {
  const q = (n: string): string => quoteIdent(dialect, n);
  const key = dialect === 'mysql' ? 'VARCHAR(64)' : dialect === 'postgres' ? 'text' : 'TEXT';
  const value = dialect === 'postgres' ? 'text' : 'TEXT';
  const suffix = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
  return `CREATE TABLE ${q(META_TABLE)} (\n  ${q('key')} ${key} NOT NULL PRIMARY KEY,\n  ${q('value')} ${value} NOT NULL\n)${suffix}`;
}

/** The complete schema as statements (tables with primary keys, indexes, meta table). */
export function schemaSql(dialect: Dialect, opts: { dirty: boolean }): string[] {
  const out: string[] = [];
  for (const t of SOURCE_TABLES)
    out.push(createTableSql(dialect, TABLES[t], { dirty: opts.dirty, primaryKey: true }));
  for (const t of SOURCE_TABLES) out.push(...createIndexSql(dialect, TABLES[t]));
  out.push(metaTableSql(dialect));
  return out;
}

/** Tables in load order (reference, parents, children), then the meta table. */
export const ALL_TABLES: readonly (SourceTable | typeof META_TABLE)[] = [...SOURCE_TABLES, META_TABLE];
