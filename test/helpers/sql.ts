/**
 * A plain SQL client for tests, one shape for every dialect, that reaches the database without
 * going through moh-etl: tests create tables and write rows with it, and read the source back
 * independently of the extractor.
 *
 *   const db = await openClient(connection());
 *   const d = dialectSql(db.dialect);
 *   await db.exec(`CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${d.timestampType}, payload TEXT)`);
 *   await db.exec(`INSERT INTO events VALUES (?, ${d.now}, ?)`, [1, 'x']);
 *   const rows = await db.rows(`SELECT id, ${d.timestampText('updated_at')} AS updated_at FROM events`);
 *
 * Placeholders are `?` everywhere (rewritten to $n for PostgreSQL; keep `?` out of string literals).
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DbConnection, DialectName } from './databases.js';

export interface SqlClient {
  dialect: DialectName;
  /** Run a statement (or, without params, a script of statements). */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Rows of a SELECT as objects keyed by column name. */
  rows<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openClient(conn: DbConnection): Promise<SqlClient> {
  if (conn.dialect === 'sqlite') {
    if (!conn.filename) throw new Error('sqlite connection without a filename');
    const db = new Database(conn.filename);
    db.pragma('busy_timeout = 10000');
    let closed = false;
    return {
      dialect: 'sqlite',
      exec(sql, params) {
        if (params) db.prepare(sql).run(...params);
        else db.exec(sql);
        return Promise.resolve();
      },
      rows<T>(sql: string, params: readonly unknown[] = []) {
        return Promise.resolve(db.prepare(sql).all(...params) as T[]);
      },
      close() {
        if (!closed) db.close();
        closed = true;
        return Promise.resolve();
      },
    };
  }
  if (conn.dialect === 'postgres') {
    const client = new pg.Client({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database,
      ssl: false,
    });
    await client.connect();
    let closed: Promise<void> | undefined;
    return {
      dialect: 'postgres',
      async exec(sql, params) {
        await client.query(numbered(sql), params ? [...params] : undefined);
      },
      async rows<T>(sql: string, params?: readonly unknown[]) {
        const res = await client.query(numbered(sql), params ? [...params] : undefined);
        return res.rows as T[];
      },
      close: () => (closed ??= client.end()),
    };
  }
  const c = await mysql.createConnection({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await c.query(`SET time_zone = '+00:00'`);
  let closed: Promise<void> | undefined;
  return {
    dialect: 'mysql',
    async exec(sql, params) {
      await c.query(sql, params ? [...params] : undefined);
    },
    async rows<T>(sql: string, params?: readonly unknown[]) {
      const [rows] = await c.query(sql, params ? [...params] : undefined);
      return rows as T[];
    },
    close: () => (closed ??= c.end()),
  };
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The SQL a test needs to store and read back UTC timestamps the same way in every dialect. */
export interface DialectSql {
  /** Column type of a UTC timestamp with microseconds (MariaDB: DATETIME(6) holding UTC). */
  timestampType: string;
  /** The database's current time, as a value of timestampType. */
  now: string;
  /**
   * The column as the text moh-etl writes to CSV for it: "YYYY-MM-DDTHH:MM:SS.ffffff", plus "Z"
   * where the type knows it is UTC (MariaDB DATETIME is a wall-clock type, so no Z).
   */
  timestampText: (column: string) => string;
  /** A bind value for a UTC instant given as "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
  bindTimestamp: (iso: string) => string;
  /** `timezone:` for the source, so the high-water mark of naive timestamps is taken in UTC. */
  sourceTimezone?: string;
  /** BEGIN a transaction on a client. */
  begin: string;
}

export function dialectSql(dialect: DialectName): DialectSql {
  switch (dialect) {
    case 'sqlite':
      return {
        // ISO text with six fraction digits and Z: compares as text in time order, like the bound.
        timestampType: 'TIMESTAMPTZ',
        now: `(strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z')`,
        timestampText: (c) => c,
        bindTimestamp: (iso) => iso,
        begin: 'BEGIN IMMEDIATE',
      };
    case 'postgres':
      return {
        timestampType: 'timestamptz(6)',
        now: 'clock_timestamp()',
        timestampText: (c) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        bindTimestamp: (iso) => iso,
        begin: 'BEGIN',
      };
    case 'mysql':
      return {
        timestampType: 'DATETIME(6)',
        now: 'UTC_TIMESTAMP(6)',
        timestampText: (c) => `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s.%f')`,
        bindTimestamp: (iso) => iso.replace('T', ' ').replace(/Z$/, ''),
        sourceTimezone: 'UTC',
        begin: 'START TRANSACTION',
      };
  }
}

/** Insert rows in multi-row statements of `chunk` rows (one transaction per statement). */
export async function insertRows(
  db: SqlClient,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  chunk = 500,
): Promise<void> {
  const one = `(${columns.map(() => '?').join(', ')})`;
  if (db.dialect === 'sqlite') await db.exec('BEGIN');
  try {
    for (let i = 0; i < rows.length; i += chunk) {
      const slice = rows.slice(i, i + chunk);
      await db.exec(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${slice.map(() => one).join(', ')}`,
        slice.flat(),
      );
    }
    if (db.dialect === 'sqlite') await db.exec('COMMIT');
  } catch (e) {
    if (db.dialect === 'sqlite') await db.exec('ROLLBACK');
    throw e;
  }
}
