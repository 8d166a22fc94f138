import { describe, expect, it } from 'vitest';
import { compareDecimals, comparePositions, minusDuration } from '../../../src/extract/lookback.js';
import { t } from '../../../src/schema/column-types.js';

describe('lookback helpers', () => {
  it('orders decimal keys numerically, not as text', () => {
    expect(compareDecimals('10', '9')).toBe(1);
    expect(compareDecimals('-0.5', '0.25')).toBe(-1);
    expect(compareDecimals('1.50', '1.5')).toBe(0);
    expect(compareDecimals('.5', '0.4')).toBe(1);
    expect(compareDecimals('12345678901234567890.1', '12345678901234567890.09')).toBe(1);
  });

  it('compares positions cursor first, then key, across driver text forms', () => {
    const types = [t.timestamptz(), t.int64()];
    expect(
      comparePositions(['2025-01-01T00:00:00.000000Z', '5'], ['2025-01-01 00:00:00+00', '5'], types),
    ).toBe(0);
    expect(
      comparePositions(['2025-01-01T00:00:00.000001Z', '1'], ['2025-01-01 00:00:00+00', '9'], types),
    ).toBe(1);
    expect(
      comparePositions(['2025-01-01T00:00:00.000000Z', '10'], ['2025-01-01T00:00:00.000000Z', '9'], types),
    ).toBe(1);
  });

  it('subtracts the window from timestamp and date cursors, keeping microseconds', () => {
    expect(minusDuration('2025-01-01T00:30:00.123456Z', t.timestamptz(), 3_600_000)).toBe(
      '2024-12-31T23:30:00.123456Z',
    );
    expect(minusDuration('2025-03-01T00:00:00.000001', t.timestamp(), 60_000)).toBe(
      '2025-02-28T23:59:00.000001',
    );
    expect(minusDuration('2025-03-01', t.date(), 86_400_000)).toBe('2025-02-28');
  });
});
