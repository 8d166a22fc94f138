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
import {
  fieldLength,
  type CellValue,
  type ColumnType,
  type EncodedRows,
  type RowBatch,
} from '../schema/column-types.js';
import { canonicalTimestamp, canonicalTimestampInto } from '../schema/timestamp-text.js';
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
export function settledCounter(cursor: SnapshotCursor, mark: StoredValue): (batch: RowBatch) => number {
  const { index, type } = cursor;
  const atOrBelow = compareWith(type, mark);
  return (batch) => {
    // A full run counts every row: of an encoded batch from the bytes (a timestamp cursor) or
    // decoding just that one column.
    if (batch.encoded && type.kind === 'timestamp')
      return countTimestamps(batch.encoded, index, type, mark, atOrBelow);
    const settled = (v: CellValue | undefined): boolean => v !== null && v !== undefined && atOrBelow(v);
    let n = 0;
    if (batch.encoded) {
      for (const v of batch.encoded.column(index)) if (settled(v)) n++;
    } else {
      for (const row of batch.rows) if (settled(row[index])) n++;
    }
    return n;
  };
}

/** The rows of an encoded batch whose timestamp in column `index` is at or below the mark. */
function countTimestamps(
  encoded: EncodedRows,
  index: number,
  type: Extract<ColumnType, { kind: 'timestamp' }>,
  mark: StoredValue,
  atOrBelow: (v: unknown) => boolean,
): number {
  const utc = type.tz === 'utc';
  // Canonical timestamps are ASCII, so byte order is the order of the strings compared above.
  const m = Buffer.from(canonicalTimestamp(String(mark), type.precision, utc), 'latin1');
  const quick = m.length >= 19 && m[10] === T;
  // canonicalTimestampInto takes texts of up to 40 bytes and may add 14.
  const scratch = Buffer.allocUnsafe(64);
  const bytes = encoded.bytes;
  const starts = encoded.starts;
  let n = 0;
  for (let r = 0; r < encoded.count; r++) {
    let p = starts[r]! + 2;
    for (let c = 0; c < index; c++) p += 4 + Math.max(fieldLength(bytes, p), 0);
    const len = fieldLength(bytes, p);
    if (len < 0) continue;
    const start = p + 4;
    const order = quick ? prefixOrder(bytes, start, start + len, m) : 0;
    if (order !== 0) {
      if (order < 0) n++;
      continue;
    }
    const end = canonicalTimestampInto(bytes, start, start + len, type.precision, utc, scratch, 0);
    if (end < 0) {
      const v = canonicalTimestamp(bytes.toString('utf8', start, start + len), type.precision, utc);
      if (atOrBelow(v)) n++;
    } else if (compareAscii(scratch, end, m) <= 0) n++;
  }
  return n;
}

const T = 84;

/**
 * How the server's timestamp text `src[start, end)` orders against the canonical mark `m`, decided
 * on the first 19 bytes without rewriting it, or 0 when they cannot decide. Every canonical text
 * (either path of canonicalTimestamp) keeps the server's first 19 bytes, a space at 10 becoming
 * "T", so the first ASCII byte that differs there orders the two strings. Rewriting each cursor
 * value to compare it was 7 % of a PostgreSQL CSV run's CPU.
 */
function prefixOrder(src: Buffer, start: number, end: number, m: Buffer): number {
  if (end - start < 19) return 0;
  const sep = src[start + 10];
  if (sep !== 32 && sep !== T) return 0;
  for (let i = 0; i < 19; i++) {
    if (i === 10) continue;
    const a = src[start + i]!;
    if (a !== m[i]) return a < 128 ? a - m[i]! : 0;
  }
  return 0;
}

function compareAscii(a: Buffer, aLength: number, b: Buffer): number {
  const n = Math.min(aLength, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return aLength - b.length;
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
