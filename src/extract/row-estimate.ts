/**
 * The planner's estimate of the rows a plan reads, from EXPLAIN: cheap (no row is read) and good
 * enough to tell a million-row table from a small one, which is all `split.min_rows` asks.
 *
 * One estimator per database that can give one, in a registry keyed by the dialect's name. This is
 * a capability of the database and belongs on the dialect seam (`Dialect.estimateRows`); it lives
 * here until that interface grows the member, so that no dialect file changes for it.
 */
import type { SourceConnection } from '../db/connection.js';
import type { SqlFragment } from './keyset.js';
import type { SourcePlan } from './plan.js';

/** Estimated rows of `select`, or undefined when the plan does not say. */
export type RowEstimator = (conn: SourceConnection, select: SqlFragment) => Promise<number | undefined>;

interface PlanNode {
  'Plan Rows'?: number;
}

/** PostgreSQL: the top plan node's "Plan Rows". */
const postgres: RowEstimator = async (conn, select) => {
  const res = await conn.dialect.query(conn.knex, `EXPLAIN (FORMAT JSON) ${select.sql}`, select.bindings);
  const plan = JSON.parse(String(res.rows[0]?.[0])) as { Plan?: PlanNode }[];
  const rows = plan[0]?.Plan?.['Plan Rows'];
  return typeof rows === 'number' ? rows : undefined;
};

/** MySQL/MariaDB: the largest `rows` of the EXPLAIN lines (the driving table of a join). */
const mysql: RowEstimator = async (conn, select) => {
  const res = await conn.dialect.query(conn.knex, `EXPLAIN ${select.sql}`, select.bindings);
  const at = res.columns.findIndex((c) => c.name === 'rows');
  if (at < 0) return undefined;
  const rows = res.rows.map((r) => Number(r[at] ?? Number.NaN)).filter((n) => Number.isFinite(n));
  return rows.length > 0 ? Math.max(...rows) : undefined;
};

/** Databases whose EXPLAIN gives a row estimate; the others are not estimated. */
export const rowEstimators: Readonly<Partial<Record<string, RowEstimator>>> = { postgres, mysql };

/**
 * The estimated rows of the plan's bounded query (no ORDER BY, no LIMIT), or undefined when the
 * database gives no estimate or the EXPLAIN fails (the batches will say what is wrong, if anything).
 */
export async function estimateRows(conn: SourceConnection, plan: SourcePlan): Promise<number | undefined> {
  const estimator = rowEstimators[conn.dialect.name];
  if (!estimator) return undefined;
  const where = plan.filters.length ? ` WHERE ${plan.filters.map((f) => f.sql).join(' AND ')}` : '';
  const select = {
    sql: `SELECT * FROM (${plan.template.sql.trim()}) q${where}`,
    bindings: [...plan.template.bindings, ...plan.filters.flatMap((f) => f.bindings)],
  };
  try {
    return await estimator(conn, select);
  } catch {
    return undefined;
  }
}
