/**
 * Epidemiological weeks against hand-checked calendars and against a brute-force oracle that
 * follows the definition literally (find the first week with four days in the year, count weeks).
 */
import { describe, expect, it } from 'vitest';
import type { EpiWeekSystem } from '../../../src/config/transform-schema.js';
import { dayOfText, daysFromCivil, formatDay, weekday } from '../../../src/transform/calendar.js';
import { epiWeekOf } from '../../../src/transform/epi-week.js';

const mmwr = epiWeekOf('mmwr');
const iso = epiWeekOf('iso');
const day = (text: string): number => dayOfText(text);

/** The first day of week 1 of `year`: the first week (from `first`) with at least 4 days in the year. */
function week1Start(year: number, first: number): number {
  for (let d = daysFromCivil(year, 1, 1) - 6; ; d++) {
    if (weekday(d) !== first) continue;
    let inYear = 0;
    for (let k = 0; k < 7; k++) if (formatDay(d + k).startsWith(String(year))) inYear++;
    if (inYear >= 4) return d;
  }
}

function oracle(d: number, first: number): string {
  const year = Number(formatDay(d).slice(0, 4));
  for (const y of [year + 1, year, year - 1]) {
    const start = week1Start(y, first);
    if (d >= start) return `${y}-W${String(Math.floor((d - start) / 7) + 1).padStart(2, '0')}`;
  }
  throw new Error('unreachable');
}

describe('epi weeks', () => {
  it('MMWR: hand-checked weeks around new year', () => {
    expect(mmwr(day('2024-12-28'))).toBe('2024-W52');
    expect(mmwr(day('2024-12-29'))).toBe('2025-W01'); // week 1 of 2025 starts on Sunday 29 Dec 2024
    expect(mmwr(day('2025-01-04'))).toBe('2025-W01');
    expect(mmwr(day('2025-01-05'))).toBe('2025-W02');
    expect(mmwr(day('2021-01-02'))).toBe('2020-W53'); // 2020 had 53 MMWR weeks
    expect(mmwr(day('2021-01-03'))).toBe('2021-W01');
    expect(mmwr(day('2022-01-01'))).toBe('2021-W52'); // a Saturday: 1 day of 2022 in that week
    expect(mmwr(day('2023-01-01'))).toBe('2023-W01');
    expect(mmwr(day('2023-12-31'))).toBe('2024-W01');
  });

  it('ISO 8601: hand-checked weeks including 53-week years', () => {
    expect(iso(day('2020-12-31'))).toBe('2020-W53');
    expect(iso(day('2021-01-03'))).toBe('2020-W53');
    expect(iso(day('2021-01-04'))).toBe('2021-W01');
    expect(iso(day('2008-12-29'))).toBe('2009-W01');
    expect(iso(day('2015-12-31'))).toBe('2015-W53');
    expect(iso(day('2026-01-01'))).toBe('2026-W01');
    expect(iso(day('2027-01-01'))).toBe('2026-W53');
    expect(iso(day('2025-06-15'))).toBe('2025-W24');
  });

  it('matches the definition for years starting on every weekday', () => {
    const weekdays = new Set<number>();
    const systems: [EpiWeekSystem, number, (d: number) => string][] = [
      ['mmwr', 0, mmwr],
      ['iso', 1, iso],
    ];
    for (let year = 2000; year <= 2030; year++) {
      const jan1 = daysFromCivil(year, 1, 1);
      weekdays.add(weekday(jan1));
      // The first and last ten days of each year, and every Sunday and Monday between.
      for (let d = jan1 - 10; d < jan1 + 375; d++) {
        if (d > jan1 + 10 && d < jan1 + 355 && weekday(d) > 1) continue;
        for (const [system, first, f] of systems) {
          const want = oracle(d, first);
          if (f(d) !== want) throw new Error(`${system} ${formatDay(d)}: ${f(d)} != ${want}`);
        }
      }
    }
    expect(weekdays.size).toBe(7);
  });
});
