import type { Knex } from 'knex';
import type * as Tedious from 'tedious';
import type { ConnectionConfig } from '../../../config/schema.js';
import { parseDuration } from '../../../config/duration.js';
import type { ColumnSpec, Row } from '../../../schema/column-types.js';
import {
  defaultCapabilities,
  errorCode,
  isNetworkError,
  lastKeyOf,
  withRawConnection,
  type Dialect,
  type QueryResult,
} from '../../dialect.js';
import { loadDriver } from '../../drivers.js';
import {
  convertingSql,
  LOCK_TIMEOUT_MS,
  mssqlKeyBinding,
  mssqlLimitRows,
  mssqlParameters,
  mssqlSessionSql,
  mssqlTimestampBinding,
  namedPlaceholders,
  needsConversion,
  probeSql,
  quoteMssql,
  returnsNoRows,
  type MssqlParameter,
} from './sql.js';
import { isNullable, mssqlColumn, mssqlConverter, type MssqlColumnMeta } from './types.js';

type MssqlConnection = Extract<ConnectionConfig, { client: 'mssql' }>;

/** The slice of tedious we use: its Request and parameter TYPES, and a connection's execSql. */
export type TediousDriver = Pick<typeof Tedious, 'Request' | 'TYPES'>;
export type TediousConnection = Pick<
  Tedious.Connection,
  'execSql' | 'execSqlBatch' | 'close' | 'closed' | 'emit'
>;

/**
 * knex destroys a tedious connection by calling close() and awaiting 'end', but tedious emits 'end'
 * only once, when the connection first closes. A connection that already died mid-query (socket
 * error, ECLOSE) would never end again, and withRawConnection, which destroys a connection after any
 * failure, would wait on it forever instead of letting the run retry. Closing a closed connection now
 * ends at once.
 */
export function endEvenWhenClosed(conn: TediousConnection): void {
  const close = conn.close.bind(conn);
  conn.close = () => {
    if (conn.closed) process.nextTick(() => conn.emit('end'));
    else close();
  };
}

/** tedious, loaded on first use: most runs never talk to SQL Server and need not load it. */
const loadTedious = (): TediousDriver => loadDriver<TediousDriver>('mssql');

/** The driver module knex created the connection with (knex sets `client.driver`). */
function driverOf(knex: Knex): TediousDriver {
  return (knex.client as { driver?: TediousDriver }).driver ?? loadTedious();
}

interface RawResult {
  columns: MssqlColumnMeta[];
  rows: unknown[][];
}

/** The only code that talks to tedious: one request, its column metadata and its rows as arrays. */
function run(
  driver: TediousDriver,
  conn: TediousConnection,
  sql: string,
  params: MssqlParameter[],
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    let columns: MssqlColumnMeta[] = [];
    const rows: unknown[][] = [];
    const request = new driver.Request(sql, (err) => (err ? reject(err) : resolve({ columns, rows })));
    request.on('columnMetadata', (cols) => {
      columns = Array.isArray(cols) ? cols : Object.values(cols);
    });
    request.on('row', (cols: { value: unknown }[]) => rows.push(cols.map((c) => c.value)));
    for (const p of params) request.addParameter(p.name, driver.TYPES[p.type], p.value);
    conn.execSql(request);
  });
}

// Deadlock victim, lock timeout (our LOCK_TIMEOUT), database unavailable or failing over, Azure
// SQL resource limits and service errors (the list Microsoft's SqlClient retries).
const TRANSIENT_NUMBERS = new Set([
  1205, 1222, 4060, 4221, 10928, 10929, 40197, 40501, 40613, 49918, 49919, 49920,
]);
// tedious: request or connect timeout, socket failure, connection closed mid-request.
const TRANSIENT_CODES = new Set(['ETIMEOUT', 'ESOCKET', 'ECLOSE', 'ECONNRESET']);

/** tedious RequestError carries the server's error `number`; ConnectionError a `code` and `isTransient`. */
export function mssqlIsTransient(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { number, isTransient } = error as { number?: unknown; isTransient?: unknown };
  return (
    (typeof number === 'number' && TRANSIENT_NUMBERS.has(number)) ||
    isTransient === true ||
    TRANSIENT_CODES.has(errorCode(error) ?? '') ||
    isNetworkError(error)
  );
}

