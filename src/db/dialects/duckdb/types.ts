/**
 * DuckDB's logical types → the canonical column-type model, and its values → exact canonical values
 * (schema/column-types.ts): BIGINT as decimal text, DECIMAL and HUGEINT as exact text, dates as
 * YYYY-MM-DD, timestamps as canonical ISO text from their microseconds (never through a JS Date's
 * milliseconds, never through the driver's zone-dependent text). Per column, decided once.
 */
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { t, type CellValue, type ColumnType } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';
import { loadedDuckdb } from './module.js';

/** Widest exact integer DuckDB returns (HUGEINT): an exact decimal with no scale. */
const HUGE = t.decimal(38, 0);

export function duckdbColumnType(type: DuckDBType): ColumnType {
  const Id = loadedDuckdb().DuckDBTypeId;
  switch (type.typeId) {
    case Id.BOOLEAN:
      return t.boolean();
    case Id.TINYINT:
    case Id.SMALLINT:
    case Id.INTEGER:
    case Id.UTINYINT:
    case Id.USMALLINT:
      return t.int32();
    case Id.UINTEGER:
    case Id.BIGINT:
      return t.int64();
    case Id.UBIGINT:
    case Id.HUGEINT:
    case Id.UHUGEINT:
      return HUGE;
    case Id.FLOAT:
    case Id.DOUBLE:
      return t.float64();
    case Id.DECIMAL:
      return t.decimal(type.width, type.scale);
    case Id.DATE:
      return t.date();
    case Id.TIMESTAMP_S:
      return t.timestamp(0);
    case Id.TIMESTAMP_MS:
      return t.timestamp(3);
    case Id.TIMESTAMP:
      return t.timestamp(6);
    case Id.TIMESTAMP_NS:
      return t.timestamp(9);
    case Id.TIMESTAMP_TZ:
      return t.timestamptz(6);
    case Id.BLOB:
      return t.binary();
    default:
      // VARCHAR (JSON is a VARCHAR alias), UUID, ENUM, nested types: as DuckDB prints them.
      return t.string();
  }
}

export type DuckdbConverter = (value: DuckDBValue) => CellValue;

/** A per-column function from the driver's value to the canonical representation. */
export function duckdbConverter(type: DuckDBType): DuckdbConverter {
  const Id = loadedDuckdb().DuckDBTypeId;
  const canonical = duckdbColumnType(type);
  switch (type.typeId) {
    case Id.TIMESTAMP:
      return nullable((v) => fromMicros(micros(v), false));
    case Id.TIMESTAMP_TZ:
      return nullable((v) => fromMicros(micros(v), true));
    case Id.TIMESTAMP_S:
    case Id.TIMESTAMP_MS:
    case Id.TIMESTAMP_NS:
      return nullable((v) =>
        canonicalTimestamp(String(v), canonical.kind === 'timestamp' ? canonical.precision : 6, false),
      );
    case Id.BLOB:
      return nullable((v) => (v as { bytes: Uint8Array }).bytes);
    default:
      break;
  }
  switch (canonical.kind) {
    case 'boolean':
      return nullable((v) => v === true);
    case 'int32':
    case 'float64':
      return nullable((v) => Number(v));
    default:
      // BIGINT (bigint), DECIMAL and HUGEINT values, DATE, VARCHAR: their exact text.
      return nullable((v) => String(v));
  }
}

function nullable(convert: (v: DuckDBValue) => CellValue): DuckdbConverter {
  return (v) => (v === null || v === undefined ? null : convert(v));
}

function micros(v: DuckDBValue): bigint {
  return (v as { micros: bigint }).micros;
}

/** Microseconds since the epoch → "YYYY-MM-DDTHH:MM:SS.ffffff" (+ "Z" for UTC). */
export function fromMicros(us: bigint, utc: boolean): string {
  let ms = us / 1000n;
  let rest = us % 1000n;
  if (rest < 0n) {
    ms -= 1n;
    rest += 1000n;
  }
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, -1)}${rest.toString().padStart(3, '0')}${utc ? 'Z' : ''}`;
}
