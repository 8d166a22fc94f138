/**
 * Dialects by client name. Each dialect is wrapped so that opening a connection first checks that
 * the client's driver is installed (drivers.ts): the optional drivers may be absent, and knex's own
 * failure to load one is an untyped Error. Dialect modules are our own small files; the drivers
 * themselves load on first use (by knex, or lazily in the dialect), so a run loads only the
 * drivers of the connections it opens.
 */
import type { ConnectionClient, ConnectionConfig } from '../config/schema.js';
import type { Dialect } from './dialect.js';
import { mssqlDialect } from './dialects/mssql/index.js';
import { mysqlDialect } from './dialects/mysql/index.js';
import { oracleDialect } from './dialects/oracle/index.js';
import { postgresDialect } from './dialects/postgres/index.js';
import { sqliteDialect } from './dialects/sqlite/index.js';
import { requireDriver } from './drivers.js';

type DialectOf<K extends ConnectionClient> = Dialect<Extract<ConnectionConfig, { client: K }>>;

function driverChecked<C extends ConnectionConfig>(dialect: Dialect<C>): Dialect<C> {
  return {
    ...dialect,
    knexConfig(connection, root) {
      requireDriver(connection.client);
      return dialect.knexConfig(connection, root);
    },
  };
}

const DIALECTS: { [K in ConnectionClient]: DialectOf<K> } = {
  sqlite: driverChecked(sqliteDialect),
  postgres: driverChecked(postgresDialect),
  mysql: driverChecked(mysqlDialect),
  mssql: driverChecked(mssqlDialect),
  oracle: driverChecked(oracleDialect),
};

/** The dialect of a connection. Never throws: error classification asks for it after a failure. */
export function dialectFor<C extends ConnectionConfig>(connection: C): Dialect<C> {
  return DIALECTS[connection.client] as unknown as Dialect<C>;
}
