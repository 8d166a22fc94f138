/**
 * What integration tests use to reach the real database servers started by global-setup.ts.
 *
 *   const pg = serverOrSkip('postgres');
 *   describe.skipIf(!pg.available)(pg.title('postgres extraction'), () => {
 *     let db: FreshDatabase;
 *     beforeAll(async () => (db = await freshDatabase('postgres')));
 *     afterAll(() => db.drop());
 *     it('reads rows', async () => { … db.host, db.port, db.database … });
 *   });
 *
 *   describeEachDialect('extractor', (target, connection) => {
 *     it('extracts', async () => { const c = connection(); … });   // sqlite, postgres, mysql
 *   });
 *
 * Without CI a missing server skips with its reason in the suite title (and in global-setup's output);
 * under CI=true serverOrSkip()/requireServer() throw instead, so nothing is silently skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject, onTestFinished } from 'vitest';
import { isCI, type ServerInfo, type ServerKind, type ServerStatus } from './server-info.js';

export type { ServerInfo, ServerKind } from './server-info.js';

// ---------------------------------------------------------------------------------------------------------
// Servers

export type ServerAvailability =
  | { kind: ServerKind; available: true; info: ServerInfo; reason?: undefined; title(name: string): string }
  | { kind: ServerKind; available: false; info?: undefined; reason: string; title(name: string): string };

/** The raw status global-setup provided (never throws). */
export function serverStatus(kind: ServerKind): ServerStatus {
  const statuses = inject('mohServers') as Partial<Record<ServerKind, ServerStatus>> | undefined;
  return (
    statuses?.[kind] ?? {
      available: false,
      reason: `no ${kind} status was provided (is test/helpers/global-setup.ts the globalSetup in vitest.config.ts?)`,
    }
  );
}

/**
 * The server's connection details, or why it is unavailable, for `describe.skipIf(!x.available)(x.title(…))`.
 * `title(name)` appends "(skipped: <reason>)" when unavailable so the skip names its reason.
 * Under CI=true an unavailable server throws (the test file fails) instead of skipping.
 */
export function serverOrSkip(kind: ServerKind): ServerAvailability {
  const status = serverStatus(kind);
  if (status.available) return { kind, available: true, info: status.info, title: (name) => name };
  if (isCI()) throw new Error(`CI=true: ${kind} is required but unavailable: ${status.reason}`);
  const reason = status.reason;
  return { kind, available: false, reason, title: (name) => `${name} (skipped: ${reason})` };
}

/** The server's connection details; throws with the reason when it is unavailable. */
export function requireServer(kind: ServerKind): ServerInfo {
  const status = serverStatus(kind);
  if (!status.available) throw new Error(`${kind} is unavailable: ${status.reason}`);
  return status.info;
}

export interface FreshDatabase extends ServerInfo {
  /** Drops the database (terminating open connections on PostgreSQL). Idempotent. */
  drop: () => Promise<void>;
}

/**
 * A new, uniquely named, empty database on the server, so test files can run in parallel without sharing
 * tables. Called inside a test it is dropped automatically when the test finishes; called in beforeAll,
 * call drop() in afterAll.
 */
export async function freshDatabase(kind: ServerKind): Promise<FreshDatabase> {
  const server = requireServer(kind);
  const name = `moh_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(server, kind === 'postgres' ? `CREATE DATABASE "${name}"` : `CREATE DATABASE \`${name}\``);
  let dropped: Promise<void> | undefined;
  const drop = () =>
    (dropped ??= adminQuery(
      server,
      kind === 'postgres'
        ? `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`
        : `DROP DATABASE IF EXISTS \`${name}\``,
    ));
  whenTestFinishes(drop);
  const scheme = kind === 'postgres' ? 'postgres' : 'mysql';
  return {
    ...server,
    database: name,
    url: `${scheme}://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${name}`,
    drop,
  };
}

