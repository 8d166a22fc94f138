/**
 * Age in completed years, on integers only.
 *
 * A 29 February birthday completes a year on 28 February in common years: the birthday is taken as
 * the last day of February when February has no 29th. (Some jurisdictions say 1 March instead, and
 * PostgreSQL's `age()` agrees with them; a cross-check against it differs only for those births on
 * 28 February of a common year.) We chose 28 February because an age used for eligibility
 * ("aged 65 and over") should not lag a day behind a person's own reckoning.
 */
import { isLeapYear, ymdDay, ymdMonth, ymdYear } from './calendar.js';

/** Completed years from `birth` to `at` (both `yyyymmdd`); -1 when `at` is before `birth`. */
export function completedYears(birth: number, at: number): number {
  // yyyymmdd integers order like the dates they stand for.
  if (at < birth) return -1;
  const year = ymdYear(at);
  const birthMonth = ymdMonth(birth);
  let birthDay = ymdDay(birth);
  if (birthMonth === 2 && birthDay === 29 && !isLeapYear(year)) birthDay = 28;
  const month = ymdMonth(at);
  const beforeBirthday = month < birthMonth || (month === birthMonth && ymdDay(at) < birthDay);
  return year - ymdYear(birth) - (beforeBirthday ? 1 : 0);
}
