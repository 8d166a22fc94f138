/**
 * The dialect seam. Everything that differs between databases — knex client settings, session
 * setup, how result metadata maps to canonical column types, how values are made exact, which
 * errors are transient — lives behind this interface, one folder per database under dialects/.
 * The extractor never asks which database it is talking to; it reads `capabilities`.
 */
import type { Knex } from 'knex';
import type { ConnectionConfig } from '../config/schema.js';
import { words } from '../config/statement-check.js';
import type { ColumnSpec, ColumnType, EncodedRows, Row } from '../schema/column-types.js';
import type { FailureCodes } from './failure.js';

export interface DialectCapabilities {
  /** The session can be made read-only (SET TRANSACTION READ ONLY or a read-only file handle). */
  readOnlySessions: boolean;
  /** The server enforces a per-statement timeout we can set per session. */
  statementTimeout: boolean;
  /** Most `?` bindings one statement may carry. */
  maxBindParameters: number;
  /** How a row limit is written: `LIMIT n` (postgres, mysql, sqlite), `TOP (n)` (mssql), `FETCH FIRST n ROWS ONLY` (oracle). */
  limitSyntax: 'limit' | 'top' | 'fetch-first';
  /** The row-count aggregate: SQL Server's COUNT(*) is an int and overflows past 2^31 rows. */
  countExpression: string;
  /** Whether the extractor can be tested against a live server on this machine (false: SQL snapshots only). */
  liveTested: boolean;
  /** The calendar day of a date or timestamp expression (`{}`), as YYYY-MM-DD (validation's rows-per-day chart). */
  dayExpression: string;
  /**
   * `query()` honours `describeNullability`: its columns say which the database guarantees are never
   * NULL. False (the default): every column a query returns is reported nullable.
   */
  describesNullability: boolean;
}

export const defaultCapabilities: DialectCapabilities = {
  readOnlySessions: false,
  statementTimeout: false,
  maxBindParameters: 999,
  limitSyntax: 'limit',
  countExpression: 'COUNT(*)',
  liveTested: true,
  dayExpression: 'CAST({} AS DATE)',
  describesNullability: false,
};

/** A query's result with canonical column types and exact values (see schema/column-types.ts). */
export interface QueryResult {
  columns: ColumnSpec[];
  /** A getter when `encoded` is set: rows are decoded on first access. */
  rows: Row[];
  /** The rows as the server's bytes, when the dialect keeps them (see RowBatch.encoded). */
  encoded?: EncodedRows;
  /**
   * The driver's own values of `keyColumns` in the last row. Keyset positions are bound back
   * exactly as the driver returned them, so a SQLite text timestamp or a pg raw timestamp compares
   * byte-for-byte with what is stored, whatever our canonical text looks like.
   */
  lastKey?: unknown[];
}

export interface QueryOptions {
  /** Columns whose raw values in the last row are returned as `lastKey`. */
  keyColumns?: readonly string[];
  /**
   * Keep the rows as the server's bytes (`encoded`) when the dialect can, decoding `rows` only if
   * they are read: for consumers that work from bytes (the CSV writer). Decoding later costs more
   * than decoding as the rows arrive, so consumers of values do not ask for it.
   */
  encoded?: boolean;
  /**
   * Called once the statement itself has been sent to the server (after any BEGIN READ ONLY): the
   * batch reader waits for this before the caller's synchronous work, so the server works meanwhile.
   */
  onSent?: () => void;
  /**
   * Report `nullable: false` for the result columns the database guarantees are never NULL: a
   * table column declared NOT NULL, reached without a construct that can add NULLs (see
   * `nullSources`). Costs a catalog lookup, so only the plan's zero-row probe asks. Default false:
   * every column is reported nullable. Dialects without `capabilities.describesNullability` ignore it.
   */
  describeNullability?: boolean;
}

export interface ServerInfo {
  version: string;
}

