/**
 * Whether a new run is split into key ranges, and where the boundaries fall. Decided once, when the
 * run starts, and stored in its checkpoint (split.ts): a resume never decides again.
 *
 * Split: full and date-range runs (the weekly refresh, backfills) whose first keyset column is a
 * number, a date or a timestamp, estimated at `min_rows` rows or more, with `ranges` > 1. Not split:
 * incremental runs (their lookback window's digests and the watermark follow one keyset order, and
 * daily increments are small), text keys (no midpoint to cut at, and collations make `<` differ
 * between the database and us), and a connection whose pool has a single connection (SQLite).
 *
 * Boundaries come from the two ends of the key's index — the first and last key of the run's
 * bounded query (`ORDER BY k LIMIT 1`, ascending and descending: the same statement shape as the
 * keyset batches, so as cheap as their index makes them) — cut into ranges of equal width. Never
 * OFFSET, never a scan. A skewed key gives unbalanced ranges, never a wrong result.
 */
import type { LoadedConfig } from '../config/load.js';
import type { SplitConfig } from '../config/schema.js';
import type { SourceConnection } from '../db/connection.js';
import type { CellValue } from '../schema/column-types.js';
import type { SqlFragment } from './keyset.js';
import type { SourcePlan } from './plan.js';
import { estimateRows } from './row-estimate.js';
import { evenBounds, SPLITTABLE_KINDS } from './split-bounds.js';
import type { SplitRun } from './split.js';
import type { Watermark } from './state.js';

/** What a run start learns about splitting: the split, if any, and what to tell the user. */
export interface SplitDecision {
  split?: SplitRun;
  /** The user asked for ranges and did not get (all of) them: the run's warnings. */
  warnings: string[];
  /** Why a run was not split when that is expected (small table), or how it was split: the log. */
  notes: string[];
}

/** extraction.split with the source's own `split:` over it. */
export function splitSettings(loaded: LoadedConfig, source: string): SplitConfig {
  const global = loaded.config.extraction.split;
  const own = loaded.config.sources[source]?.split;
  return { ranges: own?.ranges ?? global.ranges, min_rows: own?.min_rows ?? global.min_rows };
}

/** The most connections the connection's pool opens (knex's own setting, whatever the dialect). */
export function poolMax(conn: SourceConnection): number {
  const client = conn.knex.client as { config?: { pool?: { max?: number } } };
  return client.config?.pool?.max ?? 1;
}

export async function planSplit(
  conn: SourceConnection,
  plan: SourcePlan,
  settings: SplitConfig,
  start: Watermark | undefined,
): Promise<SplitDecision> {
  const decision: SplitDecision = { warnings: [], notes: [] };
  if (settings.ranges <= 1 || plan.mode === 'incremental') return decision;
  const column = plan.orderColumns[0]!;
  const type = plan.orderTypes[0]!;
  if (!SPLITTABLE_KINDS.has(type.kind)) {
    decision.warnings.push(
      `not split into ${settings.ranges} key ranges: the first key column "${column}" is ${type.kind}; ranges need a number, date or timestamp key (text collations order differently in the database and here)`,
    );
    return decision;
  }
  const pool = poolMax(conn);
  const ranges = Math.min(settings.ranges, pool);
  if (ranges < settings.ranges)
    decision.warnings.push(
      ranges > 1
        ? `split into ${ranges} key ranges, not ${settings.ranges}: connection "${conn.name}" has pool.max ${pool} and each range holds a connection while it reads (raise pool.max)`
        : `not split: connection "${conn.name}" reads on one connection (pool.max 1, or a database read in-process such as SQLite), and each range needs its own`,
    );
  if (ranges <= 1) return decision;
  if (settings.min_rows > 0) {
    const estimate = await estimateRows(conn, plan);
    if (estimate !== undefined && estimate < settings.min_rows) {
      decision.notes.push(
        `not split: about ${Math.round(estimate)} rows, fewer than split.min_rows ${settings.min_rows}`,
      );
      return decision;
    }
  }
  const [min, max] = await keyEnds(conn, plan);
  const bounds = evenBounds(min, max, ranges, type);
  if (bounds.length === 0) {
    decision.notes.push(`not split: "${column}" has no range of values to cut`);
    return decision;
  }
  decision.split = {
    column,
    bounds,
    ranges: [{ ...(start ? { position: start } : {}) }, ...bounds.map(() => ({}))],
    next_part: 0,
  };
  decision.notes.push(`split into ${bounds.length + 1} key ranges on "${column}"`);
  return decision;
}

/** The lowest and highest value of the first keyset column in the plan's bounded query. */
export function keyEnds(conn: SourceConnection, plan: SourcePlan): Promise<[CellValue, CellValue]> {
  return Promise.all([endpoint(conn, plan, 'ASC'), endpoint(conn, plan, 'DESC')]);
}

/** The first (ASC) or last (DESC) value of the first keyset column in the plan's bounded query. */
async function endpoint(conn: SourceConnection, plan: SourcePlan, order: 'ASC' | 'DESC'): Promise<CellValue> {
  const { dialect } = conn;
  const col = `q.${dialect.quoteIdentifier(plan.orderColumns[0]!)}`;
  const where = plan.filters.length ? ` WHERE ${plan.filters.map((f) => f.sql).join(' AND ')}` : '';
  const q: SqlFragment = {
    sql: dialect.limitRows(
      `SELECT ${col} AS k FROM (${plan.template.sql.trim()}) q${where} ORDER BY ${col} ${order}`,
      1,
    ),
    bindings: [...plan.template.bindings, ...plan.filters.flatMap((f) => f.bindings)],
  };
  const res = await dialect.query(conn.knex, q.sql, q.bindings);
  return res.rows[0]?.[0] ?? null;
}
