/**
 * The real-database harness itself: each available server answers queries, reports the expected version,
 * and hands out isolated fresh databases; unavailable ones skip with their reason (fail under CI=true).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeEachDialect,
  dialects,
  freshDatabase,
  serverOrSkip,
  tempDir,
  type DbConnection,
  type FreshDatabase,
} from '../helpers/databases.js';

async function scalar(connection: DbConnection, sql: string): Promise<unknown> {
  switch (connection.dialect) {
    case 'sqlite': {
      const db = new Database(connection.filename ?? ':memory:');
      try {
        return (db.prepare(sql).get() as Record<string, unknown>).v;
      } finally {
        db.close();
      }
    }
    case 'postgres': {
      const client = new pg.Client({ ...connection, ssl: false });
      await client.connect();
      try {
        return (await client.query<{ v: unknown }>(sql)).rows[0]?.v;
      } finally {
        await client.end();
      }
    }
    case 'mysql': {
      const { host, port, user, password, database } = connection;
      const conn = await mysql.createConnection({ host, port, user, password, database });
      try {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
        return rows[0]?.v;
      } finally {
        await conn.end();
      }
    }
  }
}

const postgres = serverOrSkip('postgres');

describe.skipIf(!postgres.available)(postgres.title('PostgreSQL server'), () => {
  const info = postgres.info;
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await freshDatabase('postgres');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('reports a PostgreSQL version and serves the default test database', async () => {
    expect(info?.version).toMatch(/^PostgreSQL \d+\.\d+/);
    expect(info?.host).toBe('127.0.0.1');
    const client = new pg.Client({ connectionString: info?.url, ssl: false });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; tz: string }>(
        'SELECT current_database() AS db, current_setting($1) AS tz',
        ['TimeZone'],
      );
      expect(rows[0]).toEqual({ db: 'moh_test', tz: 'UTC' });
    } finally {
      await client.end();
    }
  });

  it('gives each caller its own database, dropped by drop()', async () => {
    const other = await freshDatabase('postgres');
    expect(other.database).not.toBe(db.database);
    const client = new pg.Client({ connectionString: db.url, ssl: false });
    await client.connect();
    await client.query('CREATE TABLE t (id int primary key, name text)');
    await client.query("INSERT INTO t VALUES (1, 'Ünïcode ✓')");
    expect((await client.query<{ name: string }>('SELECT name FROM t')).rows[0]?.name).toBe('Ünïcode ✓');
    await client.end();

    await other.drop();
    await other.drop(); // idempotent
    const admin = new pg.Client({ connectionString: db.url, ssl: false });
    await admin.connect();
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1',
      [other.database],
    );
    await admin.end();
    expect(rows[0]?.n).toBe(0);
  });
});

const mariadb = serverOrSkip('mariadb');

describe.skipIf(!mariadb.available)(mariadb.title('MariaDB server'), () => {
  const info = mariadb.info;

  it('reports a MariaDB version and serves the default test database in utf8mb4', async () => {
    expect(info?.version).toMatch(/^\d+\.\d+\.\d+-MariaDB/);
    const conn = await mysql.createConnection(info?.url ?? '');
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        'SELECT DATABASE() AS db, @@character_set_database AS cs, @@time_zone AS tz',
      );
      expect(rows[0]).toEqual({ db: 'moh_test', cs: 'utf8mb4', tz: '+00:00' });
    } finally {
      await conn.end();
    }
  });

  let autoDropped: string | undefined;

  it('gives each caller its own database, dropped when the test finishes', async () => {
    const a = await freshDatabase('mariadb'); // inside a test: dropped automatically afterwards
    autoDropped = a.database;
    const b = await freshDatabase('mariadb');
    expect(a.database).not.toBe(b.database);
    const conn = await mysql.createConnection(a.url);
    try {
      await conn.query('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50))');
      await conn.query("INSERT INTO t VALUES (1, 'Ünïcode ✓')");
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT name FROM t');
      expect(rows[0]?.name).toBe('Ünïcode ✓');
      await b.drop();
      const [dbs] = await conn.query<mysql.RowDataPacket[]>('SHOW DATABASES LIKE ?', [b.database]);
      expect(dbs).toHaveLength(0);
    } finally {
      await conn.end();
    }
  });

  it('dropped the previous test’s database when that test finished', async () => {
    expect(autoDropped).toMatch(/^moh_t_/);
    const conn = await mysql.createConnection(info?.url ?? '');
    try {
      const [dbs] = await conn.query<mysql.RowDataPacket[]>('SHOW DATABASES LIKE ?', [autoDropped]);
      expect(dbs).toHaveLength(0);
    } finally {
      await conn.end();
    }
  });

  it('rejects a wrong password', async () => {
    await expect(
      mysql.createConnection({ host: info?.host, port: info?.port, user: info?.user, password: 'wrong' }),
    ).rejects.toThrow(/Access denied/);
  });
});

describeEachDialect('dialect loop', (target, connection) => {
  it('connects and queries a fresh database', async () => {
    const c = connection();
    expect(c.dialect).toBe(target.dialect);
    expect(Number(await scalar(c, 'SELECT 1 + 1 AS v'))).toBe(2);
    if (c.dialect !== 'sqlite') expect(c.database).toMatch(/^moh_t_/);
  });
});

describe('dialects list', () => {
  it('always includes sqlite, and names a reason for every unavailable dialect', () => {
    expect(dialects.map((d) => d.name)).toEqual(['sqlite', 'postgres', 'mariadb']);
    expect(dialects[0]?.available).toBe(true);
    for (const d of dialects) {
      if (d.available) expect(d.reason).toBeUndefined();
      else expect(d.reason).toMatch(/\S/);
    }
  });
});

describe('tempDir', () => {
  let kept: string | undefined;

  it('creates a directory that is removed when the test finishes', async () => {
    const dir = await tempDir();
    kept = dir.path;
    await writeFile(path.join(dir.path, 'x.txt'), 'x');
    expect(existsSync(path.join(dir.path, 'x.txt'))).toBe(true);
  });

  it('removed the previous test’s directory', () => {
    expect(kept).toBeDefined();
    expect(existsSync(kept ?? '')).toBe(false);
  });
});
