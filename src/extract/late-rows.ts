/**
 * Late rows behind the lookback window. A row committed long after its cursor was stamped (a device
 * syncing yesterday's results today) sorts behind the next run's start, so no increment reads it.
 * The lookback window re-reads the recent past; for anything older, each incremental run records
 * the highest primary key it has seen (rows at or below the high-water mark), and the next run
 * counts the rows above that key whose cursor lies behind its start: rows that were not there
 * before and that this run will not read. They are reported (the run record, a warning naming the
 * remedy, metrics and alerts) and a full refresh repairs the processed dataset.
 *
 * Rows with a key above every key seen are new rows, so there are no false alarms; keys that are not
 * assigned in increasing order (UUIDs, natural keys) can hide a late row, and are not detected.
 */
import type { SourceConnection } from '../db/connection.js';
import { afterPosition, countQuery, type SqlFragment } from './keyset.js';
import type { SourcePlan } from './plan.js';
import type { ColumnType } from '../schema/column-types.js';
import { toStoredValues, type Watermark } from './state.js';

/** The highest primary key among the rows the plan covers (bounded by the high-water mark). */
export async function highestKey(
  conn: SourceConnection,
  plan: SourcePlan,
  primaryKey: readonly string[],
): Promise<Watermark | undefined> {
  const { dialect } = conn;
  const cols = primaryKey.map((c) => `q.${dialect.quoteIdentifier(c)}`);
  const where = plan.filters.length ? ` WHERE ${plan.filters.map((f) => f.sql).join(' AND ')}` : '';
  const sql = dialect.limitRows(
    `SELECT ${cols.join(', ')} FROM (${plan.template.sql}) q${where} ORDER BY ${cols.map((c) => `${c} DESC`).join(', ')}`,
    1,
  );
  const bindings = [...plan.template.bindings, ...plan.filters.flatMap((f) => f.bindings)];
  const res = await dialect.query(conn.knex, sql, bindings, { keyColumns: primaryKey });
  if (!res.lastKey) return undefined;
  return { columns: [...primaryKey], values: toStoredValues(res.lastKey) };
}

/**
 * Rows with a key above `seen` (the highest key of the earlier runs) that sort behind `start` in
 * the plan's order: committed since, stamped too early for this run to read them.
 */
export async function rowsBehindStart(
  conn: SourceConnection,
  plan: SourcePlan,
  start: Watermark,
  seen: Watermark,
  keyTypes: readonly ColumnType[],
): Promise<number> {
  const { dialect } = conn;
  const bind = (w: Watermark, types: readonly ColumnType[]) =>
    w.values.map((v, i) => dialect.keyBinding(v, types[i]!));
  const newer = afterPosition(dialect, seen.columns, bind(seen, keyTypes));
  const after = afterPosition(dialect, start.columns, bind(start, plan.orderTypes));
  const behind: SqlFragment = { sql: `NOT ${after.sql}`, bindings: after.bindings };
  const q = countQuery(dialect, { ...plan, filters: [...plan.filters, newer, behind] });
  const res = await dialect.query(conn.knex, q.sql, q.bindings);
  return Number(res.rows[0]?.[0] ?? 0);
}