/**
 * SQL Server through knex's mssql client (tedious). No SQL Server can run on this machine, so this
 * dialect is covered by SQL snapshots and value-shape unit tests only (docs/ARCHITECTURE.md).
 *
 * Exactness: every query is first run as a zero-row probe (`SELECT TOP (0) * FROM (…) AS m`) for its
 * column metadata; then, if any column is decimal, money or a date/time type, it is run under a
 * generated select list that CONVERTs those columns to exact ISO/decimal text (sql.ts, types.ts).
 */
export const mssqlDialect: Dialect<MssqlConnection> = {
  name: 'mssql',
  capabilities: {
    ...defaultCapabilities,
    statementTimeout: true,
    maxBindParameters: 2_100,
    limitSyntax: 'top',
    countExpression: 'COUNT_BIG(*)',
    liveTested: false,
  },

  knexConfig(c) {
    const statementTimeout = parseDuration(c.statement_timeout) ?? 0;
    const lockTimeout = statementTimeout > 0 ? Math.min(statementTimeout, LOCK_TIMEOUT_MS) : LOCK_TIMEOUT_MS;
    return {
      client: 'mssql',
      connection: {
        server: c.host,
        port: c.port ?? 1433,
        database: c.database,
        user: c.user,
        password: c.password?.reveal(),
        connectionTimeout: parseDuration(c.connect_timeout),
        // tedious cancels a request that runs longer (the statement timeout; 0 = none).
        requestTimeout: statementTimeout,
        options: {
          encrypt: c.encrypt,
          trustServerCertificate: c.trust_server_certificate,
          readOnlyIntent: c.read_only,
          appName: 'moh-etl',
          useUTC: true,
        },
      },
      pool: {
        min: c.pool.min,
        max: c.pool.max,
        afterCreate: (conn: TediousConnection, done: (err: Error | null, conn: unknown) => void) => {
          endEvenWhenClosed(conn);
          // A plain batch, not execSql: SET options made inside sp_executesql revert when it returns.
          const { Request } = loadTedious();
          conn.execSqlBatch(new Request(mssqlSessionSql(lockTimeout), (err) => done(err ?? null, conn)));
        },
      },
      acquireConnectionTimeout: parseDuration(c.connect_timeout) ?? 15_000,
    };
  },

  query(knex, sql, bindings, options) {
    const driver = driverOf(knex);
    const params = mssqlParameters(bindings);
    const text = namedPlaceholders(sql, bindings.length);
    return withRawConnection<QueryResult, TediousConnection>(knex, async (conn) => {
      const probe = await run(driver, conn, probeSql(text), params);
      const meta = probe.columns;
      const columns: ColumnSpec[] = meta.map((m) => ({
        name: m.colName,
        type: mssqlColumn(m).type,
        nullable: isNullable(m),
      }));
      if (returnsNoRows(text)) return { columns, rows: [], lastKey: undefined };
      const statement = needsConversion(meta) ? convertingSql(text, meta, options?.keyColumns) : text;
      const raw = await run(driver, conn, statement, params);
      if (raw.columns.length !== meta.length) {
        throw new Error(
          `SQL Server returned ${raw.columns.length} columns where the probe saw ${meta.length}`,
        );
      }
      const convert = columns.map((c) => mssqlConverter(c.type));
      const rows: Row[] = raw.rows.map((r) => r.map((v, i) => (v === null ? null : convert[i]!(v))));
      const names = meta.map((m) => m.colName);
      return { columns, rows, lastKey: lastKeyOf(names, raw.rows, options?.keyColumns) };
    });
  },

  async serverInfo(knex: Knex) {
    const rows = await knex.raw<{ v: string }[]>('select @@version as v');
    return { version: rows[0]?.v.split('\n')[0]?.trim() ?? 'SQL Server' };
  },

  formatBinding: mssqlTimestampBinding,
  keyBinding: mssqlKeyBinding,
  // SYSUTCDATETIME() is datetime2(7); style 126 prints it as ISO 8601 (the fraction is omitted when zero).
  clockSql: `SELECT CONVERT(varchar(27), SYSUTCDATETIME(), 126) + 'Z' AS now`,
  limitRows: mssqlLimitRows,
  quoteIdentifier: quoteMssql,
  failureCodes: {
    ELOGIN: 'auth',
    '18456': 'auth',
    '4060': 'unknown-database',
    '102': 'query',
    '156': 'query',
    '207': 'query',
    '208': 'query',
    '241': 'data',
    '245': 'data',
    '229': 'permission',
    '230': 'permission',
    '3906': 'read-only',
  },
  isTransient: mssqlIsTransient,
};
