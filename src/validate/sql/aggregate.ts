/**
 * One aggregate scan per source for every counting check: row count, NULLs per checked column and
 * the failing rows of each not_null, range, accepted_values and dates check, as
 * `SUM(CASE WHEN <failure> THEN 1 ELSE 0 END)` terms of a single SELECT over the scoped rows. The
 * table is read once however many checks there are.
 */
import type { SqlFragment } from '../../extract/keyset.js';
import type { CheckPlan } from '../compile.js';
import type { CheckDatabase } from './database.js';
import { col, failurePredicate, type PredicateContext } from './predicates.js';

export interface AggregateCounts {
  rows: number;
  /** NULLs per column, for every column a value check names. */
  nulls: Map<string, number>;
  /** Failing rows per check id. */
  failed: Map<string, number>;
  /** The predicate of each counted check, reused to fetch samples of failing rows. */
  predicates: Map<string, SqlFragment>;
}

export async function aggregateScan(
  db: CheckDatabase,
  rows: SqlFragment,
  checks: readonly CheckPlan[],
  ctx: PredicateContext,
): Promise<AggregateCounts> {
  const { dialect } = db;
  const predicates = new Map<string, SqlFragment>();
  for (const p of checks) {
    if (p.engine !== 'sql' || p.problem) continue;
    const pred = failurePredicate(p, ctx);
    if (pred) predicates.set(p.id, pred);
  }
  const nullColumns = [
    ...new Set(
      checks.filter((p) => !p.problem && p.kind !== 'unique' && p.kind !== 'type').flatMap((p) => p.columns),
    ),
  ];
  const sum = (sql: string) => `COALESCE(SUM(CASE WHEN ${sql} THEN 1 ELSE 0 END), 0)`;
  const terms = [
    `${dialect.capabilities.countExpression} AS n`,
    ...nullColumns.map((c, i) => `${sum(`${col(dialect, c)} IS NULL`)} AS z${i}`),
    ...[...predicates.values()].map((p, i) => `${sum(p.sql)} AS f${i}`),
  ];
  const sql = `SELECT ${terms.join(', ')} FROM (${rows.sql}) v`;
  const bindings = [...[...predicates.values()].flatMap((p) => p.bindings), ...rows.bindings];
  const res = await db.query(sql, bindings);
  const row = res.rows[0] ?? [];
  const num = (i: number) => Number(row[i] ?? 0);
  const ids = [...predicates.keys()];
  return {
    rows: num(0),
    nulls: new Map(nullColumns.map((c, i) => [c, num(1 + i)])),
    failed: new Map(ids.map((id, i) => [id, num(1 + nullColumns.length + i)])),
    predicates,
  };
}

/** Up to `limit` rows matching a failure predicate, in primary-key order (stable between runs). */
export async function sampleRows(
  db: CheckDatabase,
  rows: SqlFragment,
  predicate: SqlFragment,
  orderColumns: readonly string[],
  limit: number,
): Promise<{ columns: string[]; rows: unknown[][] }> {
  const { dialect } = db;
  const order = orderColumns.map((c) => col(dialect, c)).join(', ');
  const sql = dialect.limitRows(
    `SELECT v.* FROM (${rows.sql}) v WHERE ${predicate.sql} ORDER BY ${order}`,
    limit,
  );
  const res = await db.query(sql, [...rows.bindings, ...predicate.bindings]);
  return { columns: res.columns.map((c) => c.name), rows: res.rows };
}
