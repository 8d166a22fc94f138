/**
 * An admin session that ends moh-etl's sessions from the server side: pg_terminate_backend on
 * PostgreSQL (moh-etl sets application_name 'moh-etl'), KILL CONNECTION on MariaDB (every session
 * of the test database but our own and the ones in `spare`). Whatever each session is doing —
 * running a batch, idle in the pool, or between BEGIN READ ONLY and its SELECT — as a server
 * restart or a DBA would end it.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DbConnection } from '../databases.js';

export interface SessionKiller {
  /** Ends moh-etl's sessions now; how many there were. */
  kill(): Promise<number>;
  end(): Promise<void>;
}

/** `spare`: MariaDB connection ids of our own clients in the database (CONNECTION_ID()). */
export async function sessionKiller(conn: DbConnection, spare: number[] = []): Promise<SessionKiller> {
  return conn.dialect === 'postgres' ? postgresKiller(conn) : mariadbKiller(conn, spare);
}

async function postgresKiller(conn: DbConnection): Promise<SessionKiller> {
  const c = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
  });
  await c.connect();
  const sql = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'moh-etl' AND datname = current_database() AND pid <> pg_backend_pid()`;
  return { kill: async () => (await c.query(sql)).rowCount ?? 0, end: () => c.end() };
}

async function mariadbKiller(conn: DbConnection, spare: number[]): Promise<SessionKiller> {
  const c = await mysql.createConnection({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
  });
  return {
    async kill() {
      const [rows] = await c.query(
        `SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()`,
        [conn.database],
      );
      const ids = (rows as { id: number }[]).map((r) => Number(r.id)).filter((id) => !spare.includes(id));
      let killed = 0;
      for (const id of ids) {
        // A session that ended meanwhile is not an error.
        await c.query(`KILL CONNECTION ${id}`).then(
          () => killed++,
          () => undefined,
        );
      }
      return killed;
    },
    end: () => c.end(),
  };
}
