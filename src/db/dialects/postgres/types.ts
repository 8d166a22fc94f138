/**
 * PostgreSQL values come to us as the server's text, untouched: node-postgres would otherwise parse
 * `timestamp without time zone` in the process's local zone, int8 and numeric through doubles. We
 * pass a per-query type parser that returns the raw text (never the global pg.types.setTypeParser,
 * which would change every other pg user in the process) and convert per column by OID.
 */
import type { CellValue, ColumnType } from '../../../schema/column-types.js';
import { t } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';

export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  money: 790,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Canonical type from a result field's type OID and type modifier. */
export function postgresColumnType(oid: number, typmod: number): ColumnType {
  switch (oid) {
    case OID.int2:
    case OID.int4:
      return t.int32();
    case OID.int8:
    case OID.oid:
      return t.int64();
    case OID.numeric:
      // typmod = ((precision << 16) | scale) + 4; -1 means unconstrained numeric.
      return typmod >= 4
        ? t.decimal(((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff)
        : t.decimal(38, 10);
    case OID.money:
      return t.decimal(19, 2);
    case OID.float4:
    case OID.float8:
      return t.float64();
    case OID.bool:
      return t.boolean();
    case OID.date:
      return t.date();
    case OID.timestamp:
      return t.timestamp(typmod >= 0 ? typmod : 6);
    case OID.timestamptz:
      return t.timestamptz(typmod >= 0 ? typmod : 6);
    case OID.bytea:
      return t.binary();
    case OID.json:
    case OID.jsonb:
      return t.json();
    default:
      return t.string();
  }
}

export type Converter = (text: string) => CellValue;

/**
 * Per-column conversion from the server's text to the canonical representation (nulls never reach
 * it), or undefined when the server's text already is the canonical value (int8, numeric, date,
 * text, json…): those columns are not touched at all.
 */
export function postgresConverter(type: ColumnType, oid: number): Converter | undefined {
  switch (type.kind) {
    case 'int32':
    case 'float64':
      return Number;
    case 'boolean':
      return (s) => s === 't';
    case 'decimal':
      // money prints with a currency symbol and separators in some locales; the session uses lc_monetary C.
      return oid === OID.money ? (s) => s.replace(/[^0-9.-]/g, '') : undefined;
    case 'timestamp': {
      // Server text: "2025-01-01 09:00:00.1234" (naive) or "… +00" (the session TimeZone is UTC).
      const { precision } = type;
      const utc = type.tz === 'utc';
      return (s) => canonicalTimestamp(s, precision, utc);
    }
    case 'binary':
      return (s) => Buffer.from(s.slice(2), 'hex');
    default:
      return undefined;
  }
}
