/**
 * Day numbers against an independent oracle: Date.UTC (fine in a test: the code under test must not
 * use it, a test may). Every day from 1600 to 2400 round-trips, and the text reader rejects every
 * impossible day.
 */
import { describe, expect, it } from 'vitest';
import {
  dayOfText,
  daysFromCivil,
  formatDay,
  weekday,
  ymdFromDays,
} from '../../../src/transform/calendar.js';

const DAY_MS = 86_400_000;
const oracle = (y: number, m: number, d: number): number => {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return Math.round(date.getTime() / DAY_MS);
};

describe('calendar', () => {
  it('matches Date.UTC for every day from 1600 to 2400 both ways', () => {
    const first = oracle(1600, 1, 1);
    const last = oracle(2400, 12, 31);
    for (let n = first; n <= last; n++) {
      const d = new Date(n * DAY_MS);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth() + 1;
      const day = d.getUTCDate();
      if (daysFromCivil(y, m, day) !== n) throw new Error(`daysFromCivil ${y}-${m}-${day}`);
      if (ymdFromDays(n) !== y * 10_000 + m * 100 + day) throw new Error(`ymdFromDays ${n}`);
      if (weekday(n) !== d.getUTCDay()) throw new Error(`weekday ${n}`);
    }
    expect(formatDay(first)).toBe('1600-01-01');
    expect(formatDay(last)).toBe('2400-12-31');
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
  });

  it('reads real days only', () => {
    expect(dayOfText('2024-02-29')).toBe(oracle(2024, 2, 29));
    expect(dayOfText('2000-02-29')).toBe(oracle(2000, 2, 29));
    expect(dayOfText('2025-01-06T08:00:00.000000Z')).toBe(oracle(2025, 1, 6));
    expect(dayOfText('0001-01-01')).toBe(oracle(1, 1, 1));
    for (const bad of [
      '2025-02-29',
      '1900-02-29',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '0000-01-01',
      '2025/01/01',
      '25-01-01',
      '2025-1-01',
      '',
      'yyyy-mm-dd',
      '２０２５-01-01',
    ]) {
      expect(dayOfText(bad), bad).toBeNaN();
    }
  });
});
