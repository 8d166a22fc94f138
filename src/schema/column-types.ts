/**
 * The canonical column-type model. Every batch carries a `ColumnSpec[]` derived from the
 * source's result metadata; validation and the writers read types from here and never guess
 * them from JavaScript values.
 *
 * Value representation inside a batch (one JS shape per kind, chosen for exactness):
 * - int32, float64: number
 * - int64: decimal string ("9007199254740993") — never through a double
 * - decimal: exact decimal string ("12345678901234567890.123456")
 * - boolean: boolean
 * - string, json: string
 * - date: "YYYY-MM-DD"
 * - timestamp naive: "YYYY-MM-DDTHH:MM:SS[.ffffff]" (wall-clock, no zone)
 * - timestamp utc: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"
 * - binary: Uint8Array
 * - null for SQL NULL, in every kind
 */
export type ColumnType =
  | { kind: 'int32' }
  | { kind: 'int64' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'float64' }
  | { kind: 'boolean' }
  | { kind: 'string' }
  | { kind: 'date' }
  | { kind: 'timestamp'; tz: 'naive' | 'utc'; precision: number }
  | { kind: 'binary' }
  | { kind: 'json' };

export type ColumnKind = ColumnType['kind'];

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export type CellValue = string | number | boolean | Uint8Array | null;
export type Row = CellValue[];

/** A slice of extracted rows in column order, with the schema that describes them. */
export interface RowBatch {
  columns: ColumnSpec[];
  rows: Row[];
}

export const t = {
  int32: (): ColumnType => ({ kind: 'int32' }),
  int64: (): ColumnType => ({ kind: 'int64' }),
  decimal: (precision: number, scale: number): ColumnType => ({ kind: 'decimal', precision, scale }),
  float64: (): ColumnType => ({ kind: 'float64' }),
  boolean: (): ColumnType => ({ kind: 'boolean' }),
  string: (): ColumnType => ({ kind: 'string' }),
  date: (): ColumnType => ({ kind: 'date' }),
  timestamp: (precision = 6): ColumnType => ({ kind: 'timestamp', tz: 'naive', precision }),
  timestamptz: (precision = 6): ColumnType => ({ kind: 'timestamp', tz: 'utc', precision }),
  binary: (): ColumnType => ({ kind: 'binary' }),
  json: (): ColumnType => ({ kind: 'json' }),
};

export function describeType(type: ColumnType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'timestamp':
      return `timestamp(${type.precision}) ${type.tz === 'utc' ? 'UTC' : 'naive'}`;
    default:
      return type.kind;
  }
}