export interface Dialect<C extends ConnectionConfig = ConnectionConfig> {
  readonly name: C['client'];
  readonly capabilities: DialectCapabilities;
  /** knex settings for this connection: driver options for exact values, pool, session setup. */
  knexConfig(connection: C, root: string): Knex.Config;
  /** Run one SELECT and return typed, exact rows. Uses the raw driver for its result metadata. */
  query(knex: Knex, sql: string, bindings: readonly unknown[], options?: QueryOptions): Promise<QueryResult>;
  /** A canonical value (e.g. a date-range bound) in the form this driver binds and compares correctly. */
  formatBinding(value: string, type: ColumnType): unknown;
  /**
   * A keyset position value (as the driver returned it, or as stored in state) in the form that
   * compares exactly: integers as BigInt, because SQLite orders any INTEGER below any TEXT and MySQL
   * compares a string with a BIGINT as doubles.
   */
  keyBinding(value: unknown, type: ColumnType): unknown;
  /** A SELECT returning the database's current time as UTC ISO 8601 text (one row, one column). */
  readonly clockSql: string;
  /**
   * Whether the server would sort a large input to answer this batch query, i.e. no index supports
   * its ORDER BY (read from EXPLAIN). Undefined when the dialect cannot tell.
   */
  sortsWithoutIndex?(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<boolean | undefined>;
  /** The server's product and version. */
  serverInfo(knex: Knex): Promise<ServerInfo>;
  /**
   * What the account may write, in a few words ("superuser", "INSERT/UPDATE/DELETE on 12 tables"),
   * or undefined when it may not (or the dialect cannot tell). `check` warns: moh-etl only reads,
   * and a reader role without write grants is the guarantee that a template cannot write.
   */
  writeAccess?(knex: Knex): Promise<string | undefined>;
  /** Wrap a SELECT so it returns at most `limit` rows (after its ORDER BY). */
  limitRows(sql: string, limit: number): string;
  /** Quote an identifier. */
  quoteIdentifier(name: string): string;
  /** True when retrying the failed operation may succeed (connection lost, deadlock, failover). */
  isTransient(error: unknown): boolean;
  /** The driver's error codes for failures an operator fixes (wrong password, unknown column…): see failure.ts. */
  readonly failureCodes?: FailureCodes;
}

/** The few members of knex's client we rely on, typed here instead of spread through the code. */
export interface KnexClientSlice {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  destroyRawConnection(connection: unknown): Promise<unknown>;
}

export function knexClient(knex: Knex): KnexClientSlice {
  return knex.client as KnexClientSlice;
}

/**
 * Borrow the driver's own connection from knex's pool for the duration of `fn`. If `fn` fails the
 * connection is closed and marked disposed (knex's pool then discards it instead of handing it out
 * again): after a failure mid-query its protocol state is unknown, and a dead socket must not be reused.
 */
export async function withRawConnection<T, R>(knex: Knex, fn: (connection: R) => Promise<T> | T): Promise<T> {
  const client = knexClient(knex);
  const connection = (await client.acquireConnection()) as R & { __knex__disposed?: unknown };
  try {
    return await fn(connection);
  } catch (e) {
    connection.__knex__disposed = e instanceof Error ? e.message : 'query failed';
    // Bounded: some drivers (tedious) never signal the end of a connection that is already closed.
    await Promise.race([
      client.destroyRawConnection(connection).catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
    throw e;
  } finally {
    await client.releaseConnection(connection);
  }
}

/** Marks a pooled driver connection whose statements each run in their own read-only transaction. */
const READ_ONLY = Symbol('moh-etl read-only');

export function markReadOnly<C extends object>(connection: C, readOnly: boolean): C {
  if (readOnly) (connection as C & { [READ_ONLY]?: true })[READ_ONLY] = true;
  return connection;
}

/**
 * Runs `fn` inside an explicit read-only transaction when the connection is marked read-only
 * (`BEGIN READ ONLY … COMMIT`, or the dialect's words for it). The session default is read-only
 * too, but a template can change a session default (`set_config(…, false)`); it cannot turn the
 * transaction its own statement runs in read-write. On failure the caller's withRawConnection
 * destroys the connection, and the transaction with it.
 */
export async function inReadOnlyTransaction<T>(
  connection: object,
  statement: (end: boolean) => Promise<unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  if ((connection as { [READ_ONLY]?: true })[READ_ONLY] !== true) return fn();
  await statement(false);
  const result = await fn();
  await statement(true);
  return result;
}

/** The usual keyBinding: integer keys as BigInt, everything else unchanged. */
export function integerKeysAsBigInt(value: unknown, type: ColumnType): unknown {
  if (
    (type.kind === 'int64' || type.kind === 'int32') &&
    (typeof value === 'string' || typeof value === 'number')
  ) {
    return BigInt(value);
  }
  return value;
}

export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
  }
  return undefined;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Transient network failures every driver reports the same way (Node socket error codes). */
export function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  if (code && NETWORK_CODES.has(code)) return true;
  const name = error instanceof Error ? error.name : '';
  return name === 'KnexTimeoutError';
}

/** The raw values of `keyColumns` in the last raw row, for QueryResult.lastKey. */
export function lastKeyOf(
  names: readonly string[],
  rawRows: readonly (readonly unknown[])[],
  keyColumns: readonly string[] | undefined,
): unknown[] | undefined {
  const last = rawRows[rawRows.length - 1];
  if (!keyColumns || !last) return undefined;
  return keyColumns.map((k) => {
    const i = names.indexOf(k);
    if (i < 0) throw new Error(`key column ${k} is not in the query's result (columns: ${names.join(', ')})`);
    return last[i];
  });
}

/**
 * A construct that can put NULL in a result column that comes straight from a table column declared
 * NOT NULL: the inner side of an outer join; the other branches of a set operation; the super-
 * aggregate rows of ROLLUP, CUBE and GROUPING SETS; a scalar subquery that finds no row; a bare
 * column beside an aggregate over no rows (SQLite, MySQL). Which of them a driver's metadata
 * already accounts for differs by database, so each dialect says which it must guard against.
 */
export type NullSource = 'outer join' | 'set operation' | 'grouping sets' | 'scalar subquery' | 'aggregate';

const SET_OPERATIONS = new Set(['UNION', 'INTERSECT', 'EXCEPT']);
const GROUPING_SETS = new Set(['ROLLUP', 'CUBE', 'GROUPING']);
const AGGREGATES = new Set([
  'AVG',
  'COUNT',
  'GROUP_CONCAT',
  'JSON_GROUP_ARRAY',
  'JSON_GROUP_OBJECT',
  'JSONB_GROUP_ARRAY',
  'JSONB_GROUP_OBJECT',
  'MAX',
  'MIN',
  'STRING_AGG',
  'SUM',
  'TOTAL',
]);
/** Words before `(SELECT` that make it a derived table, a CTE body or a predicate, not a column value. */
const TABLE_SUBQUERY = new Set(['FROM', 'JOIN', 'AS', 'MATERIALIZED', 'IN', 'EXISTS', 'LATERAL']);

/**
 * The NULL-adding constructs in a statement, read from its words (string literals, comments and
 * quoted identifiers skipped, so a column named "left" is no outer join). Deliberately coarse: a
 * construct anywhere in the statement counts, even in a subquery that cannot reach the result: a
 * mistake errs towards nullable, which costs no more than OPTIONAL where REQUIRED was possible.
 */
export function nullSources(sql: string | readonly string[], backslashEscapes = false): Set<NullSource> {
  const tokens = typeof sql === 'string' ? words(sql, backslashEscapes) : sql;
  const found = new Set<NullSource>();
  tokens.forEach((word, i) => {
    const next = tokens[i + 1];
    if (['LEFT', 'RIGHT', 'FULL'].includes(word) && (next === 'JOIN' || next === 'OUTER'))
      found.add('outer join');
    else if (SET_OPERATIONS.has(word)) found.add('set operation');
    else if (GROUPING_SETS.has(word)) found.add('grouping sets');
    else if ((AGGREGATES.has(word) && next === '(') || word === 'HAVING') found.add('aggregate');
    else if (word === 'SELECT' && tokens[i - 1] === '(' && !TABLE_SUBQUERY.has(tokens[i - 2] ?? ''))
      found.add('scalar subquery');
  });
  return found;
}
