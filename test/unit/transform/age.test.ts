import { describe, expect, it } from 'vitest';
import { completedYears } from '../../../src/transform/age.js';
import { ymdOfText } from '../../../src/transform/calendar.js';

const age = (birth: string, at: string): number => completedYears(ymdOfText(birth), ymdOfText(at));

describe('completedYears', () => {
  it('counts a year on the birthday, not the day before', () => {
    expect(age('1990-06-15', '2025-06-14')).toBe(34);
    expect(age('1990-06-15', '2025-06-15')).toBe(35);
    expect(age('1990-06-15', '2025-06-16')).toBe(35);
    expect(age('2025-01-01', '2025-01-01')).toBe(0);
    expect(age('2024-12-31', '2025-12-30')).toBe(0);
    expect(age('2024-12-31', '2025-12-31')).toBe(1);
  });

  it('completes a 29 February birthday on 28 February in common years', () => {
    expect(age('2000-02-29', '2001-02-27')).toBe(0);
    expect(age('2000-02-29', '2001-02-28')).toBe(1);
    expect(age('2000-02-29', '2001-03-01')).toBe(1);
    expect(age('2000-02-29', '2004-02-28')).toBe(3); // leap year: the 29th exists
    expect(age('2000-02-29', '2004-02-29')).toBe(4);
    expect(age('2000-02-29', '2100-02-28')).toBe(100); // 2100 is not a leap year
  });

  it('handles month ends and a 28 February birthday in a leap year', () => {
    expect(age('1999-02-28', '2000-02-28')).toBe(1);
    expect(age('1999-02-28', '2000-02-27')).toBe(0);
    expect(age('1980-01-31', '2025-01-30')).toBe(44);
    expect(age('1980-01-31', '2025-01-31')).toBe(45);
    expect(age('1980-03-31', '2025-04-30')).toBe(45);
    expect(age('1980-12-31', '2025-01-01')).toBe(44);
  });

  it('is -1 when the date is before birth', () => {
    expect(age('2025-01-02', '2025-01-01')).toBe(-1);
  });
});
