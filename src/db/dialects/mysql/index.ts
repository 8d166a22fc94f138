import type { Knex } from 'knex';
import type { ConnectionConfig } from '../../../config/schema.js';
import { parseDuration } from '../../../config/duration.js';
import { withEncodedRows } from '../../../schema/column-types.js';
import {
  defaultCapabilities,
  errorCode,
  integerKeysAsBigInt,
  inReadOnlyTransaction,
  isNetworkError,
  markReadOnly,
  withRawConnection,
  type Dialect,
  type QueryResult,
} from '../../dialect.js';
import { runBatchQuery } from './batch-query.js';
import type { QueryingConnection } from './row-packets.js';

type MysqlConnection = Extract<ConnectionConfig, { client: 'mysql' }>;

/** The slice of mysql2's callback connection (what knex hands out) that we use. */
interface Mysql2Connection {
  query(...args: Parameters<QueryingConnection['query']>): unknown;
  query(sql: string, cb: (err: Error | null) => void): unknown;
}

// 1213 deadlock, 1205 lock wait timeout, 2006/2013 server gone / lost connection.
const TRANSIENT_ERRNO = new Set([
  'ER_CONNECTION_KILLED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ECONNRESET',
]);

export const mysqlDialect: Dialect<MysqlConnection> = {
  name: 'mysql',
  capabilities: {
    ...defaultCapabilities,
    readOnlySessions: true,
    statementTimeout: true,
    maxBindParameters: 65_535,
    describesNullability: true,
  },

  knexConfig(c) {
    const timeoutMs = parseDuration(c.statement_timeout) ?? 0;
    return {
      client: 'mysql2',
      connection: {
        host: c.host,
        port: c.port ?? 3306,
        database: c.database,
        user: c.user,
        password: c.password?.reveal(),
        ssl:
          c.ssl === false
            ? undefined
            : c.ssl === true
              ? {}
              : { rejectUnauthorized: c.ssl.reject_unauthorized },
        connectTimeout: parseDuration(c.connect_timeout),
        // Exact values: dates, big numbers and JSON as the server's text, UTC session. (mysql2
        // would parse JSON and its numbers through doubles; batch-query.ts reads most statements
        // from their packets anyway, and these settings keep its fallback to mysql2 exact too.)
        dateStrings: true,
        jsonStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        decimalNumbers: false,
        timezone: '+00:00',
        charset: 'utf8mb4',
      },
      pool: {
        min: c.pool.min,
        max: c.pool.max,
        afterCreate: (conn: Mysql2Connection, done: (err: Error | null, conn: unknown) => void) => {
          const statements = [
            `SET time_zone = '+00:00'`,
            ...(c.read_only ? ['SET SESSION TRANSACTION READ ONLY'] : []),
          ];
          // MariaDB names its statement timeout max_statement_time (seconds); MySQL max_execution_time (ms, SELECT only).
          const timeout = `SET @@session.max_statement_time = ${timeoutMs / 1000}`;
          const fallback = `SET @@session.max_execution_time = ${timeoutMs}`;
          runAll(conn, statements)
            .then(() => runAll(conn, [timeout]).catch(() => runAll(conn, [fallback])))
            .then(
              () => done(null, markReadOnly(conn, c.read_only)),
              (e: Error) => done(e, conn),
            );
        },
      },
      acquireConnectionTimeout: parseDuration(c.connect_timeout) ?? 15_000,
    };
  },

  query(knex, sql, bindings, options) {
    return withRawConnection<QueryResult, Mysql2Connection>(knex, (conn) =>
      inReadOnlyTransaction(
        conn,
        (done) => runAll(conn, [done ? 'COMMIT' : 'START TRANSACTION READ ONLY']),
        async () => {
          const result = await runBatchQuery(
            conn,
            sql,
            [...bindings],
            {
              encoded: options?.encoded === true,
              keyColumns: options?.keyColumns,
              describeNullability: options?.describeNullability === true,
            },
            options?.onSent,
          );
          const { columns, lastKey, encoded } = result;
          return encoded
            ? withEncodedRows({ columns, lastKey }, encoded)
            : { columns, rows: result.rows, lastKey };
        },
      ),
    );
  },

  async serverInfo(knex: Knex) {
    const [rows] = (await knex.raw('select version() as v')) as [{ v: string }[]];
    const v = rows[0]?.v ?? '?';
    return { version: /mariadb/i.test(v) ? `MariaDB ${v}` : `MySQL ${v}` };
  },

  async writeAccess(knex: Knex) {
    const [rows] = (await knex.raw('SHOW GRANTS FOR CURRENT_USER()')) as [Record<string, string>[]];
    const grants = rows.map((r) => Object.values(r)[0] ?? '');
    const writing = grants.filter((g) =>
      /^GRANT\s+(ALL\b|.*\b(INSERT|UPDATE|DELETE|DROP|ALTER|CREATE|EXECUTE)\b).*\bON\b/i.test(g),
    );
    return writing.length > 0
      ? `its grants include writing (${writing.length} GRANT line${writing.length === 1 ? '' : 's'})`
      : undefined;
  },

  // MySQL compares DATETIME/TIMESTAMP with "YYYY-MM-DD HH:MM:SS[.ffffff]" text (session zone is UTC).
  formatBinding: (value) => value.replace('T', ' ').replace(/Z$/, ''),
  keyBinding: integerKeysAsBigInt,
  clockSql: `SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ') AS now`,
  async sortsWithoutIndex(knex, sql, bindings) {
    const res = await mysqlDialect.query(knex, `EXPLAIN ${sql}`, bindings);
    const extra = res.columns.findIndex((c) => c.name === 'Extra');
    const rows = res.columns.findIndex((c) => c.name === 'rows');
    return res.rows.some((r) => /filesort/i.test(String(r[extra] ?? '')) && Number(r[rows] ?? 0) >= 50_000);
  },
  limitRows: (sql, limit) => `${sql} LIMIT ${Math.trunc(limit)}`,
  quoteIdentifier: (name) => `\`${name.replace(/`/g, '``')}\``,
  failureCodes: {
    ER_ACCESS_DENIED_ERROR: 'auth',
    ER_DBACCESS_DENIED_ERROR: 'permission',
    ER_BAD_DB_ERROR: 'unknown-database',
    ER_PARSE_ERROR: 'query',
    ER_BAD_FIELD_ERROR: 'query',
    ER_NO_SUCH_TABLE: 'query',
    ER_SP_DOES_NOT_EXIST: 'query',
    ER_TRUNCATED_WRONG_VALUE: 'data',
    ER_TABLEACCESS_DENIED_ERROR: 'permission',
    ER_COLUMNACCESS_DENIED_ERROR: 'permission',
    ER_QUERY_TIMEOUT: 'timeout',
    ER_STATEMENT_TIMEOUT: 'timeout',
    '1969': 'timeout',
    ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: 'read-only',
  },
  isTransient(error) {
    const code = errorCode(error);
    if ((code !== undefined && TRANSIENT_ERRNO.has(code)) || isNetworkError(error)) return true;
    // mysql2 marks an error that killed the connection `fatal` (a session killed while idle between
    // statements: "Can't add new command when connection is in closed state", no code). A fatal
    // error with a code the operator must fix (a wrong password) is not worth retrying.
    const fatal = (error as { fatal?: unknown } | undefined)?.fatal === true;
    return fatal && (code === undefined || !(code in (mysqlDialect.failureCodes ?? {})));
  },
};

function runAll(conn: Mysql2Connection, statements: string[]): Promise<void> {
  return statements.reduce<Promise<void>>(
    (prev, sql) =>
      prev.then(() => new Promise<void>((res, rej) => conn.query(sql, (e) => (e ? rej(e) : res())))),
    Promise.resolve(),
  );
}
