/**
 * Cron → systemd `OnCalendar=`, from croner's parsed fields rather than the text, so lists,
 * ranges, steps and names all come out as explicit values. Two cron rules need care:
 * - Vixie cron runs when day-of-month OR day-of-week matches (both restricted, no `+`); one
 *   OnCalendar line means AND, so that case becomes two lines (a timer fires on either).
 * - croner's `L`, `W` and `#` have no general OnCalendar form (only a lone `L`, which is `~01`);
 *   for those the caller gets a reason instead of lines.
 */
import { cronPattern } from './cron.js';

export type CalendarTranslation = { ok: true; lines: string[] } | { ok: false; reason: string };

/** Cron's weekday numbers in systemd's order (Monday first), with systemd's names. */
const WEEK: [number, string][] = [
  [1, 'Mon'],
  [2, 'Tue'],
  [3, 'Wed'],
  [4, 'Thu'],
  [5, 'Fri'],
  [6, 'Sat'],
  [0, 'Sun'],
];

/** croner marks "every occurrence of this weekday in the month" with all six occurrence bits. */
const ANY_OCCURRENCE = 0b111111;

/** The OnCalendar= values for `cron` in `timeZone`. */
export function onCalendar(cron: string, timeZone: string): CalendarTranslation {
  const p = cronPattern(cron);
  if (p.lastWeekday || p.nearestWeekdays.some(Boolean))
    return { ok: false, reason: 'W (nearest weekday) has no OnCalendar equivalent' };
  const dow = p.dayOfWeek.map((v, i) => [i % 7, v] as const);
  if (dow.some(([, v]) => v !== 0 && v !== ANY_OCCURRENCE))
    return {
      ok: false,
      reason: '# and L on a weekday (nth or last weekday of the month) have no OnCalendar equivalent',
    };
  const days = indexes(p.day).map((d) => d + 1);
  if (p.lastDayOfMonth && days.length > 0)
    return { ok: false, reason: 'L combined with other days of the month has no OnCalendar equivalent' };

  const time = `${component(indexes(p.hour), 0, 23)}:${component(indexes(p.minute), 0, 59)}:00`;
  const month = component(
    indexes(p.month).map((m) => m + 1),
    1,
    12,
  );
  const dayPart = p.lastDayOfMonth ? `*-${month}~01` : `*-${month}-${component(days, 1, 31)}`;
  const weekdays = weekdayList(new Set(dow.filter(([, v]) => v !== 0).map(([d]) => d)));
  const line = (week: string | undefined, date: string) =>
    `${week ? `${week} ` : ''}${date} ${time} ${timeZone}`;

  if (p.starDOW) return { ok: true, lines: [line(undefined, dayPart)] };
  if (p.starDOM) return { ok: true, lines: [line(weekdays, `*-${month}-*`)] };
  if (p.useAndLogic) return { ok: true, lines: [line(weekdays, dayPart)] };
  return { ok: true, lines: [line(weekdays, `*-${month}-*`), line(undefined, dayPart)] };
}

function indexes(flags: ArrayLike<number>): number[] {
  return Array.from(flags, (v, i) => (v ? i : -1)).filter((i) => i >= 0);
}

/** `*`, `A/step`, or a list of values and `A..B` ranges, zero-padded to two digits. */
function component(values: number[], min: number, max: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (values.length === max - min + 1) return '*';
  if (values.length >= 3) {
    const step = values[1]! - values[0]!;
    const even = values.every((v, i) => v === values[0]! + i * step);
    if (even && step > 1 && values.at(-1)! + step > max) return `${pad(values[0]!)}/${step}`;
  }
  return runs(values)
    .map(([a, b]) => (a === b ? pad(a) : b === a + 1 ? `${pad(a)},${pad(b)}` : `${pad(a)}..${pad(b)}`))
    .join(',');
}

/** Consecutive runs of sorted values, as [first, last] pairs. */
function runs(values: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out.at(-1);
    if (last && v === last[1] + 1) last[1] = v;
    else out.push([v, v]);
  }
  return out;
}

/** "Mon..Fri", "Sat,Sun", "Mon,Wed,Fri" in Monday-first order. */
function weekdayList(days: Set<number>): string {
  const positions = WEEK.map(([d], i) => (days.has(d) ? i : -1)).filter((i) => i >= 0);
  return runs(positions)
    .map(([a, b]) =>
      a === b
        ? WEEK[a]![1]
        : b === a + 1
          ? `${WEEK[a]![1]},${WEEK[b]![1]}`
          : `${WEEK[a]![1]}..${WEEK[b]![1]}`,
    )
    .join(',');
}
