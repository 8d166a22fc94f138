/**
 * DuckDB's logical types → the canonical column-type model, and its values → exact canonical values
 * (schema/column-types.ts): BIGINT as decimal text, DECIMAL and HUGEINT as exact text, dates as
 * YYYY-MM-DD, timestamps as canonical ISO text from their microseconds (never through a JS Date's
 * milliseconds, never through the driver's zone-dependent text). Per column, decided once.
 */
import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { t, type CellValue, type ColumnType } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';

/** Widest exact integer DuckDB returns (HUGEINT): an exact decimal with no scale. */
const HUGE = t.decimal(38, 0);

export function duckdbColumnType(type: DuckDBType): ColumnType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return t.boolean();
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return t.int32();
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
      return t.int64();
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return HUGE;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return t.float64();
    case DuckDBTypeId.DECIMAL:
      return t.decimal(type.width, type.scale);
    case DuckDBTypeId.DATE:
      return t.date();
    case DuckDBTypeId.TIMESTAMP_S:
      return t.timestamp(0);
    case DuckDBTypeId.TIMESTAMP_MS:
      return t.timestamp(3);
    case DuckDBTypeId.TIMESTAMP:
      return t.timestamp(6);
    case DuckDBTypeId.TIMESTAMP_NS:
      return t.timestamp(9);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return t.timestamptz(6);
    case DuckDBTypeId.BLOB:
      return t.binary();
    default:
      // VARCHAR (JSON is a VARCHAR alias), UUID, ENUM, nested types: as DuckDB prints them.
      return t.string();
  }
}

export type DuckdbConverter = (value: DuckDBValue) => CellValue;

/** A per-column function from the driver's value to the canonical representation. */
export function duckdbConverter(type: DuckDBType): DuckdbConverter {
  const canonical = duckdbColumnType(type);
  switch (type.typeId) {
    case DuckDBTypeId.TIMESTAMP:
      return nullable((v) => fromMicros(micros(v), false));
    case DuckDBTypeId.TIMESTAMP_TZ:
      return nullable((v) => fromMicros(micros(v), true));
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return nullable((v) =>
        canonicalTimestamp(String(v), canonical.kind === 'timestamp' ? canonical.precision : 6, false),
      );
    case DuckDBTypeId.BLOB:
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
