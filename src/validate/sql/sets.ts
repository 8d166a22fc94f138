/**
 * Set-level checks that scale: duplicates by GROUP BY … HAVING COUNT(*) > 1 (one pass, using the
 * key's index where there is one) and references by an anti-join (LEFT JOIN … WHERE key IS NULL),
 * never a self-join (quadratic) or NOT IN (a single NULL in the subquery makes it match nothing).
 */
import type { SourceConnection } from '../../db/connection.js';
import type { SqlFragment } from '../../extract/keyset.js';
import { col } from './predicates.js';

export interface DuplicateCount {
  /** Keys that occur more than once. */
  groups: number;
  /** Rows beyond the first of each such key: the rows to remove to make the key unique. */
  surplus: number;
}

/** Duplicated keys among the scoped rows. Rows with a NULL in any key column are not keys (as in a UNIQUE constraint). */
function duplicateGroups(conn: SourceConnection, rows: SqlFragment, columns: readonly string[]): SqlFragment {
  const { dialect } = conn;
  const cols = columns.map((c) => col(dialect, c));
  const count = dialect.capabilities.countExpression;
  return {
    sql:
      `SELECT ${cols.join(', ')}, ${count} AS n FROM (${rows.sql}) v WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' AND ')}` +
      ` GROUP BY ${cols.join(', ')} HAVING ${count} > 1`,
    bindings: rows.bindings,
  };
}

export async function countDuplicates(
  conn: SourceConnection,
  rows: SqlFragment,
  columns: readonly string[],
): Promise<DuplicateCount> {
  const inner = duplicateGroups(conn, rows, columns);
  const sql = `SELECT ${conn.dialect.capabilities.countExpression} AS g, COALESCE(SUM(d.n), 0) AS r FROM (${inner.sql}) d`;
  const res = await conn.dialect.query(conn.knex, sql, inner.bindings);
  const groups = Number(res.rows[0]?.[0] ?? 0);
  return { groups, surplus: Number(res.rows[0]?.[1] ?? 0) - groups };
}

/** The most repeated keys with their counts (samples for the report). */
export async function duplicateSamples(
  conn: SourceConnection,
  rows: SqlFragment,
  columns: readonly string[],
  limit: number,
): Promise<{ columns: string[]; rows: unknown[][] }> {
  const inner = duplicateGroups(conn, rows, columns);
  const order = [`n DESC`, ...columns.map((c) => col(conn.dialect, c))].join(', ');
  const sql = conn.dialect.limitRows(`${inner.sql} ORDER BY ${order}`, limit);
  const res = await conn.dialect.query(conn.knex, sql, inner.bindings);
  return { columns: res.columns.map((c) => c.name), rows: res.rows };
}

/**
 * The anti-join's WHERE: scoped rows whose non-NULL value has no match in the referenced source.
 * An unmatched row appears once in a LEFT JOIN whatever the referenced keys' multiplicity, so no
 * DISTINCT is needed on the referenced side.
 */
export function orphanPredicate(conn: SourceConnection, column: string, key: string): string {
  const { dialect } = conn;
  return `${col(dialect, column)} IS NOT NULL AND r.${dialect.quoteIdentifier(key)} IS NULL`;
}

function antiJoin(
  conn: SourceConnection,
  rows: SqlFragment,
  referenced: SqlFragment,
  column: string,
  key: string,
): SqlFragment {
  const { dialect } = conn;
  const k = `r.${dialect.quoteIdentifier(key)}`;
  return {
    sql:
      `FROM (${rows.sql}) v LEFT JOIN (${referenced.sql.trim()}) r` +
      ` ON ${k} = ${col(dialect, column)} WHERE ${orphanPredicate(conn, column, key)}`,
    bindings: [...rows.bindings, ...referenced.bindings],
  };
}

export async function countOrphans(
  conn: SourceConnection,
  rows: SqlFragment,
  referenced: SqlFragment,
  column: string,
  key: string,
): Promise<number> {
  const j = antiJoin(conn, rows, referenced, column, key);
  const res = await conn.dialect.query(
    conn.knex,
    `SELECT ${conn.dialect.capabilities.countExpression} AS n ${j.sql}`,
    j.bindings,
  );
  return Number(res.rows[0]?.[0] ?? 0);
}

export async function orphanSamples(
  conn: SourceConnection,
  rows: SqlFragment,
  referenced: SqlFragment,
  column: string,
  key: string,
  orderColumns: readonly string[],
  limit: number,
): Promise<{ columns: string[]; rows: unknown[][] }> {
  const j = antiJoin(conn, rows, referenced, column, key);
  const order = orderColumns.map((c) => col(conn.dialect, c)).join(', ');
  const res = await conn.dialect.query(
    conn.knex,
    conn.dialect.limitRows(`SELECT v.* ${j.sql} ORDER BY ${order}`, limit),
    j.bindings,
  );
  return { columns: res.columns.map((c) => c.name), rows: res.rows };
}
