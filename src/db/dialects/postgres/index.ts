import type { Knex } from 'knex';
import type { ConnectionConfig } from '../../../config/schema.js';
import { parseDuration } from '../../../config/duration.js';
import { withEncodedRows, type ColumnSpec } from '../../../schema/column-types.js';
import {
  defaultCapabilities,
  errorCode,
  inReadOnlyTransaction,
  isNetworkError,
  markReadOnly,
  lastKeyOf,
  withRawConnection,
  type Dialect,
  type QueryOptions,
  type QueryResult,
} from '../../dialect.js';
import { runBatchQuery, type PgSubmitter } from './batch-query.js';
import { notNullFields, type PgCatalogClient } from './not-null.js';
import { postgresColumnType, postgresConverter } from './types.js';

type PostgresConnection = Extract<ConnectionConfig, { client: 'postgres' }>;

/** The slice of node-postgres we use. */
interface PgClient {
  query(text: string): Promise<unknown>;
  query(text: string, values: unknown[]): ReturnType<PgCatalogClient['query']>;
  query(query: Parameters<PgSubmitter['query']>[0]): unknown;
}

// 57P01 admin shutdown, 57P03 cannot connect now, 40001 serialization failure, 40P01 deadlock, 08xxx connection exceptions.
const TRANSIENT_SQLSTATE = /^(57P01|57P03|40001|40P01|08\w{3})$/;

export const postgresDialect: Dialect<PostgresConnection> = {
  name: 'postgres',
  capabilities: {
    ...defaultCapabilities,
    readOnlySessions: true,
    statementTimeout: true,
    maxBindParameters: 65_535,
    describesNullability: true,
  },

  knexConfig(c) {
    const statementTimeout = parseDuration(c.statement_timeout) ?? 0;
    return {
      client: 'pg',
      connection: {
        host: c.host,
        port: c.port ?? 5432,
        database: c.database,
        user: c.user,
        password: c.password?.reveal(),
        ssl:
          c.ssl === false ? false : c.ssl === true ? true : { rejectUnauthorized: c.ssl.reject_unauthorized },
        connectionTimeoutMillis: parseDuration(c.connect_timeout),
        application_name: 'moh-etl',
      },
      pool: {
        min: c.pool.min,
        max: c.pool.max,
        afterCreate: (conn: PgClient, done: (err: Error | null, conn: unknown) => void) => {
          const settings = [
            // UTC session: timestamptz text comes back as "+00", the same whatever the server's zone.
            `SET TimeZone = 'UTC'`,
            `SET statement_timeout = ${statementTimeout}`,
            `SET lc_monetary = 'C'`,
            ...(c.read_only ? ['SET default_transaction_read_only = on'] : []),
          ];
          conn.query(settings.join('; ')).then(
            () => done(null, markReadOnly(conn, c.read_only)),
            (e: Error) => done(e, conn),
          );
        },
      },
      acquireConnectionTimeout: parseDuration(c.connect_timeout) ?? 15_000,
    };
  },

  query(knex, sql, bindings, options) {
    return withRawConnection<QueryResult, PgClient>(knex, (client) =>
      inReadOnlyTransaction(
        client,
        (end) => client.query(end ? 'COMMIT' : 'BEGIN READ ONLY'),
        () => pgQuery(client, sql, bindings, options),
      ),
    );
  },
  async serverInfo(knex: Knex) {
    const res = await knex.raw<{ rows: { v: string }[] }>('select version() as v');
    return { version: res.rows[0]?.v.split(' on ')[0] ?? 'PostgreSQL' };
  },

  async writeAccess(knex: Knex) {
    const res = await knex.raw<{ rows: { su: boolean; n: string }[] }>(WRITE_ACCESS_SQL);
    const row = res.rows[0];
    if (row?.su) return 'it is a superuser';
    const n = Number(row?.n ?? 0);
    return n > 0 ? `it may insert, update, delete or truncate ${n} table${n === 1 ? '' : 's'}` : undefined;
  },

  // ISO 8601 text ("…T…Z") is valid input for date, timestamp and timestamptz.
  formatBinding: (value) => value,
  // pg sends parameters as text and the server casts them to the column's type: exact for every kind.
  keyBinding: (value) => (typeof value === 'bigint' ? value.toString() : value),
  clockSql: `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now`,
  async sortsWithoutIndex(knex, sql, bindings) {
    const res = await postgresDialect.query(knex, `EXPLAIN (FORMAT JSON) ${sql}`, bindings);
    const plan = JSON.parse(String(res.rows[0]?.[0])) as { Plan: PlanNode }[];
    return plan[0] ? bigSort(plan[0].Plan) : undefined;
  },
  limitRows: (sql, limit) => `${sql} LIMIT ${Math.trunc(limit)}`,
  quoteIdentifier: (name) => `"${name.replace(/"/g, '""')}"`,
  failureCodes: {
    '28P01': 'auth',
    '28000': 'auth',
    '3D000': 'unknown-database',
    '42601': 'query',
    '42703': 'query',
    '42P01': 'query',
    '42883': 'query',
    '42804': 'query',
    '42P18': 'query',
    '22P02': 'data',
    '22007': 'data',
    '22008': 'data',
    '22003': 'data',
    '22012': 'data',
    '42501': 'permission',
    '57014': 'timeout',
    '25006': 'read-only',
  },
  isTransient(error) {
    const code = errorCode(error);
    if (code && TRANSIENT_SQLSTATE.test(code)) return true;
    const message = error instanceof Error ? error.message : '';
    // A session killed while idle between two statements (BEGIN READ ONLY … COMMIT) leaves pg's
    // client dead: the next statement fails with "not queryable" and no SQLSTATE.
    return (
      isNetworkError(error) ||
      /Connection terminated unexpectedly|encountered a connection error and is not queryable|Client was closed and is not queryable/.test(
        message,
      )
    );
  },
};

