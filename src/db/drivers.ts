/**
 * The database driver each client needs, found on first use. knex loads a client's driver by
 * package name when a connection opens. pg and better-sqlite3 (the demo) are dependencies; tedious,
 * oracledb and mysql2 are optional peer dependencies, because an installation talks to one or two
 * kinds of database and need not carry the others' drivers (tedious alone brings ~40 packages).
 * A missing driver is found here, before knex tries (knex throws an untyped Error and prints to the
 * console), and reported as DriverMissing with the command that installs it.
 */
import { createRequire } from 'node:module';
import type { ConnectionClient, DatabaseConfig } from '../config/schema.js';
import { DriverMissing, SourceError } from '../errors.js';

export interface DriverSpec {
  /** The npm package knex (and the dialect) loads, e.g. `tedious`. */
  readonly package: string;
  /** The version range moh-etl is tested with (package.json's dependencies or peerDependencies). */
  readonly range: string;
  /** An optional peer dependency, installed by the user who needs it (true), or a dependency (false). */
  readonly optional: boolean;
  /** The database, in words, for messages. */
  readonly database: string;
}

/** Kept equal to package.json's dependencies and peerDependencies by test/unit/library/drivers.test.ts. */
export const DRIVERS: Readonly<Record<ConnectionClient, DriverSpec>> = {
  sqlite: { package: 'better-sqlite3', range: '^12.11.1', optional: false, database: 'SQLite' },
  postgres: { package: 'pg', range: '^8.23.1', optional: false, database: 'PostgreSQL' },
  mysql: { package: 'mysql2', range: '^3.24.6', optional: true, database: 'MySQL/MariaDB' },
  mssql: { package: 'tedious', range: '^19.2.2', optional: true, database: 'SQL Server' },
  oracle: { package: 'oracledb', range: '^6.10.0', optional: true, database: 'Oracle' },
};

/** Where drivers are looked up by default: beside moh-etl, as knex (a sibling package) finds them. */
const HERE = import.meta.url;
/** Packages found once are not looked up again; a missing one is, so installing it mid-process helps. */
const installed = new Set<string>();

/** `npm install tedious@19`: the tested major version, written so that no shell expands it. */
export function installCommand(client: ConnectionClient): string {
  const spec = DRIVERS[client];
  const major = /^[\^~]?(\d+)/.exec(spec.range)?.[1];
  return `npm install ${spec.package}${major ? `@${major}` : ''}`;
}

/** Whether the client's driver can be found from `from` (default: beside moh-etl). */
export function driverInstalled(client: ConnectionClient, from: string | URL = HERE): boolean {
  const name = DRIVERS[client].package;
  const key = `${String(from)}\0${name}`;
  if (installed.has(key)) return true;
  try {
    createRequire(from).resolve(name);
  } catch (e) {
    // Only the package itself being absent counts: a broken install is reported when it loads.
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String(e).includes(`'${name}'`))
      return false;
  }
  installed.add(key);
  return true;
}

/**
 * Throws DriverMissing when the client's driver is not installed. `connection` names the
 * configured connection in the message, when the caller knows it.
 */
export function requireDriver(
  client: ConnectionClient,
  connection?: string,
  from: string | URL = HERE,
): void {
  if (driverInstalled(client, from)) return;
  const spec = DRIVERS[client];
  const driver = `${spec.package}, for ${spec.database}`;
  const what =
    connection === undefined
      ? `client ${client} needs its driver (${driver}), which is not installed`
      : `connection "${connection}" uses client ${client}, whose driver (${driver}) is not installed`;
  throw new DriverMissing(`${what}: ${installCommand(client)}`, spec.package, {
    hint: spec.optional
      ? `the ${optionalDatabases()} drivers are optional peer dependencies of moh-etl: install the ones your connections use, where moh-etl is installed`
      : `${spec.package} is a dependency of moh-etl: the installation is incomplete, reinstall moh-etl`,
  });
}

/** The client's driver module, loaded on first use; DriverMissing when absent, SourceError when broken. */
export function loadDriver<T>(client: ConnectionClient, connection?: string): T {
  requireDriver(client, connection);
  const name = DRIVERS[client].package;
  try {
    return createRequire(HERE)(name) as T;
  } catch (e) {
    throw new SourceError(`the ${name} driver is installed but could not be loaded`, {
      hint: `reinstall it: ${installCommand(client)}`,
      cause: e,
    });
  }
}

/**
 * Checks, before a run starts, that the driver of every connection the named sources use is
 * installed: a missing driver is a setup problem, reported once (exit 2) rather than as a failed
 * source per connection.
 */
export function requireDrivers(
  config: Pick<DatabaseConfig, 'connections' | 'sources'>,
  sources: readonly string[],
  from: string | URL = HERE,
): void {
  const names = new Set(sources.map((s) => config.sources[s]?.connection).filter((c) => c !== undefined));
  for (const name of names) {
    const connection = config.connections[name];
    if (connection) requireDriver(connection.client, name, from);
  }
}

function optionalDatabases(): string {
  const names = Object.values(DRIVERS)
    .filter((d) => d.optional)
    .map((d) => d.database);
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
