/**
 * Relative date ranges for scheduled jobs: `yesterday`, `last-7-days`, `previous-month`… resolved
 * against a run's scheduled time in a time zone to the inclusive `DateRange` that
 * `--start-date/--end-date` take. Calendar arithmetic happens on day numbers (days since
 * 1970-01-01, a plain integer), never on a JS Date in the machine's time zone: the only zone-aware
 * step is finding "today" in the job's zone (Intl, via `todayIn`).
 */
import { todayIn, type DateRange } from './date-range.js';

/** The named ranges; each maps today's day number to inclusive first and last day numbers. */
const NAMED = {
  today: (t: number) => [t, t],
  yesterday: (t: number) => [t - 1, t - 1],
  /** Monday of this week through today (ISO weeks start on Monday). */
  'this-week': (t: number) => [mondayOf(t), t],
  /** The whole previous week, Monday to Sunday. */
  'previous-week': (t: number) => [mondayOf(t) - 7, mondayOf(t) - 1],
  'month-to-date': (t: number) => [firstOfMonth(t), t],
  /** The whole previous calendar month. */
  'previous-month': (t: number) => [firstOfMonth(firstOfMonth(t) - 1), firstOfMonth(t) - 1],
  'year-to-date': (t: number) => [firstOfYear(t), t],
  'previous-year': (t: number) => [firstOfYear(firstOfYear(t) - 1), firstOfYear(t) - 1],
} satisfies Record<string, (today: number) => [number, number]>;

export type NamedRange = keyof typeof NAMED;

export type RangeExpression =
  | { kind: 'named'; name: NamedRange; text: string }
  /** The `days` days ending yesterday (today is not over yet). */
  | { kind: 'last-days'; days: number; text: string }
  | { kind: 'absolute'; range: DateRange; text: string };

/** The forms accepted, for error messages and the JSON Schema. */
export const RANGE_EXPRESSION_FORMS =
  'today, yesterday, last-N-days, this-week, previous-week, month-to-date, previous-month, year-to-date, previous-year, or YYYY-MM-DD..YYYY-MM-DD';

/** Longest `last-N-days`: ten years is a backfill, not a schedule. */
export const MAX_LAST_DAYS = 3660;

const LAST_DAYS = /^last-(\d{1,4})-days?$/;
const ABSOLUTE = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/;

/** The parsed expression, or undefined when `text` is not one (config validation reports it). */
export function parseRangeExpression(text: string): RangeExpression | undefined {
  const t = text.trim().toLowerCase();
  if (Object.hasOwn(NAMED, t)) return { kind: 'named', name: t as NamedRange, text: t };
  const last = LAST_DAYS.exec(t);
  if (last) {
    const days = Number(last[1]);
    return days >= 1 && days <= MAX_LAST_DAYS ? { kind: 'last-days', days, text: t } : undefined;
  }
  const abs = ABSOLUTE.exec(t);
  if (abs) {
    const [start, end] = [abs[1]!, abs[2]!];
    if (dayNumber(start) === undefined || dayNumber(end) === undefined || end < start) return undefined;
    return { kind: 'absolute', range: { start, end }, text: t };
  }
  return undefined;
}

/**
 * The inclusive range the expression means for a run at `now` in `timeZone`. Pass the run's
 * scheduled time (not the moment a late catch-up starts) so `yesterday` is the day before the
 * scheduled day.
 */
export function resolveRangeExpression(expr: RangeExpression, now: Date, timeZone: string): DateRange {
  if (expr.kind === 'absolute') return { ...expr.range };
  const today = dayNumber(todayIn(timeZone, now))!;
  const [first, last] = expr.kind === 'last-days' ? [today - expr.days, today - 1] : NAMED[expr.name](today);
  return { start: dayText(first), end: dayText(last) };
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 for a real calendar date "YYYY-MM-DD"; undefined for 2025-02-30. */
function dayNumber(day: string): number | undefined {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const ms = Date.UTC(y, m - 1, d);
  return dayText(ms / MS_PER_DAY) === day ? ms / MS_PER_DAY : undefined;
}

function dayText(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

function mondayOf(n: number): number {
  // 1970-01-01 was a Thursday: (n + 3) mod 7 is 0 on Mondays.
  return n - ((((n + 3) % 7) + 7) % 7);
}

function firstOfMonth(n: number): number {
  return dayNumber(`${dayText(n).slice(0, 7)}-01`)!;
}

function firstOfYear(n: number): number {
  return dayNumber(`${dayText(n).slice(0, 4)}-01-01`)!;
}
