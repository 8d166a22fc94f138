/**
 * Oracle result metadata (node-oracledb `Metadata`) to canonical types, how each column is fetched,
 * and the SQL text conversion date and time columns need.
 *
 * In thin mode node-oracledb decodes NUMBER itself into exact positional text ("12345.678", ".5"),
 * so NUMBER is fetched as a string. But it decodes DATE and TIMESTAMP into a JS `Date` (fractional
 * seconds truncated to milliseconds) and, asked for a string, returns `Date.prototype.toString()`:
 * NLS_TIMESTAMP_FORMAT does not reach the wire. Date and time columns are therefore TO_CHARed in the
 * generated SQL with an explicit ISO 8601 format, and TIMESTAMP WITH (LOCAL) TIME ZONE is first moved
 * to UTC with SYS_EXTRACT_UTC.
 */
import type { CellValue, ColumnType } from '../../../schema/column-types.js';
import { t } from '../../../schema/column-types.js';
import { canonicalTimestamp } from '../../../schema/timestamp-text.js';
import { SourceError } from '../../../errors.js';

/**
 * The members of node-oracledb's result `metaData` entries we read. `dbTypeName` is the column type
 * ("NUMBER", "TIMESTAMP WITH TIME ZONE", …); for NUMBER, `precision`/`scale` are the declared ones
 * (precision 0 and scale -127: NUMBER without precision; scale -127 with a precision: FLOAT(b));
 * for TIMESTAMP types `precision` is the number of fraction digits.
 */
export interface OracleMetadata {
  name: string;
  dbTypeName: string;
  nullable: boolean;
  precision?: number | undefined;
  scale?: number | undefined;
  byteSize?: number | undefined;
}

export interface OracleColumn {
  type: ColumnType;
  /** SQL turning the column reference into exact text; undefined when the fetched value is exact. */
  convert?: (ref: string) => string;
}

/**
 * Scale given to NUMBER without precision (and FLOAT): such a column has no fixed scale, so any choice
 * is nominal. We follow the PostgreSQL dialect's unconstrained numeric, decimal(38,10), and never
 * round the values to it: each value is the server's exact digits. Exactness wins over a tidy type.
 */
export const unconstrainedNumber = (): ColumnType => t.decimal(38, 10);

const ISO_SECONDS = 'YYYY-MM-DD"T"HH24:MI:SS';
const isoFormat = (digits: number) => (digits > 0 ? `${ISO_SECONDS}.FF${digits}` : ISO_SECONDS);

/** Canonical type, fetch type and conversion for one result column. */
export function oracleColumn(meta: OracleMetadata): OracleColumn {
  const digits = Math.min(Math.max(meta.precision ?? 6, 0), 9);
  switch (meta.dbTypeName) {
    case 'NUMBER':
      return { type: numberType(meta.precision ?? 0, meta.scale ?? -127) };
    case 'BINARY_FLOAT':
    case 'BINARY_DOUBLE':
      return { type: t.float64() };
    case 'BOOLEAN':
      return { type: t.boolean() };
    case 'DATE':
      // An Oracle DATE has a time of day, to the second.
      return { type: t.timestamp(0), convert: (ref) => `TO_CHAR(${ref}, '${ISO_SECONDS}')` };
    case 'TIMESTAMP':
      return { type: t.timestamp(digits), convert: (ref) => `TO_CHAR(${ref}, '${isoFormat(digits)}')` };
    case 'TIMESTAMP WITH TIME ZONE':
    case 'TIMESTAMP WITH LOCAL TIME ZONE':
      return {
        type: t.timestamptz(digits),
        convert: (ref) => `TO_CHAR(SYS_EXTRACT_UTC(${ref}), '${isoFormat(digits)}')`,
      };
    case 'INTERVAL DAY TO SECOND':
    case 'INTERVAL YEAR TO MONTH':
      return { type: t.string(), convert: (ref) => `TO_CHAR(${ref})` };
    case 'JSON':
      return { type: t.json() };
    case 'RAW':
    case 'LONG RAW':
    case 'BLOB':
      return { type: t.binary() };
    case 'CLOB':
    case 'NCLOB':
    case 'LONG':
    case 'VARCHAR2':
    case 'NVARCHAR2':
    case 'CHAR':
    case 'NCHAR':
    case 'ROWID':
    case 'UROWID':
      return { type: t.string() };
    default:
      throw new SourceError(
        `column ${meta.name} has Oracle type ${meta.dbTypeName}, which cannot be extracted`,
        {
          hint: 'select a scalar expression instead (e.g. TO_CHAR, XMLSERIALIZE or a column of the object)',
        },
      );
  }
}

