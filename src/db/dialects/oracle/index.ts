import type { Knex } from 'knex';
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
  needsConversion,
  oracleBinds,
  oracleKeyBinding,
  oracleLimitRows,
  oracleTimestampBinding,
  ORACLE_SESSION_SQL,
  positionalPlaceholders,
  quoteOracle,
} from './sql.js';
import { oracleColumn, oracleConverter, oracleFetchAs, type OracleMetadata } from './types.js';

type OracleConnection = Extract<ConnectionConfig, { client: 'oracle' }>;

/** The slice of node-oracledb (thin mode) we use: fetch-type constants and the array row format. */
export interface OracledbDriver {
  STRING: unknown;
  BUFFER: unknown;
  OUT_FORMAT_ARRAY: number;
}

export interface OracleExecuteOptions {
  outFormat: number;
  fetchArraySize: number;
  fetchTypeHandler: (meta: OracleMetadata) => { type: unknown } | undefined;
}

/** The slice of a node-oracledb Connection we use. */
export interface OracleRawConnection {
  getStatementInfo(sql: string): Promise<{ metaData?: OracleMetadata[] }>;
  execute(sql: string, binds: unknown[], options: OracleExecuteOptions): Promise<{ rows?: unknown[][] }>;
  execute(sql: string): Promise<unknown>;
  callTimeout: number;
}

const loadOracledb = (): OracledbDriver => loadDriver<OracledbDriver>('oracle');

/** The driver module knex created the connection with (knex sets `client.driver`). */
function driverOf(knex: Knex): OracledbDriver {
  return (knex.client as { driver?: OracledbDriver }).driver ?? loadOracledb();
}

/** Rows per round trip (the driver's default, 100, would take 100 round trips for a 10 000-row batch). */
const FETCH_ARRAY_SIZE = 1_000;

/** A statement limited to zero rows: the describe already says everything it can return. */
const returnsNoRows = (sql: string) => /\sFETCH\s+FIRST\s+0\s+ROWS\s+ONLY\s*$/i.test(sql);

// Connection lost, refused or timed out while connecting (NJS-5xx, thin mode; ORA-03113/03114/03135
// and the others below are what the server or listener says); deadlock (00060); snapshot too old
// (01555: a fresh statement gets a fresh snapshot); a replay that could not be done safely (25408).
// Not the NJS-5xx configuration errors (bad connect string, unknown service, wallet).
const TRANSIENT = new Set([
  'NJS-500',
  'NJS-501',
  'NJS-503',
  'NJS-510',
  'NJS-511',
  'NJS-521',
  'ORA-00060',
  'ORA-01555',
  'ORA-03113',
  'ORA-03114',
  'ORA-03135',
  'ORA-12170',
  'ORA-12528',
  'ORA-12537',
  'ORA-12541',
  'ORA-12571',
  'ORA-25408',
]);

