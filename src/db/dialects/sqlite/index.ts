import path from 'node:path';
import type { Knex } from 'knex';
import type { ConnectionConfig } from '../../../config/schema.js';
import { parseDuration } from '../../../config/duration.js';
import type { ColumnSpec, Row } from '../../../schema/column-types.js';
import {
  defaultCapabilities,
  errorCode,
  integerKeysAsBigInt,
  lastKeyOf,
  withRawConnection,
  type Dialect,
  type QueryResult,
} from '../../dialect.js';
import { notNullOrigins, type ColumnOrigin } from './not-null.js';
import { sqliteColumnType, sqliteConverter } from './types.js';

type SqliteConnection = Extract<ConnectionConfig, { client: 'sqlite' }>;

/** The slice of better-sqlite3 we use. */
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  pragma(source: string): unknown;
}
interface SqliteStatement {
  reader: boolean;
  raw(toggle: boolean): SqliteStatement;
  safeIntegers(toggle: boolean): SqliteStatement;
  columns(): ({ name: string; type: string | null } & ColumnOrigin)[];
  all(...bindings: unknown[]): unknown[];
}

export const sqliteDialect: Dialect<SqliteConnection> = {
  name: 'sqlite',
  capabilities: {
    ...defaultCapabilities,
    readOnlySessions: true,
    maxBindParameters: 32_766,
    // Dates and timestamps are ISO text here; CAST(… AS DATE) would give a number.
    dayExpression: 'substr({}, 1, 10)',
    describesNullability: true,
  },

  knexConfig(connection, root) {
    const timeoutMs = parseDuration(connection.statement_timeout) ?? 0;
    return {
      client: 'better-sqlite3',
      useNullAsDefault: true,
      connection: {
        filename: path.resolve(root, connection.filename),
        options: { readonly: connection.read_only, safeIntegers: true },
      },
      // One connection: SQLite serialises access anyway, and a second handle adds nothing.
      pool: {
        min: 0,
        max: 1,
        afterCreate: (conn: SqliteDatabase, done: (err: Error | null, conn: unknown) => void) => {
          try {
            // busy_timeout bounds how long we wait on a writer's lock, the nearest SQLite has to a statement timeout.
            conn.pragma(`busy_timeout = ${Math.min(timeoutMs, 2_147_483_647)}`);
            done(null, conn);
          } catch (e) {
            done(e as Error, conn);
          }
        },
      },
    };
  },

  query(knex, sql, bindings, options) {
    return withRawConnection<QueryResult, SqliteDatabase>(knex, (db) => {
      const stmt = db.prepare(sql).safeIntegers(true);
      const meta = stmt.columns();
      const notNull = options?.describeNullability ? notNullOrigins(db, sql, meta) : [];
      const columns: ColumnSpec[] = meta.map((c, i) => ({
        name: c.name,
        type: sqliteColumnType(c.type),
        nullable: notNull[i] !== true,
      }));
      const convert = columns.map((c) => sqliteConverter(c.type));
      const raw = stmt.raw(true).all(...bindings.map(bindValue)) as unknown[][];
      const rows: Row[] = raw.map((r) => r.map((v, i) => convert[i]!(v)));
      const lastKey = lastKeyOf(
        meta.map((c) => c.name),
        raw,
        options?.keyColumns,
      );
      return { columns, rows, lastKey };
    });
  },

  async serverInfo(knex: Knex) {
    const rows = await knex.raw<{ v: string }[]>('select sqlite_version() as v');
    return { version: `SQLite ${rows[0]?.v ?? '?'}` };
  },

  // The demo stores timestamps as canonical ISO text, so canonical bounds compare correctly.
  formatBinding: (value) => value,
  keyBinding: integerKeysAsBigInt,
  clockSql: `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now`,
  async sortsWithoutIndex(knex, sql, bindings) {
    const res = await sqliteDialect.query(knex, `EXPLAIN QUERY PLAN ${sql}`, bindings);
    const detail = res.columns.findIndex((c) => c.name === 'detail');
    return res.rows.some((r) => /TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/i.test(String(r[detail] ?? '')));
  },
  limitRows: (sql, limit) => `${sql} LIMIT ${Math.trunc(limit)}`,
  quoteIdentifier: (name) => `"${name.replace(/"/g, '""')}"`,
  failureCodes: {
    SQLITE_ERROR: 'query',
    SQLITE_CANTOPEN: 'unknown-database',
    SQLITE_NOTADB: 'unknown-database',
    SQLITE_READONLY: 'read-only',
    SQLITE_AUTH: 'permission',
    SQLITE_PERM: 'permission',
  },
  isTransient: (error) => errorCode(error) === 'SQLITE_BUSY',
};

/** Cursor values are bound as the exact text we read, never as Date objects or doubles. */
function bindValue(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) throw new TypeError('Date objects are not bound; bind ISO text');
  return v;
}
