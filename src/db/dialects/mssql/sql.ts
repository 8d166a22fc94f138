/**
 * The SQL Server statements we generate, as pure functions of SQL text and metadata, so that every
 * statement the dialect sends can be snapshotted without a server: `?` → `@pN` parameters with types
 * chosen from the JS values, the row limit, the zero-row probe and the converting select list.
 */
import type { ColumnType } from '../../../schema/column-types.js';
import { mssqlColumn, type MssqlColumnMeta } from './types.js';

export const quoteMssql = (name: string): string => `[${name.replace(/]/g, ']]')}]`;

// String literals, quoted identifiers and comments (skipped), or a `?` placeholder.
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\[(?:[^\]]|\]\])*\]|--[^\n]*|\/\*[\s\S]*?\*\/|\?/g;

/** knex-style `?` placeholders to tedious's named `@p0…@pN`, skipping literals, identifiers and comments. */
export function namedPlaceholders(sql: string, count: number): string {
  let n = 0;
  const text = sql.replace(TOKENS, (m) => (m === '?' ? `@p${n++}` : m));
  if (n !== count) throw new Error(`statement has ${n} placeholders but ${count} bindings`);
  return text;
}

/** A tedious TYPES member name; the driver part looks the type object up by this name. */
export type MssqlParameterType = 'VarChar' | 'NVarChar' | 'BigInt' | 'Int' | 'Float' | 'Bit' | 'VarBinary';

export interface MssqlParameter {
  name: string;
  type: MssqlParameterType;
  value: unknown;
}

const INT32 = 2_147_483_647;

/**
 * Parameter types from the JS values. ASCII strings go as varchar, others as nvarchar: an nvarchar
 * parameter compared with a varchar column converts the column, not the parameter, which under a SQL
 * collation turns an index seek into a scan; an ASCII string means the same in every code page.
 * Integers are int or bigint (never a double); Date objects are refused (bind ISO 8601 text).
 */
export function mssqlParameters(bindings: readonly unknown[]): MssqlParameter[] {
  return bindings.map((value, i) => ({ name: `p${i}`, ...typed(value) }));
}

function typed(v: unknown): { type: MssqlParameterType; value: unknown } {
  if (v === null || v === undefined) return { type: 'NVarChar', value: null };
  if (typeof v === 'string') return { type: /^[\x20-\x7e]*$/.test(v) ? 'VarChar' : 'NVarChar', value: v };
  if (typeof v === 'bigint') return { type: 'BigInt', value: v };
  if (typeof v === 'boolean') return { type: 'Bit', value: v };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return { type: 'Float', value: v };
    if (v >= -INT32 - 1 && v <= INT32) return { type: 'Int', value: v };
    if (Number.isSafeInteger(v)) return { type: 'BigInt', value: BigInt(v) };
    throw new TypeError(`${v} is beyond 2^53 and cannot be bound exactly; bind it as a bigint or string`);
  }
  if (v instanceof Uint8Array) return { type: 'VarBinary', value: Buffer.from(v) };
  if (v instanceof Date) throw new TypeError('Date objects are not bound; bind ISO 8601 text');
  throw new TypeError(`cannot bind a ${typeof v} to SQL Server`);
}

/**
 * `SELECT …` → `SELECT TOP (n) …`. The extractor's batch statement ends in ORDER BY, and SQL Server
 * rejects ORDER BY inside a derived table unless TOP or OFFSET accompanies it, so the limit cannot
 * be a wrapping `SELECT TOP (n) * FROM (…)`. TOP rather than `OFFSET 0 ROWS FETCH NEXT n ROWS ONLY`
 * because the same rule must serve the probe, which has no ORDER BY (FETCH requires one) and asks for
 * zero rows (FETCH NEXT 0 is an error). The limited statement stays valid inside a derived table.
 */
