import type { Knex } from 'knex';
import type { ConnectionConfig } from '../../../config/schema.js';
import { parseDuration } from '../../../config/duration.js';
import { SourceError } from '../../../errors.js';
import { defaultCapabilities, errorCode, isNetworkError, type Dialect } from '../../dialect.js';

type MssqlConnection = Extract<ConnectionConfig, { client: 'mssql' }>;

// 1205 deadlock victim; tedious socket/timeouts.
const TRANSIENT = new Set(['1205', 'ETIMEOUT', 'ESOCKET', 'ECLOSE', 'ECONNRESET']);

/**
 * SQL Server through knex's mssql client (tedious). No SQL Server can run on this machine, so this
 * dialect is covered by SQL snapshots and value-shape unit tests only (docs/ARCHITECTURE.md).
 */
export const mssqlDialect: Dialect<MssqlConnection> = {
  name: 'mssql',
  capabilities: { ...defaultCapabilities, maxBindParameters: 2_100, limitSyntax: 'top', liveTested: false },

  knexConfig(c) {
    return {
      client: 'mssql',
      connection: {
        server: c.host,
        port: c.port ?? 1433,
        database: c.database,
        user: c.user,
        password: c.password?.reveal(),
        connectionTimeout: parseDuration(c.connect_timeout),
        requestTimeout: parseDuration(c.statement_timeout),
        options: {
          encrypt: c.encrypt,
          trustServerCertificate: c.trust_server_certificate,
          readOnlyIntent: c.read_only,
          appName: 'moh-etl',
          useUTC: true,
        },
      },
      pool: { min: c.pool.min, max: c.pool.max },
      acquireConnectionTimeout: parseDuration(c.connect_timeout) ?? 15_000,
    };
  },

  query() {
    return Promise.reject(
      new SourceError('extracting from SQL Server is not available in this version', {
        hint: 'The typed SQL Server reader (decimals and datetime2 cast to text) arrives with the extraction engine; `moh-etl check` works today.',
      }),
    );
  },

  async serverInfo(knex: Knex) {
    const rows = await knex.raw<{ v: string }[]>('select @@version as v');
    return { version: rows[0]?.v.split('\n')[0]?.trim() ?? 'SQL Server' };
  },

  formatBinding: (value) => value,
  keyBinding: (value) => (typeof value === 'bigint' ? value.toString() : value),
  clockSql: `SELECT CONVERT(varchar(27), SYSUTCDATETIME(), 126) + 'Z' AS now`,
  limitRows: (sql, limit) => `SELECT TOP (${Math.trunc(limit)}) * FROM (${sql}) AS q`,
  quoteIdentifier: (name) => `[${name.replace(/]/g, ']]')}]`,
  isTransient: (error) => TRANSIENT.has(errorCode(error) ?? '') || isNetworkError(error),
};
