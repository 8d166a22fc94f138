/**
 * Reconciling runs that are not bounded by a high-water mark. A full refresh or a date range must
 * read every row, including rows updated while it runs, so its set is not frozen: rows inserted
 * (or moved) behind the read position during the run are missing from it, and a plain COUNT at the
 * end would call that a loss.
 *
 * What such a run must never miss is a row that was there before it started and has not changed
 * since. With a cursor column (updated_at), those are exactly the rows whose cursor is at or below
 * a mark frozen at the start (the database clock minus the settle lag, like a high-water mark). So
 * the run counts, as it writes, the rows at or below the mark; at the end a COUNT of the range
 * with `cursor <= mark` must not exceed it. Rows above the mark changed during the run: they are
 * reported, not failed.
 */
import type { Dialect } from '../db/dialect.js';
import type { ColumnType, Row } from '../schema/column-types.js';
import { canonicalTimestamp } from '../schema/timestamp-text.js';
import type { SqlFragment } from './keyset.js';
import { compareDecimals } from './lookback.js';
import type { StoredValue } from './state.js';

export interface SnapshotCursor {
  name: string;
  /** Position of the cursor column in the result's columns. */
  index: number;
  type: ColumnType;
}

/** `q.cursor <= ?`: the rows that cannot have changed since the mark. */
export function settledFilter(dialect: Dialect, cursor: SnapshotCursor, mark: StoredValue): SqlFragment {
  return {
    sql: `q.${dialect.quoteIdentifier(cursor.name)} <= ?`,
    bindings: [dialect.keyBinding(mark, cursor.type)],
  };
}

/**
 * Counts the rows of a batch whose cursor is at or below the mark, comparing canonical values as
 * the rows carry them (SQL NULL is never at or below anything, as in the COUNT).
 */
export function settledCounter(cursor: SnapshotCursor, mark: StoredValue): (rows: readonly Row[]) => number {
  const { index, type } = cursor;
  const atOrBelow = compareWith(type, mark);
  return (rows) => {
    let n = 0;
    for (const row of rows) {
      const v = row[index];
      if (v !== null && v !== undefined && atOrBelow(v)) n++;
    }
    return n;
  };
}

function compareWith(type: ColumnType, mark: StoredValue): (v: unknown) => boolean {
  const text = String(mark);
  switch (type.kind) {
    case 'timestamp': {
      // Canonical row values carry the column's precision; the mark cut to the same precision
      // compares the same way (truncating only lowers it to the largest value a row can hold).
      const m = canonicalTimestamp(text, type.precision, type.tz === 'utc');
      return (v) => String(v) <= m;
    }
    case 'date': {
      const m = text.slice(0, 10);
      return (v) => String(v).slice(0, 10) <= m;
    }
    case 'int32':
    case 'int64': {
      const m = BigInt(text);
      return (v) => BigInt(String(v)) <= m;
    }
    case 'decimal':
    case 'float64':
      return (v) => compareDecimals(String(v), text) <= 0;
    default:
      return (v) => String(v) <= text;
  }
}