async function adminQuery(server: ServerInfo, sql: string): Promise<void> {
  const { host, port, user, password } = server;
  if (server.kind === 'postgres') {
    const client = new pg.Client({ host, port, user, password, database: 'postgres', ssl: false });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  } else {
    const connection = await mysql.createConnection({ host, port, user, password });
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dialects: loop a suite over sqlite (always) and the servers available here.

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

/** Connection details in one shape for every dialect (`dialect` is the config's `client`). */
export interface DbConnection {
  dialect: DialectName;
  filename?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

export interface DialectDatabase {
  connection: DbConnection;
  /** Drops the database / removes the sqlite file. Idempotent. */
  cleanup: () => Promise<void>;
}

export interface DialectTarget {
  /** Suite label: 'sqlite', 'postgres' or 'mariadb'. */
  name: 'sqlite' | 'postgres' | 'mariadb';
  dialect: DialectName;
  available: boolean;
  /** Why it is unavailable (undefined when available). */
  reason?: string;
  /** Server version, when there is a server. */
  version?: string;
  /** `name` when available, else `name (skipped: reason)`. */
  title(name: string): string;
  /** A fresh, empty database for this dialect. */
  create(): Promise<DialectDatabase>;
}

function serverTarget(kind: ServerKind, dialect: DialectName): DialectTarget {
  const status = serverStatus(kind);
  const reason = status.available ? undefined : status.reason;
  return {
    name: kind,
    dialect,
    available: status.available,
    reason,
    version: status.available ? status.info.version : undefined,
    title: (name) => (reason === undefined ? `${name} [${kind}]` : `${name} [${kind}] (skipped: ${reason})`),
    async create() {
      const db = await freshDatabase(kind);
      const { host, port, user, password, database } = db;
      return { connection: { dialect, host, port, user, password, database }, cleanup: db.drop };
    },
  };
}

const sqliteTarget: DialectTarget = {
  name: 'sqlite',
  dialect: 'sqlite',
  available: true,
  title: (name) => `${name} [sqlite]`,
  async create() {
    const dir = await tempDir('moh-etl-sqlite-');
    return {
      connection: { dialect: 'sqlite', filename: path.join(dir.path, 'test.sqlite') },
      cleanup: dir.remove,
    };
  },
};

/** sqlite, postgres (PostgreSQL) and mysql (MariaDB); check `available` (or use describeEachDialect). */
export const dialects: readonly DialectTarget[] = [
  sqliteTarget,
  serverTarget('postgres', 'postgres'),
  serverTarget('mariadb', 'mysql'),
];

/**
 * `describe` the same suite once per dialect, each with its own fresh database created in beforeAll and
 * cleaned up in afterAll. Unavailable dialects are skipped with the reason in the title (outside CI) or
 * fail (under CI=true).
 */
export function describeEachDialect(
  name: string,
  factory: (target: DialectTarget, connection: () => DbConnection) => void,
  targets: readonly DialectTarget[] = dialects,
): void {
  for (const target of targets) {
    if (!target.available && isCI()) {
      throw new Error(`CI=true: ${target.name} is required but unavailable: ${target.reason ?? ''}`);
    }
    describe.skipIf(!target.available)(target.title(name), () => {
      let db: DialectDatabase | undefined;
      beforeAll(async () => {
        db = await target.create();
      });
      afterAll(async () => {
        await db?.cleanup();
      });
      factory(target, () => {
        if (!db)
          throw new Error(`${target.name} database not created yet (use connection() inside hooks/tests)`);
        return db.connection;
      });
    });
  }
}

/** The plain object the config's connection schema expects (`client` instead of `dialect`). */
export function asConnectionConfig(connection: DbConnection): Record<string, unknown> {
  const { dialect, ...rest } = connection;
  return { client: dialect, ...rest };
}

// ---------------------------------------------------------------------------------------------------------
// Temp directories

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it. Idempotent. */
  remove: () => Promise<void>;
}

/**
 * A new temp directory. Called inside a test it is removed when the test finishes; called elsewhere
 * (beforeAll), call remove() yourself (afterAll).
 */
export async function tempDir(prefix = 'moh-etl-test-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  let removed: Promise<void> | undefined;
  const remove = () => (removed ??= rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  whenTestFinishes(remove);
  return { path: dir, remove };
}

/** Register cleanup for the running test; outside a test (hooks, module level) do nothing. */
function whenTestFinishes(cleanup: () => Promise<void>): void {
  try {
    onTestFinished(async () => {
      await cleanup();
    });
  } catch {
    // not inside a test: the caller cleans up
  }
}
