/**
 * The Oracle statements we generate, as pure functions of SQL text and metadata, so that every
 * statement the dialect sends can be snapshotted without a server: `?` → `:1…:n`, bind values, the
 * converting select list, the session settings and the text form of bound dates and timestamps.
 */
import type { ColumnType } from '../../../schema/column-types.js';
import { oracleColumn, type OracleMetadata } from './types.js';

export const quoteOracle = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// String literals, quoted identifiers and comments (skipped), or a `?` placeholder.
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\?/g;

/** knex-style `?` placeholders to Oracle's positional `:1…:n`, skipping literals, identifiers and comments. */
export function positionalPlaceholders(sql: string, count: number): string {
  let n = 0;
  const text = sql.replace(TOKENS, (m) => (m === '?' ? `:${++n}` : m));
  if (n !== count) throw new Error(`statement has ${n} placeholders but ${count} bindings`);
  return text;
}

/**
 * Bind values node-oracledb binds exactly: bigints as decimal text (the server converts text to
 * NUMBER exactly; a JS number would pass through a double), booleans as 1/0 (no SQL BOOLEAN before
 * 23ai), bytes as a Buffer. Date objects are refused: bind ISO 8601 text (see oracleTimestampBinding).
 */
export function oracleBinds(bindings: readonly unknown[]): unknown[] {
  return bindings.map((v) => {
    if (v === undefined) return null;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      throw new TypeError(`${v} is beyond 2^53 and cannot be bound exactly; bind it as a bigint or string`);
    }
    if (v instanceof Date) throw new TypeError('Date objects are not bound; bind ISO 8601 text');
    if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v);
    return v;
  });
}

/** Whether any column needs a TO_CHAR; if none does, the statement runs unchanged. */
export function needsConversion(columns: readonly OracleMetadata[]): boolean {
  return columns.some((c) => oracleColumn(c).convert !== undefined);
}

/** The select list over inline view `m`: exact-text TO_CHARs for date and time types, the rest as is. */
export function convertingSelectList(columns: readonly OracleMetadata[]): string {
  return columns
    .map((c) => {
      const ref = `m.${quoteOracle(c.name)}`;
      const convert = oracleColumn(c).convert;
      return convert ? `${convert(ref)} AS ${quoteOracle(c.name)}` : ref;
    })
    .join(', ');
}

/**
 * The statement whose rows we read: `sql` as an inline view under the converting select list. The
 * outer ORDER BY repeats the keyset order (an inline view's order is not guaranteed to survive); it
 * names `m."k"`, the original column, not the TO_CHAR alias, and sorts at most one batch.
 */
export function convertingSql(
  sql: string,
  columns: readonly OracleMetadata[],
  keyColumns: readonly string[] = [],
): string {
  const names = columns.map((c) => c.name);
  const missing = keyColumns.filter((k) => !names.includes(k));
  if (missing.length) {
    throw new Error(
      `key column ${missing.join(', ')} is not in the query's result (columns: ${names.join(', ')})`,
    );
  }
  const order = keyColumns.length
    ? ` ORDER BY ${keyColumns.map((k) => `m.${quoteOracle(k)}`).join(', ')}`
    : '';
  return `SELECT ${convertingSelectList(columns)} FROM (${sql}) m${order}`;
}

/** `FETCH FIRST n ROWS ONLY` (Oracle 12c+). Valid after ORDER BY, inside an inline view, and for 0. */
export function oracleLimitRows(sql: string, limit: number): string {
  return `${sql} FETCH FIRST ${Math.max(0, Math.trunc(limit))} ROWS ONLY`;
}

/**
 * Session settings, run once per pooled connection. Every date and time we read is an explicit
 * TO_CHAR, so the NLS formats here govern only how the server reads our bound text: a bound
 * "YYYY-MM-DDThh:mm:ss[.f…]" compared with a DATE, TIMESTAMP or TIMESTAMP WITH (LOCAL) TIME ZONE
 * column converts with them. The zone-less TZ format and TIME_ZONE 'UTC' make bound text a UTC
 * instant. NLS_NUMERIC_CHARACTERS '.,' makes decimal text bound against NUMBER read with a point.
 * NLS_SORT and NLS_COMP BINARY make ORDER BY and the keyset's `>` agree on string keys: under a
 * linguistic NLS_SORT, ORDER BY would sort one way and `k > :v` compare another, skipping rows.
 */
export const ORACLE_SESSION_SQL =
  `ALTER SESSION SET TIME_ZONE = 'UTC'` +
  ` NLS_DATE_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS'` +
  ` NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF'` +
  ` NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF'` +
  ` NLS_NUMERIC_CHARACTERS = '.,'` +
  ` NLS_SORT = BINARY NLS_COMP = BINARY`;

/**
 * A canonical date or timestamp as text the session formats above read exactly:
 * "YYYY-MM-DDThh:mm:ss[.f…]" with at most the column's fraction digits and no zone (a DATE, whose
 * precision is 0, takes no fraction; a UTC value is read in the session zone, UTC). Values already
 * in that shape, such as TO_CHAR keys, pass through unchanged.
 */
export function oracleTimestampBinding(value: string, type: ColumnType): string {
  if (type.kind !== 'timestamp') return value;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?)?(?:Z|[+-]00:?00)?$/.exec(value);
  if (!m) return value;
  const fraction = (m[3] ?? '').slice(0, type.precision);
  return `${m[1]}T${m[2] ?? '00:00:00'}${fraction ? `.${fraction}` : ''}`;
}

/** A keyset position value: the driver's NUMBER text as is, bigints as text, timestamps shaped as above. */
export function oracleKeyBinding(value: unknown, type: ColumnType): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return oracleTimestampBinding(value, type);
  return value;
}
