import type { Knex } from 'knex';
import type { ConnectionConfig } from '../../../config/schema.js';
import { parseDuration } from '../../../config/duration.js';
import { SourceError } from '../../../errors.js';
import { defaultCapabilities, isNetworkError, type Dialect } from '../../dialect.js';

type OracleConnection = Extract<ConnectionConfig, { client: 'oracle' }>;

// NJS-5xx network errors in thin mode; ORA-03113/03135 lost contact; ORA-12541 no listener.
const TRANSIENT = /\b(NJS-5\d\d|ORA-03113|ORA-03135|ORA-12541)\b/;

/**
 * Oracle through knex's oracledb client in thin mode (no Oracle client libraries). No Oracle server
 * can run on this machine, so this dialect is covered by SQL snapshots and value-shape unit tests only.
 */
export const oracleDialect: Dialect<OracleConnection> = {
  name: 'oracle',
  capabilities: {
    ...defaultCapabilities,
    maxBindParameters: 65_535,
    limitSyntax: 'fetch-first',
    liveTested: false,
  },

  knexConfig(c) {
    const connectString =
      c.connect_string ?? `${c.host ?? 'localhost'}:${c.port ?? 1521}/${c.database ?? ''}`;
    return {
      client: 'oracledb',
      connection: {
        user: c.user,
        password: c.password?.reveal(),
        connectString,
        connectTimeout: Math.ceil((parseDuration(c.connect_timeout) ?? 15_000) / 1000),
      },
      pool: { min: c.pool.min, max: c.pool.max },
      acquireConnectionTimeout: parseDuration(c.connect_timeout) ?? 15_000,
    };
  },

  query() {
    return Promise.reject(
      new SourceError('extracting from Oracle is not available in this version', {
        hint: 'The typed Oracle reader (fetchTypeHandler returning exact strings) arrives with the extraction engine; `moh-etl check` works today.',
      }),
    );
  },

  async serverInfo(knex: Knex) {
    const rows = await knex.raw<{ v: string }[]>(`select banner as "v" from v$version where rownum = 1`);
    return { version: rows[0]?.v ?? 'Oracle' };
  },

  formatBinding: (value) => value,
  keyBinding: (value) => (typeof value === 'bigint' ? value.toString() : value),
  clockSql: `SELECT TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF6"Z"') AS "now" FROM dual`,
  limitRows: (sql, limit) => `${sql} FETCH FIRST ${Math.trunc(limit)} ROWS ONLY`,
  quoteIdentifier: (name) => `"${name.replace(/"/g, '""')}"`,
  isTransient: (error) =>
    TRANSIENT.test(error instanceof Error ? error.message : '') || isNetworkError(error),
};