/** node-oracledb errors carry `code` ("NJS-500", "ORA-03113"); a remapped error keeps the original in its message. */
export function oracleIsTransient(error: unknown): boolean {
  const code = errorCode(error);
  if (code && TRANSIENT.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return (
    (message.match(/\b(?:NJS|ORA)-\d{3,5}\b/g) ?? []).some((c) => TRANSIENT.has(c)) || isNetworkError(error)
  );
}

/**
 * Oracle through knex's oracledb client in thin mode (no Oracle client libraries). No Oracle server
 * can run on this machine, so this dialect is covered by SQL snapshots and value-shape unit tests only.
 *
 * Exactness: each query is described first (`getStatementInfo`, a parse without execution) for its
 * column metadata; date and time columns are then read through generated TO_CHARs, NUMBER as the
 * driver's exact text (types.ts). Rows are fetched as arrays, not objects: our rows are arrays in
 * column order, and objects would merge or rename duplicate column names.
 *
 * Read-only: not enforced by the session. Oracle has no session-wide read-only mode (SET TRANSACTION
 * READ ONLY lasts one transaction, and would cost two more round trips per batch); every statement
 * we send is a single SELECT outside any transaction. Use an account with SELECT grants only.
 */
export const oracleDialect: Dialect<OracleConnection> = {
  name: 'oracle',
  capabilities: {
    ...defaultCapabilities,
    statementTimeout: true,
    maxBindParameters: 65_535,
    limitSyntax: 'fetch-first',
    liveTested: false,
  },

  knexConfig(c) {
    const connectString =
      c.connect_string ?? `${c.host ?? 'localhost'}:${c.port ?? 1521}/${c.database ?? ''}`;
    const timeout = parseDuration(c.statement_timeout) ?? 0;
    return {
      client: 'oracledb',
      connection: {
        user: c.user,
        password: c.password?.reveal(),
        connectString,
        connectTimeout: Math.ceil((parseDuration(c.connect_timeout) ?? 15_000) / 1000),
      },
      pool: {
        min: c.pool.min,
        max: c.pool.max,
        afterCreate: (conn: OracleRawConnection, done: (err: Error | null, conn: unknown) => void) => {
          conn.execute(ORACLE_SESSION_SQL).then(
            () => {
              // callTimeout bounds each round trip: the nearest thin mode has to a statement timeout.
              if (timeout > 0) conn.callTimeout = timeout;
              done(null, conn);
            },
            (e: Error) => done(e, conn),
          );
        },
      },
      acquireConnectionTimeout: parseDuration(c.connect_timeout) ?? 15_000,
    };
  },

  query(knex, sql, bindings, options) {
    const driver = driverOf(knex);
    const text = positionalPlaceholders(sql, bindings.length);
    const binds = oracleBinds(bindings);
    const fetchTypeHandler = (meta: OracleMetadata) => {
      const as = oracleFetchAs(meta);
      return as ? { type: as === 'string' ? driver.STRING : driver.BUFFER } : undefined;
    };
    return withRawConnection<QueryResult, OracleRawConnection>(knex, async (conn) => {
      const meta = (await conn.getStatementInfo(text)).metaData ?? [];
      const described = meta.map((m) => ({ meta: m, column: oracleColumn(m) }));
      const columns: ColumnSpec[] = described.map(({ meta: m, column }) => ({
        name: m.name,
        type: column.type,
        nullable: m.nullable,
      }));
      if (returnsNoRows(text)) return { columns, rows: [], lastKey: undefined };
      const statement = needsConversion(meta) ? convertingSql(text, meta, options?.keyColumns) : text;
      const result = await conn.execute(statement, binds, {
        outFormat: driver.OUT_FORMAT_ARRAY,
        fetchArraySize: FETCH_ARRAY_SIZE,
        fetchTypeHandler,
      });
      const raw = result.rows ?? [];
      const convert = described.map(({ meta: m, column }) => oracleConverter(m, column.type));
      const rows: Row[] = raw.map((r) => r.map((v, i) => (v === null ? null : convert[i]!(v))));
      const names = meta.map((m) => m.name);
      return { columns, rows, lastKey: lastKeyOf(names, raw, options?.keyColumns) };
    });
  },

  async serverInfo(knex: Knex) {
    const rows = await knex.raw<{ v: string }[]>(`select banner as "v" from v$version where rownum = 1`);
    return { version: rows[0]?.v ?? 'Oracle' };
  },

  formatBinding: oracleTimestampBinding,
  keyBinding: oracleKeyBinding,
  clockSql: `SELECT TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF6"Z"') AS "now" FROM dual`,
  limitRows: oracleLimitRows,
  quoteIdentifier: quoteOracle,
  failureCodes: {
    'ORA-01017': 'auth',
    'ORA-12514': 'unknown-database',
    'ORA-12505': 'unknown-database',
    'ORA-00904': 'query',
    'ORA-00942': 'query',
    'ORA-00933': 'query',
    'ORA-00936': 'query',
    'ORA-01722': 'data',
    'ORA-01858': 'data',
    'ORA-01031': 'permission',
    'ORA-01013': 'timeout',
    'ORA-16000': 'read-only',
  },
  isTransient: oracleIsTransient,
};