export function mssqlLimitRows(sql: string, limit: number): string {
  const n = Math.max(0, Math.trunc(limit));
  const head = /^\s*SELECT(\s+(?:ALL|DISTINCT))?\s+(?!TOP\b)/i.exec(sql);
  if (head) return `SELECT${head[1] ?? ''} TOP (${n}) ${sql.slice(head[0].length)}`;
  if (/\sORDER\s+BY\s(?:[^()'[\]]|\[(?:[^\]]|\]\])*\])*$/i.test(sql)) {
    throw new Error('cannot add a row limit to this statement: it does not begin with SELECT');
  }
  return `SELECT TOP (${n}) * FROM (${sql}) AS l`;
}

/** True when the statement is itself a zero-row probe: its metadata is all it can return. */
export function returnsNoRows(sql: string): boolean {
  return /^\s*SELECT(?:\s+(?:ALL|DISTINCT))?\s+TOP\s*\(\s*0\s*\)/i.test(sql);
}

/** The statement with no rows, for its result metadata (one cheap round trip, nothing read). */
export function probeSql(sql: string): string {
  return returnsNoRows(sql) ? sql : `SELECT TOP (0) * FROM (${sql}) AS m`;
}

/** Whether any column needs a CONVERT; if none does, the statement runs unchanged. */
export function needsConversion(columns: readonly MssqlColumnMeta[]): boolean {
  return columns.some((c) => mssqlColumn(c).convert !== undefined);
}

/** The select list over derived table `m`: exact-text CONVERTs for inexact types, the rest as is. */
export function convertingSelectList(columns: readonly MssqlColumnMeta[]): string {
  return columns
    .map((c) => {
      const ref = `m.${quoteMssql(c.colName)}`;
      const convert = mssqlColumn(c).convert;
      return convert ? `${convert(ref)} AS ${quoteMssql(c.colName)}` : ref;
    })
    .join(', ');
}

/**
 * The statement whose rows we read: `sql` as a derived table under the converting select list. The
 * outer ORDER BY repeats the keyset order (a derived table's order is not guaranteed to survive);
 * it names `m.[k]`, the original column, not the converted alias, and sorts at most one batch.
 */
export function convertingSql(
  sql: string,
  columns: readonly MssqlColumnMeta[],
  keyColumns: readonly string[] = [],
): string {
  const names = columns.map((c) => c.colName);
  const missing = keyColumns.filter((k) => !names.includes(k));
  if (missing.length) {
    throw new Error(
      `key column ${missing.join(', ')} is not in the query's result (columns: ${names.join(', ')})`,
    );
  }
  const order = keyColumns.length
    ? ` ORDER BY ${keyColumns.map((k) => `m.${quoteMssql(k)}`).join(', ')}`
    : '';
  return `SELECT ${convertingSelectList(columns)} FROM (${sql}) AS m${order}`;
}

/**
 * Session settings, run once per pooled connection. LOCK_TIMEOUT bounds how long a batch queues
 * behind a writer's lock (error 1222, retried from the last checkpoint) instead of holding its place
 * in the lock queue, where writers queued behind it wait too. READ COMMITTED is restated because a
 * login's default may differ. DATEFORMAT ymd makes "YYYY-MM-DD" text mean the same for the legacy
 * datetime type under every session language.
 */
export function mssqlSessionSql(lockTimeoutMs: number): string {
  return [
    `SET LOCK_TIMEOUT ${Math.max(0, Math.trunc(lockTimeoutMs))}`,
    'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
    'SET DATEFORMAT ymd',
  ].join('; ');
}

/** Longest wait for a lock before a batch gives up and is retried (capped by the statement timeout). */
export const LOCK_TIMEOUT_MS = 30_000;

/**
 * A canonical date or timestamp bound as text SQL Server converts exactly and language-neutrally:
 * "YYYY-MM-DDThh:mm:ss[.f…]" (the "T" form is neutral for datetime too), at most the column's
 * fraction digits (datetime takes three, smalldatetime none; a longer fraction is an error there),
 * with "Z" for datetimeoffset. Already-shaped values pass through unchanged.
 */
export function mssqlTimestampBinding(value: string, type: ColumnType): string {
  if (type.kind !== 'timestamp') return value;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?)?(?:Z|[+-]00:?00)?$/.exec(value);
  if (!m) return value;
  const fraction = (m[3] ?? '').slice(0, type.precision);
  return `${m[1]}T${m[2] ?? '00:00:00'}${fraction ? `.${fraction}` : ''}${type.tz === 'utc' ? 'Z' : ''}`;
}

/** A keyset position value: integers typed (bigint as tedious BigInt), timestamps shaped as above. */
export function mssqlKeyBinding(value: unknown, type: ColumnType): unknown {
  if (type.kind === 'int64' && (typeof value === 'string' || typeof value === 'number')) return BigInt(value);
  if (type.kind === 'int32' && (typeof value === 'string' || typeof value === 'bigint')) return Number(value);
  if (typeof value === 'string') return mssqlTimestampBinding(value, type);
  return value;
}
