import { describe, expect, it } from 'vitest';
import { sqliteDialect } from '../../../src/db/dialects/sqlite/index.js';
import { mysqlDialect } from '../../../src/db/dialects/mysql/index.js';
import type { Dialect } from '../../../src/db/dialect.js';
import { addDays, dateRangeFilter, todayIn, zonedMidnightUtc } from '../../../src/extract/date-range.js';
import { t } from '../../../src/schema/column-types.js';

const sqlite = sqliteDialect as unknown as Dialect;

describe('date ranges', () => {
  it('makes the end date inclusive with a half-open upper bound', () => {
    const f = dateRangeFilter(
      sqlite,
      'visit_date',
      t.date(),
      { start: '2025-01-01', end: '2025-01-31' },
      'Asia/Singapore',
    );
    expect(f.sql).toBe('(q."visit_date" >= ? AND q."visit_date" < ?)');
    expect(f.bindings).toEqual(['2025-01-01', '2025-02-01']);
  });

  it('converts local midnight to UTC instants for a UTC timestamp column', () => {
    const f = dateRangeFilter(
      sqlite,
      'created_at',
      t.timestamptz(),
      { start: '2025-01-01', end: '2025-01-31' },
      'Asia/Singapore',
    );
    expect(f.bindings).toEqual(['2024-12-31T16:00:00.000000Z', '2025-01-31T16:00:00.000000Z']);
    const my = dateRangeFilter(
      mysqlDialect,
      'created_at',
      t.timestamptz(),
      { start: '2025-01-01', end: '2025-01-01' },
      'Asia/Singapore',
    );
    expect(my.bindings).toEqual(['2024-12-31 16:00:00.000000', '2025-01-01 16:00:00.000000']);
  });

  it('keeps naive (wall-clock) timestamps in local dates', () => {
    const f = dateRangeFilter(
      sqlite,
      'arrival_time',
      t.timestamp(),
      { start: '2025-03-01', end: '2025-03-02' },
      'Asia/Singapore',
    );
    expect(f.bindings).toEqual(['2025-03-01', '2025-03-03']);
  });

  it('handles DST boundaries (New York, spring forward and fall back)', () => {
    expect(zonedMidnightUtc('2025-03-09', 'America/New_York')).toBe('2025-03-09T05:00:00.000000Z');
    expect(zonedMidnightUtc('2025-03-10', 'America/New_York')).toBe('2025-03-10T04:00:00.000000Z');
    expect(zonedMidnightUtc('2025-11-02', 'America/New_York')).toBe('2025-11-02T04:00:00.000000Z');
    expect(zonedMidnightUtc('2025-11-03', 'America/New_York')).toBe('2025-11-03T05:00:00.000000Z');
    expect(zonedMidnightUtc('2025-06-01', 'UTC')).toBe('2025-06-01T00:00:00.000000Z');
  });

  it('adds days across month and leap-year ends, and tells today in a zone', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(todayIn('Asia/Singapore', new Date('2025-01-31T16:30:00Z'))).toBe('2025-02-01');
    expect(todayIn('UTC', new Date('2025-01-31T16:30:00Z'))).toBe('2025-01-31');
  });
});