const WRITE_ACCESS_SQL = `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su,
  (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND s.nspname NOT IN ('pg_catalog', 'information_schema')
      AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
        OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))) AS n`;

/** One statement on a borrowed client: exact values, converted as the rows arrive (batch-query.ts). */
async function pgQuery(
  client: PgClient,
  sql: string,
  bindings: readonly unknown[],
  options: QueryOptions | undefined,
): Promise<QueryResult> {
  const text = numberPlaceholders(sql);
  let columns: ColumnSpec[] = [];
  const keep = options?.encoded === true;
  const running = runBatchQuery(client, text, [...bindings], keep, (fields) => {
    columns = fields.map((f) => ({
      name: f.name,
      type: postgresColumnType(f.dataTypeID, f.dataTypeModifier),
      nullable: true,
    }));
    return columns.map((c, i) => postgresConverter(c.type, fields[i]!.dataTypeID));
  });
  options?.onSent?.();
  const result = await running;
  if (options?.describeNullability) {
    const notNull = await notNullFields(client, sql, result.fields);
    columns = columns.map((c, i) => (notNull.has(i) ? { ...c, nullable: false } : c));
  }
  const lastKey = lastKeyOf(
    result.fields.map((f) => f.name),
    result.lastRaw ? [result.lastRaw] : [],
    options?.keyColumns,
  );
  return result.encoded
    ? withEncodedRows({ columns, lastKey }, result.encoded)
    : { columns, rows: result.rows!, lastKey };
}

/** knex-style `?` placeholders to PostgreSQL's `$1…$n`, skipping string literals and `??`. */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|\?\?|\?/g, (m) => (m === '?' ? `$${++n}` : m === '??' ? '?' : m));
}

interface PlanNode {
  'Node Type': string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}

/** A Sort whose input the planner expects to be large: the ORDER BY has no supporting index. */
function bigSort(node: PlanNode): boolean {
  const rows = (n: PlanNode): number => Math.max(n['Plan Rows'], ...(n.Plans ?? []).map(rows));
  if (/Sort/.test(node['Node Type']) && rows(node) >= LARGE_SORT) return true;
  return (node.Plans ?? []).some(bigSort);
}

/** Below this, sorting is cheap and the planner may rightly prefer it to an index. */
const LARGE_SORT = 50_000;
