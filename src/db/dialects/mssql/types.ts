/**
 * SQL Server result metadata (tedious ColumnMetadata) to canonical types, and the text conversion
 * each inexact type needs. tedious hands back decimal, numeric and money as JS doubles and
 * datetime2/datetimeoffset/time as `Date` objects (millisecond precision, bent by the process zone),
 * so those columns are CONVERTed to text in the generated SQL and never reach us as doubles or Dates.
 * bigint needs no conversion: tedious already returns it as an exact decimal string.
 */
import type { CellValue, ColumnType } from '../../../schema/column-types.js';
import { t } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';

/**
 * The members of tedious's `ColumnMetadata` we read (token/colmetadata-token-parser.d.ts). Nullable
 * columns arrive as the "N" variants (IntN, FloatN, MoneyN, DateTimeN, BitN) whose size is in
 * `dataLength`; decimal and numeric always arrive as DecimalN/NumericN with precision and scale.
 */
export interface MssqlColumnMeta {
  colName: string;
  /** TDS column flags; bit 0 is fNullable. */
  flags: number;
  type: { name: string };
  precision?: number | undefined;
  /** Fraction digits for decimal/numeric, and for time, datetime2 and datetimeoffset (0–7). */
  scale?: number | undefined;
  dataLength?: number | undefined;
}

export interface MssqlColumn {
  type: ColumnType;
  /** SQL turning the column reference into exact text; undefined when the driver's value is exact. */
  convert?: (ref: string) => string;
}

const decimalText = (ref: string) => `CONVERT(varchar(42), ${ref})`;
// Style 2: four fraction digits, no thousands separators. The default style 0 keeps only two (lossy).
const moneyText = (ref: string) => `CONVERT(varchar(30), ${ref}, 2)`;
// Style 126: ISO 8601 "yyyy-mm-ddThh:mi:ss[.fffffff]" with the column's own fraction digits.
const isoText = (ref: string) => `CONVERT(varchar(27), ${ref}, 126)`;

/** Canonical type and conversion for one result column. */
export function mssqlColumn(meta: MssqlColumnMeta): MssqlColumn {
  const size = meta.dataLength;
  const scale = meta.scale ?? 7;
  switch (meta.type.name) {
    case 'TinyInt':
    case 'SmallInt':
    case 'Int':
      return { type: t.int32() };
    case 'IntN':
      return { type: size === 8 ? t.int64() : t.int32() };
    case 'BigInt':
      return { type: t.int64() };
    case 'Bit':
    case 'BitN':
      return { type: t.boolean() };
    case 'Real':
    case 'Float':
    case 'FloatN':
      return { type: t.float64() };
    case 'Decimal':
    case 'Numeric':
    case 'DecimalN':
    case 'NumericN':
      return { type: t.decimal(meta.precision ?? 38, meta.scale ?? 0), convert: decimalText };
    case 'Money':
      return { type: t.decimal(19, 4), convert: moneyText };
    case 'SmallMoney':
      return { type: t.decimal(10, 4), convert: moneyText };
    case 'MoneyN':
      return { type: size === 4 ? t.decimal(10, 4) : t.decimal(19, 4), convert: moneyText };
    case 'DateTime':
      return { type: t.timestamp(3), convert: isoText };
    case 'SmallDateTime':
      return { type: t.timestamp(0), convert: isoText };
    case 'DateTimeN':
      return { type: t.timestamp(size === 4 ? 0 : 3), convert: isoText };
    case 'DateTime2':
      return { type: t.timestamp(scale), convert: isoText };
    case 'DateTimeOffset':
      // The instant in UTC: shift to +00:00, drop the (now zero) offset, print ISO 8601, mark it Z.
      return {
        type: t.timestamptz(scale),
        convert: (ref) =>
          `CONVERT(varchar(27), CONVERT(datetime2(${scale}), SWITCHOFFSET(${ref}, '+00:00')), 126) + 'Z'`,
      };
    case 'Date':
      return { type: t.date(), convert: (ref) => `CONVERT(varchar(10), ${ref}, 23)` };
    case 'Time':
      // No canonical time-of-day kind: exact "hh:mm:ss[.fffffff]" text.
      return { type: t.string(), convert: (ref) => `CONVERT(varchar(16), ${ref})` };
    case 'Variant':
      return { type: t.string(), convert: (ref) => `CONVERT(nvarchar(4000), ${ref})` };
    case 'VarBinary':
    case 'Binary':
    case 'Image':
    case 'UDT':
      return { type: t.binary() };
    default:
      // VarChar, NVarChar, Char, NChar, Text, NText, Xml, UniqueIdentifier, Null: strings already.
      return { type: t.string() };
  }
}

export function isNullable(meta: MssqlColumnMeta): boolean {
  return (meta.flags & 0x01) !== 0;
}

type Converter = (v: unknown) => CellValue;

/** Per-column conversion of what tedious delivers (after our CONVERTs) to the canonical value. */
export function mssqlConverter(type: ColumnType): Converter {
  switch (type.kind) {
    case 'int32':
    case 'float64':
      return (v) => Number(v);
    case 'boolean':
      return (v) => v === true || v === 1;
    case 'int64':
      return (v) => String(v);
    case 'decimal':
      return (v) => leadingZero(String(v));
    case 'timestamp':
      return (v) => canonicalTimestamp(String(v), type.precision, type.tz === 'utc');
    case 'binary':
      return (v) => (v instanceof Uint8Array ? v : Buffer.from(String(v as string)));
    default:
      return (v) => (typeof v === 'string' ? v : String(v));
  }
}

/** ".5" → "0.5", "-.5" → "-0.5": some servers print a fraction without its leading zero. */
export function leadingZero(text: string): string {
  return text.replace(/^(-?)\./, '$10.');
}
