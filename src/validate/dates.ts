/**
 * Date bounds in the configured time zone. "Now" is the analyst's now in validation.timezone
 * (default Asia/Singapore), never the process's TZ: a DATE column compares with today's local date,
 * a naive timestamp with the local wall clock, a UTC timestamp with the UTC instant. Freshness
 * checks in other tools compare a local date with a UTC clock and are off by a day for 8 hours.
 */
import { addDays, localDateTime, todayIn, zonedMidnightUtc } from '../extract/date-range.js';
import type { ColumnType } from '../schema/column-types.js';

/** The latest acceptable value of a `not_future` check, as canonical text of the column's type. */
export function futureBound(type: ColumnType, now: Date, toleranceMs: number, timeZone: string): string {
  const later = new Date(now.getTime() + toleranceMs);
  if (type.kind === 'timestamp' && type.tz === 'utc') return later.toISOString().replace('Z', '000Z');
  if (type.kind === 'timestamp') return `${localDateTime(later, timeZone)}.999999`;
  return todayIn(timeZone, later);
}

/** The first instant of `day`, as canonical text of the column's type (a date stays a date). */
export function dayStart(day: string, type: ColumnType, timeZone: string): string {
  if (type.kind === 'timestamp' && type.tz === 'utc') return zonedMidnightUtc(day, timeZone);
  return day;
}

/** The first instant after `day` (an inclusive max day becomes an exclusive bound). */
export function dayEnd(day: string, type: ColumnType, timeZone: string): string {
  return dayStart(addDays(day, 1), type, timeZone);
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})/;
const STAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Whether text is an ISO 8601 date or timestamp of a real calendar day. */
export function parseableDate(text: string): boolean {
  if (!STAMP.test(text)) return false;
  const m = DAY.exec(text)!;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === m[0];
}