/**
 * How the driver should fetch a column of the executed statement (its fetchTypeHandler): NUMBER as
 * the driver's exact text, LOBs and JSON as a string or Buffer instead of a Lob to stream. Undefined:
 * the native value, exact already (strings, RAW, BINARY_DOUBLE, and our TO_CHAR text).
 */
export function oracleFetchAs(meta: Pick<OracleMetadata, 'dbTypeName'>): 'string' | 'buffer' | undefined {
  switch (meta.dbTypeName) {
    case 'NUMBER':
    case 'CLOB':
    case 'NCLOB':
    case 'JSON':
      return 'string';
    case 'BLOB':
      return 'buffer';
    default:
      return undefined;
  }
}

/**
 * NUMBER(p,s): integers (s ≤ 0) by their digit count — NUMBER(p,-n) holds p+n digits — and decimals
 * otherwise; a scale above the precision (NUMBER(3,5) = 0.00xyz) needs decimal(s,s). NUMBER(*,s)
 * (no precision, a scale; INTEGER is NUMBER(*,0)) holds up to 38 digits.
 */
export function numberType(precision: number, scale: number): ColumnType {
  if (scale === -127) return unconstrainedNumber();
  if (precision === 0) return t.decimal(38, Math.max(scale, 0));
  if (scale <= 0) {
    const digits = precision - scale;
    return digits <= 9 ? t.int32() : digits <= 18 ? t.int64() : t.decimal(digits, 0);
  }
  return t.decimal(Math.max(precision, scale), scale);
}

/** The scale a NUMBER column declares (0 for integers and for NUMBER without precision or FLOAT). */
export function declaredScale(meta: OracleMetadata): number {
  const scale = meta.scale ?? -127;
  return meta.dbTypeName === 'NUMBER' && scale > 0 ? scale : 0;
}

type Converter = (v: unknown) => CellValue;

/** Per-column conversion of the fetched value (nulls never reach it) to the canonical value. */
export function oracleConverter(meta: OracleMetadata, type: ColumnType): Converter {
  switch (type.kind) {
    case 'int32':
    case 'float64':
      return (v) => Number(v);
    case 'int64':
      return (v) => String(v);
    case 'decimal': {
      // Oracle keeps no trailing zeros; pad to a declared scale as the other databases print it.
      const scale = declaredScale(meta);
      return (v) => decimalText(String(v), scale);
    }
    case 'boolean':
      return (v) => v === true || v === 1;
    case 'timestamp':
      return (v) => canonicalTimestamp(String(v), type.precision, type.tz === 'utc');
    case 'binary':
      return (v) => (v instanceof Uint8Array ? v : Buffer.from(String(v as string)));
    case 'json':
      return (v) => (typeof v === 'string' ? v : JSON.stringify(v));
    default:
      return (v) => (typeof v === 'string' ? v : String(v));
  }
}

/** Exact decimal text: a leading zero before a bare fraction (".5"), the fraction padded to `scale`. */
export function decimalText(text: string, scale: number): string {
  const s = text.replace(/^(-?)\./, '$10.');
  if (scale <= 0 || /e/i.test(s)) return s;
  const dot = s.indexOf('.');
  const whole = dot < 0 ? s : s.slice(0, dot);
  const fraction = dot < 0 ? '' : s.slice(dot + 1);
  return `${whole}.${fraction.padEnd(scale, '0')}`;
}
