/**
 * Epidemiological weeks, "YYYY-Www".
 *
 * Both systems number weeks so that week 1 is the first week with at least four days in the new
 * year, i.e. the week holding 4 January; they differ only in the first day of the week:
 * - `mmwr` (the US CDC's MMWR weeks): Sunday to Saturday;
 * - `iso` (ISO 8601): Monday to Sunday.
 * The year of a week is the year its fourth day (Wednesday, or Thursday for ISO) falls in, so
 * 2024-12-29 is in MMWR week 2025-W01 and 2021-01-01 is in ISO week 2020-W53.
 */
import type { EpiWeekSystem } from '../config/transform-schema.js';
import { daysFromCivil, weekday, ymdFromDays, ymdYear } from './calendar.js';

/** Weekday (0 = Sunday) each system's weeks start on. */
const FIRST_DAY: Record<EpiWeekSystem, number> = { mmwr: 0, iso: 1 };

/** A function from day number to "YYYY-Www" in one system. */
export function epiWeekOf(system: EpiWeekSystem): (day: number) => string {
  const first = FIRST_DAY[system];
  // Rows come in key order, which is mostly date order: the previous day's answer is often reused.
  let lastDay = NaN;
  let lastWeek = '';
  return (day) => {
    if (day === lastDay) return lastWeek;
    lastDay = day;
    lastWeek = weekText(day, first);
    return lastWeek;
  };
}

function weekText(day: number, first: number): string {
  const start = day - ((weekday(day) - first + 7) % 7);
  const middle = start + 3;
  const year = ymdYear(ymdFromDays(middle));
  const week = Math.floor((middle - daysFromCivil(year, 1, 1)) / 7) + 1;
  return `${String(year).padStart(4, '0')}-W${week < 10 ? '0' : ''}${week}`;
}
