/**
 * How each result column is read on the packet path (row-packets.ts): the server's text-protocol
 * bytes become either canonical values as the row arrives (`read`), or bytes in the 'pg-text'
 * layout of EncodedRows (`wire`) with a converter from that text to the same canonical value.
 *
 * The rules are the ones mysql2's parser plus `mysqlConverter` apply (types.ts), so the packet path
 * and the stock path give the same values; the exceptions are deliberate and applied to both: FLOAT
 * and DOUBLE through `Number` (mysql2 parses some 16-digit values one unit off), ZEROFILL numbers
 * without their leading zeros, JSON as the server's text (`jsonStrings`).
 */
import type { CellValue, ColumnType } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';
import { BINARY_CHARSET, T, ZEROFILL_FLAG, type MysqlField } from './types.js';

/** The value path: what a field's bytes become. */
export const Read = {
  /** UTF-8 text, kept as it is: strings, JSON, dates, times, decimals, BIGINT. */
  text: 0,
  /** An integer → number (int32 kinds). */
  int: 1,
  /** TINYINT(1) → value !== 0. */
  bool: 2,
  /** FLOAT/DOUBLE → Number(text). */
  float: 3,
  /** DATETIME/TIMESTAMP → canonical timestamp text. */
  timestamp: 4,
  /** Binary strings and BIT(n > 1) → bytes. */
  binary: 5,
  /** BIT(1) → its byte === 1. */
  bit: 6,
  /** A ZEROFILL BIGINT or DECIMAL → text without leading zeros. */
  zerofill: 7,
} as const;

/** The byte path: how a field's bytes are put into the 'pg-text' layout. */
export const Wire = {
  /** The server's text as it is. */
  copy: 0,
  /** A ZEROFILL number without its leading zeros (an int32's text is copied to CSV verbatim). */
  strip: 1,
  /** Binary as "\x" and hex digits (the layout holds text; this is PostgreSQL's bytea text). */
  hex: 2,
} as const;

/** What mysql2 gives for a field in a keyset position (QueryResult.lastKey): keys are bound back as it gave them. */
export const Key = {
  /** The server's text (BIGINT, DECIMAL, FLOAT/DOUBLE via floatsAsText, dates, times, strings). */
  text: 0,
  /** A number (TINYINT, SMALLINT, MEDIUMINT, INT, YEAR). */
  number: 1,
  /** The bytes (BIT, binary strings). */
  bytes: 2,
} as const;

export type Converter = (text: string) => CellValue;

export interface ColumnPlan {
  read: number;
  wire: number;
  /** Text in the layout → the canonical value (undefined: the text is the value). */
  convert: Converter | undefined;
  /** How the field's raw bytes become its keyset value (as mysql2 would give it). */
  key: number;
  /** Timestamps: fraction digits and UTC. */
  precision: number;
  utc: boolean;
}

/** Protocol types the packet path reads; anything else (GEOMETRY, VECTOR, …) is left to mysql2. */
const READABLE = new Set<number>([
  T.DECIMAL,
  T.TINY,
  T.SHORT,
  T.LONG,
  T.FLOAT,
  T.DOUBLE,
  6, // NULL: every value is NULL
  T.TIMESTAMP,
  T.LONGLONG,
  T.INT24,
  T.DATE,
  T.TIME,
  T.DATETIME,
  T.YEAR,
  T.NEWDATE,
  T.VARCHAR,
  T.BIT,
  T.JSON,
  T.NEWDECIMAL,
  T.ENUM,
  T.SET,
  T.TINY_BLOB,
  T.MEDIUM_BLOB,
  T.LONG_BLOB,
  T.BLOB,
  T.VAR_STRING,
  T.STRING,
]);

/** The protocol types mysql2 parses into numbers (parseLengthCodedIntNoBigCheck). */
const NUMBERS = new Set<number>([T.TINY, T.SHORT, T.LONG, T.INT24, T.YEAR]);
/** The types mysql2's text parser names; any other is a Buffer when its character set is binary. */
const NAMED = new Set<number>([
  ...NUMBERS,
  T.LONGLONG,
  T.FLOAT,
  T.DOUBLE,
  6, // NULL
  T.DECIMAL,
  T.NEWDECIMAL,
  T.DATE,
  T.DATETIME,
  T.TIMESTAMP,
  T.TIME,
  T.JSON,
  242, // VECTOR
  255, // GEOMETRY
]);

const fromHex = (text: string): Buffer => Buffer.from(text.slice(2), 'hex');

/**
 * The plan for one column of canonical `type`, or undefined when the packet path cannot read it
 * exactly as mysql2 would (an unknown protocol type; text in another encoding than UTF-8).
 */
export function planColumn(field: MysqlField, type: ColumnType): ColumnPlan | undefined {
  if (!READABLE.has(field.columnType)) return undefined;
  const zerofill = (field.flags & ZEROFILL_FLAG) !== 0;
  const binary = field.characterSet === BINARY_CHARSET;
  const key = NUMBERS.has(field.columnType)
    ? Key.number
    : binary && !NAMED.has(field.columnType)
      ? Key.bytes
      : Key.text;
  const base = { precision: 0, utc: false, key, wire: zerofill ? Wire.strip : Wire.copy };
  switch (type.kind) {
    case 'int32':
      return { ...base, read: Read.int, convert: Number };
    case 'boolean':
      return field.columnType === T.BIT
        ? { ...base, read: Read.bit, wire: Wire.hex, convert: (s) => s === '\\x01' }
        : { ...base, read: Read.bool, convert: (s) => Number(s) !== 0 };
    case 'float64':
      return { ...base, read: Read.float, convert: Number };
    case 'int64':
    case 'decimal':
      return { ...base, read: zerofill ? Read.zerofill : Read.text, convert: undefined };
    case 'timestamp': {
      const { precision } = type;
      const utc = type.tz === 'utc';
      const convert = (s: string): string => canonicalTimestamp(s, precision, utc);
      return { ...base, read: Read.timestamp, convert, precision, utc };
    }
    case 'binary':
      return { ...base, read: Read.binary, wire: Wire.hex, convert: fromHex };
    default: {
      // Text columns: mysql2 decodes them with the column's encoding; ours is always UTF-8.
      if (!binary && field.encoding !== undefined && field.encoding !== 'utf8') return undefined;
      return { ...base, read: Read.text, convert: undefined };
    }
  }
}
