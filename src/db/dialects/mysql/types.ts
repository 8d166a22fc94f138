/**
 * MySQL/MariaDB result metadata (mysql2 field packets) to canonical types. The connection is set
 * up so values are already exact text: dateStrings, bigNumberStrings, decimals as strings, session
 * time_zone '+00:00'. DATETIME is a wall-clock value (naive); TIMESTAMP is stored in UTC.
 */
import type { CellValue, ColumnType } from '../../../schema/column-types.js';
import { t } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';

// mysql2's Types constants (protocol column types).
export const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
} as const;
const UNSIGNED_FLAG = 32;
/** Numbers printed with leading zeros to the display width (`INT(5) ZEROFILL` → "00042"; YEAR 0 → "0000"). */
export const ZEROFILL_FLAG = 64;
export const BINARY_CHARSET = 63;

export interface MysqlField {
  name: string;
  columnType: number;
  columnLength: number;
  decimals: number;
  flags: number;
  characterSet?: number;
  /** The Node encoding mysql2 decodes this column's text with ('utf8' for utf8mb4). */
  encoding?: string;
}

export function mysqlColumnType(f: MysqlField): ColumnType {
  const unsigned = (f.flags & UNSIGNED_FLAG) !== 0;
  switch (f.columnType) {
    case T.TINY:
      // TINYINT(1) is MySQL's BOOLEAN.
      return f.columnLength === 1 ? t.boolean() : t.int32();
    case T.SHORT:
    case T.INT24:
    case T.YEAR:
      return t.int32();
    case T.LONG:
      return unsigned ? t.int64() : t.int32();
    case T.LONGLONG:
      // BIGINT UNSIGNED exceeds int64; keep it exact as a decimal.
      return unsigned ? t.decimal(20, 0) : t.int64();
    case T.DECIMAL:
    case T.NEWDECIMAL: {
      const scale = f.decimals;
      const precision = f.columnLength - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
      return t.decimal(precision, scale);
    }
    case T.FLOAT:
    case T.DOUBLE:
      return t.float64();
    case T.DATE:
    case T.NEWDATE:
      return t.date();
    case T.DATETIME:
      return t.timestamp(f.decimals);
    case T.TIMESTAMP:
      return t.timestamptz(f.decimals);
    case T.JSON:
      return t.json();
    case T.BIT:
      return f.columnLength === 1 ? t.boolean() : t.binary();
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
    case T.VAR_STRING:
    case T.STRING:
      return f.characterSet === BINARY_CHARSET ? t.binary() : t.string();
    default:
      return t.string();
  }
}

type Converter = (v: unknown) => CellValue;

/**
 * Canonical value of a mysql2 row value (mysql2's own row parser: statements off the packet path,
 * see row-packets.ts). The packet path's rules (column-plan.ts) give the same values: a test
 * compares whole files from both.
 */
export function mysqlConverter(type: ColumnType, field?: MysqlField): Converter {
  const zerofill = field !== undefined && (field.flags & ZEROFILL_FLAG) !== 0;
  switch (type.kind) {
    case 'boolean':
      return (v) => (Buffer.isBuffer(v) ? v[0] === 1 : Number(v) !== 0);
    case 'int32':
    case 'float64':
      return (v) => Number(v);
    case 'int64':
    case 'decimal':
      return zerofill ? (v) => withoutLeadingZeros(String(v)) : (v) => String(v);
    case 'timestamp':
      return (v) => canonicalTimestamp(String(v), type.precision, type.tz === 'utc');
    case 'binary':
      return (v) => (v instanceof Uint8Array ? v : Buffer.from(String(v as string)));
    case 'json':
      return (v) => (typeof v === 'string' ? v : JSON.stringify(v));
    default:
      return (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }
}

/** "00042" → "42", "0000.50" → "0.50", "0000" → "0": a ZEROFILL column's number as it is written elsewhere. */
export function withoutLeadingZeros(text: string): string {
  let k = 0;
  while (k < text.length - 1 && text.charCodeAt(k) === 48 && text.charCodeAt(k + 1) !== 46) k++;
  return k === 0 ? text : text.slice(k);
}

/**
 * mysql2's `typeCast` for its own row parser: FLOAT and DOUBLE as the server's text, which the
 * converter turns into a number with `Number`. mysql2 parses short floats digit by digit, which
 * rounds differently from `Number` for some 16- and 17-digit values (9.007199254740993).
 */
export function floatsAsText(
  field: { type: string; string(encoding?: string): string | null },
  next: () => unknown,
): unknown {
  return field.type === 'DOUBLE' || field.type === 'FLOAT' ? field.string('ascii') : next();
}
