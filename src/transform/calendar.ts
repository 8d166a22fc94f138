/**
 * Exact calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian), so that
 * ages, epidemiological weeks and generalised dates never pass a value through `Date` or a float:
 * a `Date` carries the process's time zone into date-only values, and day counts in floats invite
 * off-by-one rounding. Integer division here is `Math.floor` on integers, which is exact.
 */

/** Whether `year` is a Gregorian leap year. */
export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Day number of a civil date (Howard Hinnant's `days_from_civil`); no validation. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * The civil date of a day number as one integer `yyyymmdd` (e.g. 20250101), so callers get year,
 * month and day without an object per value: year = floor(ymd / 10000), and so on.
 */
export function ymdFromDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10_000 + month * 100 + day;
}

/** Year of a `yyyymmdd` integer. */
export const ymdYear = (ymd: number): number => Math.floor(ymd / 10_000);
/** Month (1–12) of a `yyyymmdd` integer. */
export const ymdMonth = (ymd: number): number => Math.floor(ymd / 100) % 100;
/** Day of month of a `yyyymmdd` integer. */
export const ymdDay = (ymd: number): number => ymd % 100;

/** Day of the week of a day number: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

const ZERO = 48;
const DASH = 45;

/** The integer in `text[at, at + count)` if every character is an ASCII digit, else -1. */
export function digitsAt(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - ZERO;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The `yyyymmdd` of the "YYYY-MM-DD" that `text` starts with, or NaN when it is not a real calendar
 * day (2025-02-29, 2025-13-01, year 0000). Reads character codes and allocates nothing: it runs
 * once per value.
 */
export function ymdOfText(text: string): number {
  if (text.length < 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  return year * 10_000 + month * 100 + day;
}

/** The day number of a `yyyymmdd` integer. */
export function daysOfYmd(ymd: number): number {
  return daysFromCivil(ymdYear(ymd), ymdMonth(ymd), ymdDay(ymd));
}

/** The day number of the "YYYY-MM-DD" that `text` starts with, or NaN (see {@link ymdOfText}). */
export function dayOfText(text: string): number {
  const ymd = ymdOfText(text);
  return Number.isNaN(ymd) ? NaN : daysOfYmd(ymd);
}

/** "YYYY-MM-DD" of a day number (tests and messages; not on a per-value path). */
export function formatDay(days: number): string {
  const ymd = ymdFromDays(days);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(ymdYear(ymd), 4)}-${pad(ymdMonth(ymd), 2)}-${pad(ymdDay(ymd), 2)}`;
}
