/** Partition schemes: the column checks, and Hive directory values read back from paths. */
import { describe, expect, it } from 'vitest';
import { LoadRejected } from '../../../src/load/errors.js';
import { partitionOfPath, resolvePartitioning } from '../../../src/load/partition.js';
import { t, type ColumnSpec } from '../../../src/schema/column-types.js';

const columns: ColumnSpec[] = [
  { name: 'id', type: t.int64(), nullable: false },
  { name: 'visit_date', type: t.date(), nullable: true },
  { name: 'fee', type: t.float64(), nullable: true },
];

describe('resolvePartitioning', () => {
  it('builds the SQL of the partition value per granularity', () => {
    const month = resolvePartitioning(
      { column: 'visit_date', granularity: 'month', name: 'visit_month' },
      columns,
    )!;
    expect(month.value()).toBe(`strftime("visit_date", '%Y-%m')`);
    expect(month.value('c')).toBe(`strftime(c."visit_date", '%Y-%m')`);
    const value = resolvePartitioning({ column: 'id', granularity: 'value' }, columns)!;
    expect(value.config.name).toBe('id_value');
    expect(value.value()).toBe('CAST("id" AS VARCHAR)');
    expect(resolvePartitioning(undefined, columns)).toBeUndefined();
  });

  it('rejects a missing column, a kind the granularity cannot take, and a key that is a column', () => {
    expect(() => resolvePartitioning({ column: 'nope', granularity: 'day' }, columns)).toThrow(LoadRejected);
    expect(() => resolvePartitioning({ column: 'fee', granularity: 'value' }, columns)).toThrow(
      /needs a .* column; fee is float64/,
    );
    expect(() => resolvePartitioning({ column: 'id', granularity: 'month' }, columns)).toThrow(/id is int64/);
    expect(() =>
      resolvePartitioning({ column: 'visit_date', granularity: 'day', name: 'id' }, columns),
    ).toThrow(/also a column/);
  });
});

describe('partitionOfPath', () => {
  it('decodes DuckDB’s escaped values and the NULL partition', () => {
    expect(partitionOfPath('visit_month=2025-01/part-1.parquet', 'visit_month')).toBe('2025-01');
    expect(partitionOfPath('k=a%2Fb%3Dc/part-1.parquet', 'k')).toBe('a/b=c');
    expect(partitionOfPath('k=x%20y%25/part-1.parquet', 'k')).toBe('x y%');
    expect(partitionOfPath('k=/part-1.parquet', 'k')).toBe('');
    expect(partitionOfPath('k=__HIVE_DEFAULT_PARTITION__/part-1.parquet', 'k')).toBeNull();
    expect(partitionOfPath('part-1.parquet', 'k')).toBeUndefined();
  });
});
