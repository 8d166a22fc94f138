/** Run setup statements on a test database through the plain test client, in a UTC session. */
import type { DbConnection } from './databases.js';
import { openClient } from './sql.js';

export type Statement = string | { sql: string; values: unknown[] };

export async function execSql(conn: DbConnection, statements: Statement[]): Promise<void> {
  const db = await openClient(conn);
  try {
    // Naive literals in setup scripts are UTC wall clock (MariaDB's session zone is set by the client).
    if (db.dialect === 'postgres') await db.exec(`SET TimeZone = 'UTC'`, []);
    for (const s of statements) {
      if (typeof s === 'string') await db.exec(s, []);
      else await db.exec(s.sql, s.values);
    }
  } finally {
    await db.close();
  }
}
