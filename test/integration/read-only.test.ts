/**
 * The source is never written: every statement runs in its own read-only transaction, so a template
 * that turns the session's read-only default off (set_config(…, false)) in one batch still cannot
 * write in the next, even as a superuser. And a template that is not one SELECT is refused at
 * config load, before anything reaches the server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { describeEachDialect, dialects, tempDir, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { writeProject } from '../helpers/mini-project.js';
import { openClient } from '../helpers/sql.js';

describeEachDialect(
  'read-only sessions',
  (_target, connection) => {
    let dir: TempDir;
    const pg = () => connection().dialect === 'postgres';
    beforeAll(async () => {
      dir = await tempDir();
      const items = Array.from({ length: 100 }, (_, i) => `(${i + 1})`).join(', ');
      await execSql(connection(), [
        'CREATE TABLE ro_items (id BIGINT PRIMARY KEY)',
        `INSERT INTO ro_items (id) VALUES ${items}`,
        'CREATE TABLE ro_written (n BIGINT)',
        pg()
          ? `CREATE FUNCTION ro_write(v BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ro_written VALUES (v); RETURN v; END $$`
          : `CREATE FUNCTION ro_write(v BIGINT) RETURNS BIGINT MODIFIES SQL DATA BEGIN INSERT INTO ro_written VALUES (v); RETURN v; END`,
      ]);
    });
    afterAll(() => dir.remove());

    it('a template that switches the session default off in one batch cannot write in the next', async () => {
      // PostgreSQL: every row turns the session's default read-write (set_config(…, false)), and
      // writes only once its own transaction is read-write — that is, from the next statement on, if
      // the statement did not run in an explicit read-only transaction. MariaDB: the session's
      // characteristic cannot be changed from a statement; the writing function simply fails.
      const sql = pg()
        ? `SELECT id, set_config('default_transaction_read_only', 'off', false) AS s,
                  CASE WHEN current_setting('transaction_read_only') = 'off' THEN ro_write(id) END AS w
             FROM ro_items`
        : `SELECT id, CASE WHEN id > 20 THEN ro_write(id) END AS w FROM ro_items`;
      writeProject(dir.path, connection(), {
        sources: { items: { primary_key: ['id'], mode: 'full' } },
        queries: { items: sql },
        extraction: { batch_size: 10 },
      });
      // One pooled connection: every batch runs on the session the batches before it changed.
      const file = path.join(dir.path, 'config/database.yml');
      const doc = parse(readFileSync(file, 'utf8')) as { connections: { src: Record<string, unknown> } };
      doc.connections.src.pool = { min: 0, max: 1 };
      writeFileSync(file, stringify(doc));
      const loaded = loadConfig({ root: dir.path, env: {} });
      const summary = await runExtract(loaded, { sources: ['items'] }, silentLogger());
      if (pg()) {
        expect(summary.sources[0]).toMatchObject({ status: 'succeeded', rows: 100 });
      } else {
        expect(summary.sources[0]).toMatchObject({ status: 'failed' });
        expect(summary.sources[0]!.error).toMatch(/READ ONLY/i);
        expect(summary.sources[0]!.hint).toMatch(/tried to write/);
      }
      const client = await openClient(connection());
      try {
        const [row] = await client.rows<{ n: string | number }>('SELECT COUNT(*) AS n FROM ro_written');
        expect(Number(row!.n)).toBe(0);
      } finally {
        await client.close();
      }
    });

    it('a template that is not one SELECT is refused at config load, naming it', () => {
      for (const sql of [
        'SELECT id FROM ro_items; DELETE FROM ro_items',
        'WITH gone AS (DELETE FROM ro_items RETURNING id) SELECT id FROM gone',
        'SELECT id INTO ro_copy FROM ro_items',
        'SELECT id FROM ro_items FOR UPDATE',
        'DELETE FROM ro_items',
      ]) {
        let error: unknown;
        try {
          writeProject(dir.path, connection(), {
            sources: { items: { primary_key: ['id'], mode: 'full' } },
            queries: { items: sql },
          });
        } catch (e) {
          error = e;
        }
        expect(error, sql).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems[0]!.path).toBe('items.sql');
      }
    });
  },
  dialects.filter((d) => d.name !== 'sqlite'),
);
