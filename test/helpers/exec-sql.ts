/** Run setup statements on a test database with its native driver, in a UTC session. */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DbConnection } from './databases.js';

export type Statement = string | { sql: string; values: unknown[] };

export async function execSql(conn: DbConnection, statements: Statement[]): Promise<void> {
  const norm = statements.map((s) => (typeof s === 'string' ? { sql: s, values: [] } : s));
  if (conn.dialect === 'sqlite') {
    const db = new Database(conn.filename);
    try {
      for (const s of norm) db.prepare(s.sql).run(...s.values);
    } finally {
      db.close();
    }
    return;
  }
  if (conn.dialect === 'postgres') {
    const client = new pg.Client({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database,
    });
    await client.connect();
    try {
      await client.query(`SET TimeZone = 'UTC'`);
      for (const s of norm) {
        let n = 0;
        await client.query(
          s.sql.replace(/\?/g, () => `$${++n}`),
          s.values,
        );
      }
    } finally {
      await client.end();
    }
    return;
  }
  const c = await mysql.createConnection({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    timezone: '+00:00',
    supportBigNumbers: true,
  });
  try {
    await c.query(`SET time_zone = '+00:00'`);
    for (const s of norm) await c.query(s.sql, s.values);
  } finally {
    await c.end();
  }
}
