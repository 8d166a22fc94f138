import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../../src/db/dialect.js';
import { mysqlDialect } from '../../../src/db/dialects/mysql/index.js';
import { postgresDialect } from '../../../src/db/dialects/postgres/index.js';
import { batchQuery } from '../../../src/extract/keyset.js';
import type { SourcePlan } from '../../../src/extract/plan.js';
import { evenBounds } from '../../../src/extract/split-bounds.js';
import { partsInKeyOrder, rangePlan, rangeFilter, type SplitRun } from '../../../src/extract/split.js';
import type { CommittedPartRecord } from '../../../src/extract/state.js';
import type { ColumnType } from '../../../src/schema/column-types.js';

const int64: ColumnType = { kind: 'int64' };

describe('even boundaries between the ends of a key', () => {
  it('cuts an integer key into ranges of equal width', () => {
    expect(evenBounds('1', '101', 4, int64)).toEqual(['26', '51', '76']);
    expect(evenBounds('1', '100', 4, int64)).toEqual(['26', '51', '76']);
    expect(evenBounds(0, 10, 2, { kind: 'int32' })).toEqual(['5']);
  });

  it('is exact beyond 2^53 and below zero', () => {
    expect(evenBounds('9007199254740993', '9007199254741001', 2, int64)).toEqual(['9007199254740997']);
    expect(evenBounds('-10', '-1', 3, int64)).toEqual(['-7', '-4']);
  });

  it('gives fewer ranges (never an empty one) when the key space is narrow', () => {
    expect(evenBounds('1', '3', 8, int64)).toEqual(['2', '3']);
    expect(evenBounds('5', '5', 4, int64)).toEqual([]);
    expect(evenBounds('1', '2', 4, int64)).toEqual(['2']);
  });

  it('keeps decimals at their scale', () => {
    const decimal: ColumnType = { kind: 'decimal', precision: 10, scale: 2 };
    expect(evenBounds('0.00', '1.00', 4, decimal)).toEqual(['0.25', '0.50', '0.75']);
    expect(evenBounds('-1.5', '1.5', 2, decimal)).toEqual(['0.00']);
    expect(evenBounds('0.01', '0.03', 4, decimal)).toEqual(['0.02', '0.03']);
    expect(evenBounds('0.01', '0.02', 4, decimal)).toEqual(['0.02']);
  });

  it('cuts dates into whole days', () => {
    expect(evenBounds('2025-01-01', '2025-01-31', 3, { kind: 'date' })).toEqual(['2025-01-11', '2025-01-21']);
  });

  it('cuts timestamps at the column precision, with Z for UTC columns only', () => {
    const utc: ColumnType = { kind: 'timestamp', tz: 'utc', precision: 6 };
    expect(evenBounds('2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:01.000000Z', 4, utc)).toEqual([
      '2025-01-01T00:00:00.250000Z',
      '2025-01-01T00:00:00.500000Z',
      '2025-01-01T00:00:00.750000Z',
    ]);
    const seconds: ColumnType = { kind: 'timestamp', tz: 'naive', precision: 0 };
    expect(evenBounds('2025-01-01T00:00:00', '2025-01-01T00:00:10', 4, seconds)).toEqual([
      '2025-01-01T00:00:02',
      '2025-01-01T00:00:05',
      '2025-01-01T00:00:07',
    ]);
    const ms: ColumnType = { kind: 'timestamp', tz: 'naive', precision: 3 };
    expect(evenBounds('1969-12-31T23:59:59.999', '1970-01-01T00:00:00.001', 2, ms)).toEqual([
      '1970-01-01T00:00:00.000',
    ]);
  });

  it('does not split text, booleans, NULLs or unreadable values', () => {
    expect(evenBounds('a', 'z', 4, { kind: 'string' })).toEqual([]);
    expect(evenBounds(false, true, 2, { kind: 'boolean' })).toEqual([]);
    expect(evenBounds(null, '10', 2, int64)).toEqual([]);
    expect(evenBounds('0050-01-01', '2025-01-01', 2, { kind: 'date' })).toEqual([]);
  });

  it('splits doubles', () => {
    expect(evenBounds(0, 1, 4, { kind: 'float64' })).toEqual(['0.25', '0.5', '0.75']);
  });
});

const plan = {
  name: 'events',
  mode: 'full',
  columns: [{ name: 'id', type: int64, nullable: false }],
  template: { sql: 'SELECT id FROM events', bindings: [] },
  filters: [{ sql: 'q."day" >= ?', bindings: ['2025-01-01'] }],
  orderColumns: ['id'],
  orderTypes: [int64],
  batchSize: 10,
} as SourcePlan;
const split: SplitRun = { column: 'id', bounds: ['100', '200'], ranges: [{}, {}, {}], next_part: 0 };

describe('key range filters', () => {
  it('leaves the first range without a lower bound and the last without an upper one', () => {
    const pg = postgresDialect as unknown as Dialect;
    expect(rangeFilter(pg, plan, split, 0)).toEqual({ sql: 'q."id" < ?', bindings: ['100'] });
    expect(rangeFilter(pg, plan, split, 1)).toEqual({
      sql: '(q."id" >= ? AND q."id" < ?)',
      bindings: ['100', '200'],
    });
    expect(rangeFilter(pg, plan, split, 2)).toEqual({ sql: 'q."id" >= ?', bindings: ['200'] });
  });

  it('binds boundaries as the dialect binds keys (MySQL: integers as BigInt)', () => {
    const my = mysqlDialect as unknown as Dialect;
    expect(rangeFilter(my, plan, split, 1).bindings).toEqual([100n, 200n]);
  });

  it('is a filter of the keyset statement, before the position and ORDER BY', () => {
    const pg = postgresDialect as unknown as Dialect;
    const q = batchQuery(pg, rangePlan(pg, plan, split, 1), ['150']);
    expect(q.sql).toBe(
      'SELECT * FROM (SELECT id FROM events) q WHERE q."day" >= ? AND (q."id" >= ? AND q."id" < ?) AND (q."id" > ?) ORDER BY q."id" LIMIT 10',
    );
    expect(q.bindings).toEqual(['2025-01-01', '100', '200', '150']);
  });
});

describe('parts in key order', () => {
  const part = (file: string, range?: number, index?: number): CommittedPartRecord => ({
    files: [file],
    rows: 1,
    bytes: [1],
    sha256: ['x'],
    ...(range !== undefined ? { range, index } : {}),
  });

  it('sorts a split run by range, then index', () => {
    const parts = [part('p3', 1, 3), part('p0', 0, 0), part('p1', 2, 1), part('p2', 0, 2), part('p4', 1, 4)];
    expect(partsInKeyOrder(parts).map((p) => p.files[0])).toEqual(['p0', 'p2', 'p3', 'p4', 'p1']);
  });

  it('leaves an unsplit run as committed', () => {
    const parts = [part('b'), part('a')];
    expect(partsInKeyOrder(parts).map((p) => p.files[0])).toEqual(['b', 'a']);
  });
});
