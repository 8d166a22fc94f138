/**
 * An embedded DuckDB for reading processed datasets (validation at dataset scope): one in-memory
 * instance per session with a memory limit, its own spill directory and no network, closed when
 * the session ends. Only the slice of @duckdb/node-api this folder uses is declared here.
 */
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { duckdbModule } from './module.js';
import { duckdbFailure } from './errors.js';

export interface DuckdbSettings {
  /** DuckDB `memory_limit`, e.g. "256MB" (load.memory_limit). Beyond it, operators spill. */
  memoryLimit: string;
  /** Worker threads (load.threads). */
  threads: number;
  /** Spill files. Must be set: DuckDB's default is `.tmp` in the working directory. */
  tempDirectory: string;
}

/** A result as DuckDB returned it: names, logical types and the driver's values. */
export interface DuckdbResult {
  names: string[];
  types: DuckDBType[];
  rows: DuckDBValue[][];
}

export interface DuckdbSession {
  /** Run one statement with `?` bindings; errors never carry a value from the data. */
  run(sql: string, bindings?: readonly unknown[]): Promise<DuckdbResult>;
  close(): void;
}

export async function openDuckdbSession(settings: DuckdbSettings): Promise<DuckdbSession> {
  const { DuckDBInstance } = await duckdbModule();
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: settings.memoryLimit,
    threads: String(settings.threads),
    temp_directory: settings.tempDirectory,
    // Never reach for the network: Parquet and ICU are built in.
    autoinstall_known_extensions: 'false',
  });
  const connection = await instance.connect();
  const session: DuckdbSession = {
    async run(sql, bindings = []) {
      try {
        const reader = await connection.runAndReadAll(sql, bindings as DuckDBValue[]);
        return { names: reader.columnNames(), types: reader.columnTypes(), rows: reader.getRows() };
      } catch (e) {
        throw duckdbFailure(e);
      }
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
  try {
    // TIMESTAMPTZ arithmetic and CAST(… AS DATE) must not depend on the host's zone.
    await session.run("SET TimeZone = 'UTC'");
  } catch (e) {
    session.close();
    throw e;
  }
  return session;
}

/** Run `fn` with a fresh session, closing it however `fn` ends. */
export async function withDuckdbSession<T>(
  settings: DuckdbSettings,
  fn: (session: DuckdbSession) => Promise<T>,
): Promise<T> {
  const session = await openDuckdbSession(settings);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}
