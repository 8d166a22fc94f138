/** Which column changes a merge accepts: added columns yes; a changed stored type or a lost column no. */
import { describe, expect, it } from 'vitest';
import { SchemaChanged } from '../../../src/load/errors.js';
import { checkSameKey, fitSchema } from '../../../src/load/schema-change.js';
import { duckdbType } from '../../../src/load/sql.js';
import { t, type ColumnSpec } from '../../../src/schema/column-types.js';

const base: ColumnSpec[] = [
  { name: 'id', type: t.int64(), nullable: false },
  { name: 'fee', type: t.decimal(12, 2), nullable: false },
  { name: 'at', type: t.timestamp(6), nullable: true },
];

describe('fitSchema', () => {
  it('accepts an added column (nullable: old rows have none) and types stored alike', () => {
    const next: ColumnSpec[] = [
      { name: 'id', type: t.int64(), nullable: false },
      { name: 'fee', type: t.decimal(12, 2), nullable: true },
      { name: 'at', type: t.timestamp(3), nullable: true },
      { name: 'note', type: t.string(), nullable: false },
    ];
    const fit = fitSchema('s', base, next);
    expect(fit.added).toEqual(['note']);
    expect(fit.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['fee', true],
      ['at', true],
      ['note', true],
    ]);
  });

  it('rejects a type change naming the column, with a full-refresh hint', () => {
    const next = base.map((c) => (c.name === 'fee' ? { ...c, type: t.decimal(14, 2) } : c));
    let error: unknown;
    try {
      fitSchema('attendances', base, next);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaChanged);
    expect((error as SchemaChanged).column).toBe('fee');
    expect((error as SchemaChanged).message).toBe(
      'column fee of dataset attendances changed type: decimal(12,2) in the dataset, decimal(14,2) in the increment',
    );
    expect((error as SchemaChanged).hint).toContain('moh-etl run --sources attendances --mode full');
  });

  it('rejects a column that went away', () => {
    expect(() => fitSchema('s', base, base.slice(0, 2))).toThrow(/column at of dataset s is missing/);
  });
});

describe('duckdbType', () => {
  it('maps the canonical types to the DuckDB types that write the project’s Parquet types', () => {
    expect(
      [
        t.int32(),
        t.int64(),
        t.decimal(9, 2),
        t.decimal(38, 6),
        t.decimal(40, 2),
        t.float64(),
        t.boolean(),
        t.string(),
        t.json(),
        t.date(),
        t.timestamp(),
        t.timestamptz(3),
        t.binary(),
      ].map(duckdbType),
    ).toEqual([
      'INTEGER',
      'BIGINT',
      'DECIMAL(9,2)',
      'DECIMAL(38,6)',
      'VARCHAR',
      'DOUBLE',
      'BOOLEAN',
      'VARCHAR',
      'VARCHAR',
      'DATE',
      'TIMESTAMP',
      'TIMESTAMPTZ',
      'BLOB',
    ]);
  });
});

describe('checkSameKey', () => {
  it('refuses a merge on another primary key', () => {
    expect(() => checkSameKey('s', ['id'], ['id'])).not.toThrow();
    expect(() => checkSameKey('s', ['id'], ['id', 'line'])).toThrow(
      "the primary key of dataset s is (id), the increment's is (id, line)",
    );
  });
});
