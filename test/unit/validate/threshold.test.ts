import { describe, expect, it } from 'vitest';
import { allowedRows, impactOf, statusOf, worst } from '../../../src/validate/threshold.js';

describe('thresholds', () => {
  it('reads a count or a percentage of the denominator (rounded down)', () => {
    expect(allowedRows(5, 1000)).toBe(5);
    expect(allowedRows('1%', 1000)).toBe(10);
    expect(allowedRows('0.5%', 999)).toBe(4);
  });

  it('fails strictly above fail, warns strictly above warn', () => {
    expect(statusOf(0, 100, 0)).toBe('pass');
    expect(statusOf(1, 100, 0)).toBe('fail');
    expect(statusOf(3, 100, '5%', 2)).toBe('warn');
    expect(statusOf(2, 100, '5%', 2)).toBe('pass');
    expect(statusOf(6, 100, '5%', 2)).toBe('fail');
  });

  it('a failed check counts at its severity; warnings never outrank errors', () => {
    expect(impactOf({ status: 'fail', severity: 'critical' })).toBe('critical');
    expect(impactOf({ status: 'fail', severity: 'warn' })).toBe('warning');
    expect(impactOf({ status: 'fail', severity: 'info' })).toBe('ok');
    expect(impactOf({ status: 'warn', severity: 'critical' })).toBe('warning');
    expect(worst(['ok', 'warning', 'error', 'warning'])).toBe('error');
  });
});
