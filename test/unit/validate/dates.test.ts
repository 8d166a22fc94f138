/**
 * The TZ matrix: "now" for date checks is taken in validation.timezone, whatever the process TZ.
 * The same instant is 2025-01-02 in Singapore and 2025-01-01 in New York.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { t } from '../../../src/schema/column-types.js';
import { dayEnd, dayStart, futureBound, parseableDate } from '../../../src/validate/dates.js';

const NOW = new Date('2025-01-01T17:30:00Z');
const original = process.env.TZ;
afterEach(() => {
  process.env.TZ = original;
});

describe.each(['UTC', 'Asia/Singapore', 'America/New_York'])('process TZ=%s', (tz) => {
  it('bounds not_future by the configured zone, not the process zone', () => {
    process.env.TZ = tz;
    expect(futureBound(t.date(), NOW, 0, 'Asia/Singapore')).toBe('2025-01-02');
    expect(futureBound(t.date(), NOW, 0, 'America/New_York')).toBe('2025-01-01');
    expect(futureBound(t.date(), NOW, 86_400_000, 'America/New_York')).toBe('2025-01-02');
    expect(futureBound(t.timestamp(), NOW, 0, 'Asia/Singapore')).toBe('2025-01-02T01:30:00.999999');
    expect(futureBound(t.timestamptz(), NOW, 0, 'Asia/Singapore')).toBe('2025-01-01T17:30:00.000000Z');
  });

  it('turns day bounds into instants of local midnight for UTC timestamps only', () => {
    process.env.TZ = tz;
    expect(dayStart('2025-01-01', t.date(), 'Asia/Singapore')).toBe('2025-01-01');
    expect(dayEnd('2025-01-01', t.timestamp(), 'Asia/Singapore')).toBe('2025-01-02');
    expect(dayStart('2025-01-01', t.timestamptz(), 'Asia/Singapore')).toBe('2024-12-31T16:00:00.000000Z');
    expect(dayEnd('2025-03-08', t.timestamptz(), 'America/New_York')).toBe('2025-03-09T05:00:00.000000Z');
  });
});

describe('parseableDate', () => {
  it('accepts ISO dates and timestamps of real days only', () => {
    expect(parseableDate('2024-02-29')).toBe(true);
    expect(parseableDate('2025-02-29')).toBe(false);
    expect(parseableDate('2025-01-01T10:00:00.123456Z')).toBe(true);
    expect(parseableDate('2025-01-01 10:00')).toBe(true);
    expect(parseableDate('01/02/2025')).toBe(false);
    expect(parseableDate('2025-13-01')).toBe(false);
  });
});
