/**
 * One knex instance per configured connection. A SourceConnection pairs it with its dialect so
 * callers never look at the client name.
 */
import knexFactory, { type Knex } from 'knex';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionConfig } from '../config/schema.js';
import { SourceError } from '../errors.js';
import { knexClient, type Dialect } from './dialect.js';
import { dialectFor } from './registry.js';

export interface SourceConnection {
  name: string;
  config: ConnectionConfig;
  dialect: Dialect;
  knex: Knex;
  close(): Promise<void>;
}

/** Where knex's own messages go (it would print them to the console). */
export interface KnexLogSink {
  warn(message: string): void;
  debug(message: string): void;
}

export function openConnection(
  name: string,
  config: ConnectionConfig,
  root: string,
  log?: KnexLogSink,
): SourceConnection {
  if (config.client === 'sqlite' && !existsSync(path.resolve(root, config.filename))) {
    throw new SourceError(`connection "${name}": SQLite database ${config.filename} does not exist`, {
      hint: config.filename.includes('demo')
        ? 'run `moh-etl demo` to create the demo database'
        : 'check connections.' + name + '.filename',
    });
  }
  const dialect = dialectFor(config);
  // knex warns on the console when the pool discards a dead connection; that belongs in the log.
  const sink = (m: unknown) => log?.debug(`knex: ${String(m)}`);
  const knex = knexFactory({
    ...dialect.knexConfig(config, root),
    log: { warn: sink, error: (m: unknown) => log?.warn(`knex: ${String(m)}`), deprecate: sink, debug: sink },
  });
  return { name, config, dialect: dialect, knex, close: () => knex.destroy() };
}

/** Open each named connection once; close them all together. */
export class ConnectionSet {
  readonly #open = new Map<string, SourceConnection>();
  /** Connections the server refused for good this run (wrong password, no such database). */
  readonly #refused = new Map<string, Error>();
  /** The first login of each connection, while it is under way or once it succeeded. */
  readonly #firstLogin = new Map<string, Promise<void>>();

  constructor(
    private readonly connections: Record<string, ConnectionConfig>,
    private readonly root: string,
    private readonly log?: KnexLogSink,
  ) {}

  get(name: string): SourceConnection {
    let conn = this.#open.get(name);
    if (!conn) {
      const config = this.connections[name];
      if (!config) throw new SourceError(`no connection named "${name}"`);
      conn = openConnection(name, config, this.root, this.log);
      this.#open.set(name, conn);
    }
    return conn;
  }

  /**
   * The connection, once the server has accepted a first login on it. Sources that start together
   * (extraction.concurrency) wait for that one login instead of each logging in: a wrong password
   * then costs one failed login, not one per source, and refuse() stops the rest. A first login
   * that fails is forgotten, so the next caller (a retry after a network blip) tries again.
   */
  async ready(name: string): Promise<SourceConnection> {
    const conn = this.get(name);
    let login = this.#firstLogin.get(name);
    if (!login) {
      const client = knexClient(conn.knex);
      login = client.acquireConnection().then((c) => client.releaseConnection(c).then(() => undefined));
      this.#firstLogin.set(name, login);
      login.catch(() => this.#firstLogin.delete(name));
    }
    await login;
    return conn;
  }

  /**
   * Remember that the server refused this connection for a reason no retry fixes: the other sources
   * on it fail with the same error instead of each logging in again (a lockout policy counts failed
   * logins; one bad password should not cost eight).
   */
  refuse(name: string, error: Error): void {
    if (!this.#refused.has(name)) this.#refused.set(name, error);
  }

  /** The error that refused this connection earlier in the run, if any. */
  refusal(name: string): Error | undefined {
    return this.#refused.get(name);
  }

  /** The dialect of a configured connection, without opening it (for classifying its errors). */
  dialectOf(name: string): Dialect | undefined {
    const config = this.connections[name];
    return config ? dialectFor(config) : undefined;
  }

  async closeAll(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }
}
