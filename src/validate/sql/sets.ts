/**
 * Set-level checks that scale: duplicates by GROUP BY … HAVING COUNT(*) > 1 (one pass, using the
 * key's index where there is one) and references by an anti-join (LEFT JOIN … WHERE key IS NULL),
 * never a self-join (quadratic) or NOT IN (a single NULL in the subquery makes it match nothing).
 */
import type { SqlFragment } from '../../extract/keyset.js';
import type { CheckDatabase } from './database.js';
import { col } from './predicates.js';

export interface DuplicateCount {
  /** Keys that occur more than once. */
  groups: number;
  /** Rows beyond the first of each such key: the rows to remove to make the key unique. */
  surplus: number;
}

/** Duplicated keys among the scoped rows. Rows with a NULL in any key column are not keys (as in a UNIQUE constraint). */
function duplicateGroups(db: CheckDatabase, rows: SqlFragment, columns: readonly string[]): SqlFragment {
  const { dialect } = db;
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
  db: CheckDatabase,
  rows: SqlFragment,
  columns: readonly string[],
): Promise<DuplicateCount> {
  const inner = duplicateGroups(db, rows, columns);
  const sql = `SELECT ${db.dialect.capabilities.countExpression} AS g, COALESCE(SUM(d.n), 0) AS r FROM (${inner.sql}) d`;
  const res = await db.query(sql, inner.bindings);
  const groups = Number(res.rows[0]?.[0] ?? 0);
  return { groups, surplus: Number(res.rows[0]?.[1] ?? 0) - groups };
}

/** The most repeated keys with their counts (samples for the report). */
export async function duplicateSamples(
  db: CheckDatabase,
  rows: SqlFragment,
  columns: readonly string[],
  limit: number,
): Promise<{ columns: string[]; rows: unknown[][] }> {
  const inner = duplicateGroups(db, rows, columns);
  const order = [`n DESC`, ...columns.map((c) => col(db.dialect, c))].join(', ');
  const sql = db.dialect.limitRows(`${inner.sql} ORDER BY ${order}`, limit);
  const res = await db.query(sql, inner.bindings);
  return { columns: res.columns.map((c) => c.name), rows: res.rows };
}

/**
 * The anti-join's WHERE: scoped rows whose non-NULL value has no match in the referenced source.
 * An unmatched row appears once in a LEFT JOIN whatever the referenced keys' multiplicity, so no
 * DISTINCT is needed on the referenced side.
 */
export function orphanPredicate(db: CheckDatabase, column: string, key: string): string {
  const { dialect } = db;
  return `${col(dialect, column)} IS NOT NULL AND r.${dialect.quoteIdentifier(key)} IS NULL`;
}

function antiJoin(
  db: CheckDatabase,
  rows: SqlFragment,
  referenced: SqlFragment,
  column: string,
  key: string,
): SqlFragment {
  const { dialect } = db;
  const k = `r.${dialect.quoteIdentifier(key)}`;
  return {
    sql:
      `FROM (${rows.sql}) v LEFT JOIN (${referenced.sql.trim()}) r` +
      ` ON ${k} = ${col(dialect, column)} WHERE ${orphanPredicate(db, column, key)}`,
    bindings: [...rows.bindings, ...referenced.bindings],
  };
}

export async function countOrphans(
  db: CheckDatabase,
  rows: SqlFragment,
  referenced: SqlFragment,
  column: string,
  key: string,
): Promise<number> {
  const j = antiJoin(db, rows, referenced, column, key);
  const res = await db.query(`SELECT ${db.dialect.capabilities.countExpression} AS n ${j.sql}`, j.bindings);
  return Number(res.rows[0]?.[0] ?? 0);
}

export async function orphanSamples(
  db: CheckDatabase,
  rows: SqlFragment,
  referenced: SqlFragment,
  column: string,
  key: string,
  orderColumns: readonly string[],
  limit: number,
): Promise<{ columns: string[]; rows: unknown[][] }> {
  const j = antiJoin(db, rows, referenced, column, key);
  const order = orderColumns.map((c) => col(db.dialect, c)).join(', ');
  const res = await db.query(
    db.dialect.limitRows(`SELECT v.* ${j.sql} ORDER BY ${order}`, limit),
    j.bindings,
  );
  return { columns: res.columns.map((c) => c.name), rows: res.rows };
}
