/**
 * `--start-date/--end-date` on a source's date column: end date inclusive, days taken in the
 * configured time zone. The bound's form follows the column's canonical type: a DATE or a naive
 * (wall-clock) timestamp compares with local dates; a UTC timestamp compares with the UTC instants
 * of local midnight, so 2025-01-01 in Asia/Singapore starts at 2024-12-31T16:00:00Z.
 */
import type { Dialect } from '../db/dialect.js';
import type { ColumnType } from '../schema/column-types.js';
import type { SqlFragment } from './keyset.js';

export interface DateRange {
  /** First day, YYYY-MM-DD, inclusive. */
  start: string;
  /** Last day, YYYY-MM-DD, inclusive. */
  end: string;
}

export function dateRangeFilter(
  dialect: Dialect,
  column: string,
  type: ColumnType,
  range: DateRange,
  timeZone: string,
): SqlFragment {
  const from = range.start;
  const until = addDays(range.end, 1);
  const bound = (day: string): string =>
    type.kind === 'timestamp' && type.tz === 'utc' ? zonedMidnightUtc(day, timeZone) : day;
  const col = `q.${dialect.quoteIdentifier(column)}`;
  return {
    sql: `(${col} >= ? AND ${col} < ?)`,
    bindings: [dialect.formatBinding(bound(from), type), dialect.formatBinding(bound(until), type)],
  };
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The UTC instant ("YYYY-MM-DDTHH:MM:SS.000000Z") at which `day` begins in `timeZone`. */
export function zonedMidnightUtc(day: string, timeZone: string): string {
  const guess = Date.parse(`${day}T00:00:00Z`);
  // Offset at the guess, then once more at the corrected instant (DST changes near midnight).
  let instant = guess - offsetMs(guess, timeZone);
  instant = guess - offsetMs(instant, timeZone);
  return new Date(instant).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** Wall-clock "YYYY-MM-DDTHH:MM:SS" of an instant in `timeZone`. */
export function localDateTime(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}
