import type { ConnectionClient, ConnectionConfig } from '../config/schema.js';
import type { Dialect } from './dialect.js';
import { mssqlDialect } from './dialects/mssql/index.js';
import { mysqlDialect } from './dialects/mysql/index.js';
import { oracleDialect } from './dialects/oracle/index.js';
import { postgresDialect } from './dialects/postgres/index.js';
import { sqliteDialect } from './dialects/sqlite/index.js';

const DIALECTS: { [K in ConnectionClient]: Dialect<Extract<ConnectionConfig, { client: K }>> } = {
  sqlite: sqliteDialect,
  postgres: postgresDialect,
  mysql: mysqlDialect,
  mssql: mssqlDialect,
  oracle: oracleDialect,
};

export function dialectFor<C extends ConnectionConfig>(connection: C): Dialect<C> {
  return DIALECTS[connection.client] as unknown as Dialect<C>;
}
