/**
 * The extractor's own PostgreSQL role in the simulation's database, as a production reader
 * account, and the levers the simulation pulls from an admin session (the test server's
 * superuser): the role's password (the permanent fault), a pause in front of every statement on
 * attendances, and the termination of the role's running statements (the transient fault).
 *
 * The pause is why a kill can land mid-statement at this small scale: a daily increment is a few
 * statements of a few milliseconds. The attendances template ends in `WHERE (SELECT sim_pause())`,
 * an uncorrelated subquery PostgreSQL evaluates once per statement, which sleeps for
 * `sim_control.pause_ms` (0 except while a transient fault is armed).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DbConnection } from '../databases.js';

export interface ExtractorRole {
  /** What moh-etl connects with: the role and its password. */
  connection: DbConnection;
  /** Every password this role ever had or was given (for leak checks). */
  passwords: readonly string[];
  /** Change the role's password, so that moh-etl's logins fail (the permanent fault). */
  breakPassword(): Promise<void>;
  /** Give the role its password back. */
  restorePassword(): Promise<void>;
  /** Each statement on attendances sleeps this long first; 0 turns the pause off. */
  setPause(ms: number): Promise<void>;
  /** Terminate the role's sessions that are running a statement now; how many there were. */
  killActive(): Promise<number>;
  /** Drop the role (before the database) and close the admin session. */
  drop(): Promise<void>;
}

/** The WHERE clause the attendances template ends with. */
export const PAUSE_PREDICATE = '(SELECT sim_pause())';

/** Create the role, its grants and the pause function in `admin`'s (fresh) database. */
export async function createExtractorRole(admin: DbConnection): Promise<ExtractorRole> {
  const client = new pg.Client({
    host: admin.host,
    port: admin.port,
    user: admin.user,
    password: admin.password,
    database: admin.database,
  });
  await client.connect();
  const role = `moh_sim_${randomBytes(4).toString('hex')}`;
  // Hex only, so the literals below need no quoting beyond the quotes around them.
  const password = `sim-${randomBytes(12).toString('hex')}`;
  const wrong = `sim-wrong-${randomBytes(12).toString('hex')}`;
  await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await client.query(`
    CREATE TABLE sim_control (pause_ms integer NOT NULL);
    INSERT INTO sim_control VALUES (0);
    CREATE FUNCTION sim_pause() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    DECLARE ms integer;
    BEGIN
      SELECT pause_ms INTO ms FROM sim_control;
      IF ms > 0 THEN PERFORM pg_sleep(ms / 1000.0); END IF;
      RETURN true;
    END $$;
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};`);
  return {
    connection: { ...admin, user: role, password },
    passwords: [password, wrong],
    breakPassword: async () => void (await client.query(`ALTER ROLE ${role} PASSWORD '${wrong}'`)),
    restorePassword: async () => void (await client.query(`ALTER ROLE ${role} PASSWORD '${password}'`)),
    setPause: async (ms) => void (await client.query('UPDATE sim_control SET pause_ms = $1', [ms])),
    killActive: async () => {
      const res = await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE usename = $1 AND datname = current_database() AND state = 'active'`,
        [role],
      );
      return res.rowCount ?? 0;
    },
    drop: async () => {
      try {
        await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [
          role,
        ]);
        // Its grants live in this database; DROP OWNED revokes them so the role can go.
        await client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
      } finally {
        await client.end();
      }
    },
  };
}
