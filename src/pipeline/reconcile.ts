/**
 * After the last part: the rows written are compared with a COUNT over exactly the extracted range.
 *
 * - Incremental runs are bounded by the high-water mark frozen at start, so their set is fixed:
 *   fewer rows written than counted is a loss (rows committed behind the extraction) and fails.
 * - Full and date-range runs read everything, including rows changed while they run (extract/
 *   snapshot.ts). With a cursor column, the rows at or below the start mark must all have been
 *   written, or the source fails; rows above it changed during the run and are reported. Without
 *   a cursor there is no way to tell an insert behind the read position from a loss; keyset order
 *   on the primary key cannot skip a row that existed throughout, so a difference is reported.
 * More rows written than counted means rows were updated past the bound or deleted during the run:
 * a warning, since the next increment delivers their new version.
 */
import type { SourceConnection } from '../db/connection.js';
import { ReconciliationError } from '../errors.js';
import { countBothQuery, countQuery, type SqlFragment } from '../extract/keyset.js';
import type { SourcePlan } from '../extract/plan.js';
import { settledFilter, type SnapshotCursor } from '../extract/snapshot.js';
import type { PendingRun } from '../extract/state.js';

export async function reconcile(
  conn: SourceConnection,
  plan: SourcePlan,
  pending: PendingRun,
  snapshot: SnapshotCursor | undefined,
): Promise<string[]> {
  const accounted = pending.rows + (pending.skipped ?? 0);
  const settledRows =
    pending.mode !== 'incremental' &&
    snapshot &&
    pending.snapshot_mark !== undefined &&
    pending.settled_rows !== undefined
      ? settledFilter(conn.dialect, snapshot, pending.snapshot_mark)
      : undefined;
  const [counted, settled] = await count(conn, plan, pending, settledRows);
  if (pending.mode === 'incremental') {
    if (counted > accounted) {
      throw new ReconciliationError(
        `source "${plan.name}": ${pending.rows} rows written${pending.skipped ? ` (and ${pending.skipped} in the lookback window already delivered)` : ''} but the source holds ${counted} in the extracted range`,
        {
          hint: 'rows were committed behind the extraction (raise extraction.settle_lag); re-extract with --fresh',
        },
      );
    }
    return changedDuring(accounted - counted);
  }
  if (snapshot && settled !== undefined && pending.settled_rows !== undefined) {
    if (settled > pending.settled_rows) {
      throw new ReconciliationError(
        `source "${plan.name}": the source holds ${settled} rows in range with ${snapshot.name} at or before the run's start (${String(pending.snapshot_mark)}), but ${pending.settled_rows} of them were written`,
        {
          hint: 'rows were committed with an older timestamp while the run was reading (raise extraction.settle_lag); re-extract with --fresh',
        },
      );
    }
  }
  if (counted > accounted) {
    return [
      `${counted - accounted} rows were inserted behind the read position while the run was reading (${pending.rows} written, ${counted} in the source now); the next run includes them`,
    ];
  }
  return changedDuring(accounted - counted);
}

function changedDuring(n: number): string[] {
  return n > 0
    ? [`${n} rows changed during the extraction; the next increment delivers their new version`]
    : [];
}

/** The rows in the extracted range and, with `settledRows`, how many of them meet it: one statement. */
async function count(
  conn: SourceConnection,
  plan: SourcePlan,
  pending: PendingRun,
  settledRows?: SqlFragment,
): Promise<[number, number | undefined]> {
  const start = pending.start;
  const bound = start?.values.map((v, i) => conn.dialect.keyBinding(v, plan.orderTypes[i]!));
  const q = settledRows
    ? countBothQuery(conn.dialect, plan, settledRows, bound, start?.columns)
    : countQuery(conn.dialect, plan, bound, start?.columns);
  const res = await conn.dialect.query(conn.knex, q.sql, q.bindings);
  const row = res.rows[0];
  return [Number(row?.[0] ?? 0), settledRows ? Number(row?.[1] ?? 0) : undefined];
}
