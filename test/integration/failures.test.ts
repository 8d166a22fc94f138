/**
 * Failures mid-extraction on real servers: the server kills our session (transient: retried from
 * the last checkpoint, no row lost or doubled), and a query error half way (not transient: the
 * source fails at once, the pool has no connection in use, and it still works afterwards), and a
 * refused login (one attempt for all the sources on the connection).
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import mysql from 'mysql2/promise';
import pg from 'pg';
import pino from 'pino';
import { csvRows } from '../helpers/csv.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openConnection } from '../../src/db/connection.js';
import { StateStore } from '../../src/extract/state.js';
import { silentLogger } from '../../src/observe/logger.js';
import { extractSource } from '../../src/pipeline/extract-source.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { loadConfig } from '../../src/config/load.js';
import {
  dialects,
  describeEachDialect,
  tempDir,
  type DbConnection,
  type TempDir,
} from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { writeProject } from '../helpers/mini-project.js';

const ROWS = 30_000;

/** An admin session that kills moh-etl's sessions while they are running a query. */
async function sessionKiller(
  conn: DbConnection,
): Promise<{ killActive(): Promise<number>; end(): Promise<void> }> {
  if (conn.dialect === 'postgres') {
    const c = new pg.Client({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database,
    });
    await c.connect();
    const sql = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'moh-etl' AND state = 'active' AND pid <> pg_backend_pid()`;
    return { killActive: async () => (await c.query(sql)).rowCount ?? 0, end: () => c.end() };
  }
  const c = await mysql.createConnection({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
  });
  return {
    killActive: async () => {
      const [rows] = await c.query(
        `SELECT id FROM information_schema.processlist WHERE db = ? AND command = 'Query' AND id <> CONNECTION_ID()`,
        [conn.database],
      );
      for (const r of rows as { id: number }[])
        await c.query(`KILL CONNECTION ${r.id}`).catch(() => undefined);
      return (rows as unknown[]).length;
    },
    end: () => c.end(),
  };
}

const servers = dialects.filter((d) => d.name !== 'sqlite');

describeEachDialect(
  'failures mid-extraction',
  (_target, connection) => {
    let dir: TempDir;
    beforeAll(async () => {
      dir = await tempDir();
      const conn = connection();
      const chunks = Array.from({ length: ROWS / 1000 }, (_, c) => {
        const ids = Array.from({ length: 1000 }, (_v, k) => c * 1000 + k + 1);
        return {
          sql: `INSERT INTO items (id, label) VALUES ${ids.map(() => '(?, ?)').join(', ')}`,
          values: ids.flatMap((id) => [id, `row ${id}`]),
        };
      });
      await execSql(conn, ['CREATE TABLE items (id BIGINT PRIMARY KEY, label VARCHAR(40))', ...chunks]);
    });
    afterAll(() => dir.remove());

    it('the server kills the session: retried from the last checkpoint, every row exactly once', async () => {
      const loaded = writeProject(dir.path, connection(), {
        sources: { items: { primary_key: ['id'], mode: 'full' } },
        // An expensive no-op per row (hashing a long text, then taking none of it) keeps each batch
        // of 5,000 rows in the server long enough for a kill to land while it runs.
        queries: {
          items:
            connection().dialect === 'postgres'
              ? 'SELECT id, label || substr(md5(repeat(label, 300)), 1, 0) AS label FROM items'
              : 'SELECT id, CONCAT(label, SUBSTRING(SHA2(REPEAT(label, 300), 256), 1, 0)) AS label FROM items',
        },
        extraction: { batch_size: 5000, retry: { attempts: 5, min_delay: '50ms', max_delay: '200ms' } },
        output: { part_rows: 5000 },
      });
      const lines: string[] = [];
      const log = pino(
        { level: 'warn' },
        new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }),
      );
      const store = new StateStore(path.join(dir.path, 'data/state'));
      const retries = () =>
        lines.filter((l) => l.includes('transient error; resuming from the last checkpoint')).length;
      const admin = await sessionKiller(connection());
      // Kill the extractor's session from inside its own batch loop: while a batch is being
      // written the next one (5,000 rows) is already running in the server (prefetch), so a kill
      // lands mid-query. From the second batch on, until two kills have landed (a kill that comes
      // just after the query finished is dropped quietly by the pool, and is simply tried again).
      let batches = 0;
      const killRunning = async () => {
        for (let i = 0; i < 200 && (await admin.killActive()) === 0; i++)
          await new Promise((r) => setImmediate(r));
      };
      const summary = await runExtract(
        loaded,
        {
          sources: ['items'],
          batchObserver: () => async () => {
            if (++batches >= 2 && retries() < 2) await killRunning();
          },
        },
        log,
      ).finally(() => admin.end());
      expect(retries()).toBeGreaterThanOrEqual(2);
      expect(summary.sources[0]).toMatchObject({ status: 'succeeded', rows: ROWS });
      const ids = summary.sources[0]!.files.flatMap((f) => csvRows(f).map((r) => Number(r[0])));
      expect(ids).toHaveLength(ROWS);
      expect(new Set(ids).size).toBe(ROWS);
      expect(store.read('items').pending).toBeUndefined();
    });

    it('a query error half way fails the source at once and leaves no connection in use', async () => {
      const failing =
        connection().dialect === 'postgres'
          ? 'SELECT id, 1 / (CASE WHEN id = 15000 THEN 0 ELSE 1 END) AS x FROM items'
          : `SELECT id, IF(id = 15000, (SELECT 1 UNION SELECT 2), 1) AS x FROM items`;
      const root = path.join(dir.path, 'broken');
      const loaded = writeProject(root, connection(), {
        sources: { items: { primary_key: ['id'], mode: 'full' } },
        queries: { items: failing },
        extraction: { batch_size: 500, retry: { attempts: 3, min_delay: '50ms', max_delay: '100ms' } },
        output: { part_rows: 2000 },
      });
      const conn = openConnection('src', loaded.config.connections.src!, root);
      const store = new StateStore(path.join(root, 'data/state'));
      try {
        const t0 = Date.now();
        await expect(
          extractSource(
            loaded,
            conn,
            store,
            { name: 'items', mode: 'full', runId: 'r1', started: new Date() },
            silentLogger(),
          ),
        ).rejects.toThrow(/division by zero|more than 1 row/i);
        expect(Date.now() - t0).toBeLessThan(20_000);
        const pool = (conn.knex.client as { pool: { numUsed(): number; numPendingAcquires(): number } }).pool;
        expect(pool.numUsed()).toBe(0);
        expect(pool.numPendingAcquires()).toBe(0);
        // Committed parts stay for a resume; no partial file is visible.
        const pending = store.read('items').pending!;
        expect(pending.rows).toBeGreaterThan(0);
        expect(pending.rows).toBeLessThan(15_000);
        for (const p of pending.parts)
          for (const f of p.files) expect(existsSync(path.join(pending.directory, f))).toBe(true);
        // The pool hands out a healthy connection afterwards.
        const res = await conn.dialect.query(conn.knex, 'SELECT 1', []);
        expect(res.rows[0]?.[0]).toBe(1);
      } finally {
        await conn.close();
      }
    });

    it('a refused login fails every source on the connection after one attempt, not one per source', async () => {
      // A TCP proxy in front of the server counts the logins.
      let logins = 0;
      const target = connection();
      const proxy = net.createServer((client) => {
        logins++;
        const upstream = net.connect(target.port!, target.host);
        client.pipe(upstream).pipe(client);
        const close = () => (client.destroy(), upstream.destroy());
        client.on('error', close);
        upstream.on('error', close);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const root = path.join(dir.path, 'refused');
      const names = ['first', 'second', 'third'];
      const loaded = writeProject(
        root,
        {
          ...target,
          host: '127.0.0.1',
          port: (proxy.address() as net.AddressInfo).port,
          password: 'wrong-password',
        },
        {
          sources: Object.fromEntries(names.map((n) => [n, { primary_key: ['id'], mode: 'full' }])),
          queries: Object.fromEntries(names.map((n) => [n, 'SELECT id, label FROM items'])),
          extraction: { retry: { attempts: 3, min_delay: '50ms', max_delay: '100ms' } },
        },
      );
      try {
        const summary = await runExtract(loaded, { sources: names, mode: 'full' }, silentLogger());
        expect(summary.sources.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
        const errors = new Set(summary.sources.map((r) => r.error));
        expect(errors.size).toBe(1);
        expect([...errors][0]).toMatch(/password|access denied/i);
        expect(summary.sources[2]!.hint).toMatch(/password/);
        expect(logins).toBe(1);
      } finally {
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  },
  servers,
);

// Keep the loader honest: the project helper produces a valid config.
it('mini projects load', async () => {
  const d = await tempDir();
  const loaded = writeProject(
    d.path,
    { dialect: 'sqlite', filename: path.join(d.path, 'x.sqlite') },
    { sources: { t: { primary_key: ['id'], mode: 'full' } }, queries: { t: 'SELECT 1 AS id' } },
  );
  expect(loadConfig({ root: d.path, env: {} }).config.sources.t).toBeDefined();
  expect(loaded.config.connections.src).toMatchObject({ client: 'sqlite' });
});
