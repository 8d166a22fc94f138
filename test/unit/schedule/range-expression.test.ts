import { describe, expect, it } from 'vitest';
import {
  parseRangeExpression,
  resolveRangeExpression,
  type RangeExpression,
} from '../../../src/extract/range-expression.js';

function resolve(text: string, now: string, timeZone = 'Asia/Singapore'): string {
  const expr = parseRangeExpression(text) as RangeExpression;
  expect(expr, text).toBeDefined();
  const r = resolveRangeExpression(expr, new Date(now), timeZone);
  return `${r.start}..${r.end}`;
}

describe('range expressions', () => {
  it('takes "today" in the job’s zone: Singapore is already tomorrow at 16:30 UTC', () => {
    const now = '2025-01-01T16:30:00Z'; // 00:30 on 2 January in Singapore
    expect(resolve('today', now)).toBe('2025-01-02..2025-01-02');
    expect(resolve('yesterday', now)).toBe('2025-01-01..2025-01-01');
    expect(resolve('today', now, 'UTC')).toBe('2025-01-01..2025-01-01');
    expect(resolve('yesterday', now, 'UTC')).toBe('2024-12-31..2024-12-31');
    // One minute before Singapore midnight, both zones agree on the date.
    expect(resolve('yesterday', '2025-01-01T15:59:00Z')).toBe('2024-12-31..2024-12-31');
  });

  it('last-N-days ends yesterday, across month and year ends', () => {
    expect(resolve('last-7-days', '2025-03-01T10:00:00+08:00')).toBe('2025-02-22..2025-02-28');
    expect(resolve('last-7-days', '2024-03-01T10:00:00+08:00')).toBe('2024-02-23..2024-02-29');
    expect(resolve('last-1-day', '2025-01-01T10:00:00+08:00')).toBe('2024-12-31..2024-12-31');
    expect(resolve('last-30-days', '2025-01-10T10:00:00+08:00')).toBe('2024-12-11..2025-01-09');
  });

  it('previous-month is the whole calendar month, leap years included', () => {
    expect(resolve('previous-month', '2024-03-15T10:00:00+08:00')).toBe('2024-02-01..2024-02-29');
    expect(resolve('previous-month', '2025-03-01T00:05:00+08:00')).toBe('2025-02-01..2025-02-28');
    expect(resolve('previous-month', '2025-01-01T00:05:00+08:00')).toBe('2024-12-01..2024-12-31');
    expect(resolve('previous-month', '2100-03-01T00:00:00Z', 'UTC')).toBe('2100-02-01..2100-02-28');
    expect(resolve('previous-month', '2000-03-31T00:00:00Z', 'UTC')).toBe('2000-02-01..2000-02-29');
    // The first of the month in Singapore is still the last day of the previous one in UTC.
    expect(resolve('previous-month', '2025-02-28T16:30:00Z')).toBe('2025-02-01..2025-02-28');
    expect(resolve('previous-month', '2025-02-28T16:30:00Z', 'UTC')).toBe('2025-01-01..2025-01-31');
  });

  it('weeks run Monday to Sunday, across the year boundary', () => {
    // 2025-01-01 is a Wednesday.
    expect(resolve('this-week', '2025-01-01T10:00:00+08:00')).toBe('2024-12-30..2025-01-01');
    expect(resolve('previous-week', '2025-01-01T10:00:00+08:00')).toBe('2024-12-23..2024-12-29');
    // On a Monday the previous week has just ended; on a Sunday the week is nearly over.
    expect(resolve('previous-week', '2025-01-06T10:00:00+08:00')).toBe('2024-12-30..2025-01-05');
    expect(resolve('this-week', '2025-01-05T10:00:00+08:00')).toBe('2024-12-30..2025-01-05');
  });

  it('month-to-date, year-to-date and previous-year', () => {
    expect(resolve('month-to-date', '2024-02-29T10:00:00+08:00')).toBe('2024-02-01..2024-02-29');
    expect(resolve('year-to-date', '2025-01-01T10:00:00+08:00')).toBe('2025-01-01..2025-01-01');
    expect(resolve('previous-year', '2025-06-15T10:00:00+08:00')).toBe('2024-01-01..2024-12-31');
  });

  it('an absolute range is itself, whatever the time', () => {
    expect(resolve('2024-02-01..2024-02-29', '2030-01-01T00:00:00Z')).toBe('2024-02-01..2024-02-29');
    expect(resolve('2025-01-01..2025-01-01', '2030-01-01T00:00:00Z')).toBe('2025-01-01..2025-01-01');
  });

  it.each([
    'last week',
    'last-0-days',
    'last-3661-days',
    'previous_month',
    '2025-02-30..2025-03-01',
    '2023-02-29..2023-03-01',
    '2025-02-01..2025-01-31',
    '2025-1-1..2025-01-31',
    '',
    'yesterday..today',
  ])('rejects %j', (text) => {
    expect(parseRangeExpression(text)).toBeUndefined();
  });
});
