/**
 * SQLite has no column types, only declared type names and storage classes. We read the declared
 * type of each result column (better-sqlite3's `columns()`) and map it to the canonical model;
 * values are then made exact per column. Integers arrive as BigInt (safe-integer mode), so ids
 * beyond 2^53 survive.
 */
import type { CellValue, ColumnType } from '../../../schema/column-types.js';
import { t } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';

/** Canonical type for a declared SQLite column type; undefined declared type (an expression) is text. */
export function sqliteColumnType(declared: string | null): ColumnType {
  const d = (declared ?? '').toUpperCase();
  // DECIMAL_TEXT(p,s) has TEXT affinity (it contains "TEXT"), so SQLite keeps every digit; plain
  // DECIMAL(p,s) has NUMERIC affinity and rounds values beyond 15 significant digits to a double.
  const decimal = /^(?:DECIMAL|NUMERIC)(?:_TEXT)?\s*\(\s*(\d+)\s*(?:,\s*(\d+))?\s*\)/.exec(d);
  if (decimal) return t.decimal(Number(decimal[1]), Number(decimal[2] ?? 0));
  if (/^(BIGINT|INT8|INTEGER)$/.test(d)) return t.int64();
  if (/INT/.test(d)) return t.int32();
  if (/^(BOOL|BOOLEAN)$/.test(d)) return t.boolean();
  if (/^(TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE|DATETIMETZ)$/.test(d)) return t.timestamptz();
  if (/^(TIMESTAMP|DATETIME)/.test(d)) return t.timestamp();
  if (d === 'DATE') return t.date();
  if (/REAL|FLOA|DOUB/.test(d)) return t.float64();
  if (/BLOB/.test(d)) return t.binary();
  if (/JSON/.test(d)) return t.json();
  if (/^(DECIMAL|NUMERIC)$/.test(d)) return t.decimal(38, 10);
  return t.string();
}

export type Converter = (value: unknown) => CellValue;

const asString = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : String(v));

/** A per-column function from the driver's value to the canonical representation. */
export function sqliteConverter(type: ColumnType): Converter {
  switch (type.kind) {
    case 'int64':
      return (v) => (v === null ? null : asString(v));
    case 'int32':
      return (v) => (v === null ? null : Number(v));
    case 'float64':
      return (v) => (v === null ? null : Number(v));
    case 'boolean':
      return (v) => (v === null ? null : v === 1 || v === 1n || v === '1' || v === 'true' || v === true);
    case 'decimal': {
      // A DECIMAL column has NUMERIC affinity, so SQLite keeps the value as REAL (or INTEGER).
      // For precision <= 15 the nearest double formatted at the column's scale is the exact
      // decimal that was stored; text values (precision > 15 stored as TEXT) pass through.
      const scale = type.scale;
      return (v) => {
        if (v === null) return null;
        if (typeof v === 'number') return v.toFixed(scale);
        if (typeof v === 'bigint') return scale > 0 ? `${v.toString()}.${'0'.repeat(scale)}` : v.toString();
        return typeof v === 'string' ? v : asString(v);
      };
    }
    case 'timestamp':
      return (v) => (v === null ? null : canonicalTimestamp(asString(v), type.precision, type.tz === 'utc'));
    case 'date':
      return (v) => (v === null ? null : asString(v).slice(0, 10));
    case 'binary':
      return (v) => (v === null ? null : v instanceof Uint8Array ? v : Buffer.from(asString(v)));
    default:
      return (v) => (v === null ? null : asString(v));
  }
}
