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

/**
 * Whether text is an ISO 8601 date or timestamp of a real calendar day: `YYYY-MM-DD`, optionally
 * `[T ]HH:MM[:SS[.f{1,9}]][Z|±HH[:]MM]` (hours and minutes are checked for digits only). Years
 * 0000-0099 are rejected, as the `Date.UTC` round trip this replaces did (it maps them to 19xx).
 *
 * This runs for every date or timestamp value of a streamed row, so it reads character codes and
 * allocates nothing: the regex-and-Date version was the largest cost of the row checks (measured
 * with bench:validate: about 45% of CPU, half of it in the garbage collector).
 */
export function parseableDate(text: string): boolean {
  const n = text.length;
  if (n < 10 || !digits(text, 0, 4) || text.charCodeAt(4) !== DASH) return false;
  if (!digits(text, 5, 2) || text.charCodeAt(7) !== DASH || !digits(text, 8, 2)) return false;
  if (!realDay(number(text, 0, 4), number(text, 5, 2), number(text, 8, 2))) return false;
  return n === 10 || timeOfDay(text, 10);
}

const ZERO = 48;
const DASH = 45;
const COLON = 58;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDigit(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= ZERO && c <= ZERO + 9;
}

function digits(text: string, at: number, count: number): boolean {
  for (let i = at; i < at + count; i++) if (!isDigit(text, i)) return false;
  return true;
}

function number(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) v = v * 10 + text.charCodeAt(i) - ZERO;
  return v;
}

function realDay(year: number, month: number, day: number): boolean {
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** `[T ]HH:MM[:SS[.f{1,9}]][Z|±HH[:]MM]` from `at` to the end of the text. */
function timeOfDay(text: string, at: number): boolean {
  const n = text.length;
  const sep = text.charCodeAt(at);
  if (sep !== 84 /* T */ && sep !== 32 /* space */) return false;
  if (n < at + 6 || !digits(text, at + 1, 2) || text.charCodeAt(at + 3) !== COLON || !digits(text, at + 4, 2))
    return false;
  let i = at + 6;
  if (i < n && text.charCodeAt(i) === COLON) {
    if (!digits(text, i + 1, 2)) return false;
    i += 3;
    if (i < n && text.charCodeAt(i) === 46 /* . */) {
      let f = i + 1;
      while (f < n && f - i <= 9 && isDigit(text, f)) f++;
      if (f === i + 1 || (f < n && isDigit(text, f))) return false;
      i = f;
    }
  }
  return i === n || zone(text, i);
}

/** `Z` or `±HH[:]MM`, exactly to the end of the text. */
function zone(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  const n = text.length;
  if (c === 90 /* Z */) return n === at + 1;
  if (c !== 43 /* + */ && c !== DASH) return false;
  if (!digits(text, at + 1, 2)) return false;
  const colon = text.charCodeAt(at + 3) === COLON ? 1 : 0;
  return n === at + 5 + colon && digits(text, at + 3 + colon, 2);
}
