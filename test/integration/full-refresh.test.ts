/**
 * Full refreshes on a busy table: rows inserted behind the read position while a full run reads
 * are not a loss (they were not there when it started) and are reported; a row committed behind
 * the position with a timestamp from before the run started is one the run should have seen, and
 * fails the reconciliation (extract/snapshot.ts).
 */
import path from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { openConnection, type SourceConnection } from '../../src/db/connection.js';
import { StateStore } from '../../src/extract/state.js';
import { silentLogger } from '../../src/observe/logger.js';
import { extractSource } from '../../src/pipeline/extract-source.js';
import { csvRows } from '../helpers/csv.js';
import { describeEachDialect, tempDir, type DbConnection } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { writeProject } from '../helpers/mini-project.js';

const TS: Record<DbConnection['dialect'], string> = {
  postgres: 'TIMESTAMPTZ(6)',
  mysql: 'DATETIME(6)',
  sqlite: 'TIMESTAMPTZ',
};
const at = (d: DbConnection['dialect'], iso: string) =>
  d === 'sqlite' ? iso : iso.replace('T', ' ').replace('Z', d === 'postgres' ? '+00' : '');

describeEachDialect('full refresh of a table written to during the run', (_target, connection) => {
  let root: string;
  beforeEach(async () => {
    root = (await tempDir('moh-etl-full-')).path;
    const d = connection().dialect;
    const rows = Array.from({ length: 300 }, (_, i) => ({
      sql: 'INSERT INTO events VALUES (?, ?)',
      values: [1000 + i, at(d, '2025-01-01T00:00:00.000000Z')],
    }));
    await execSql(connection(), [
      'DROP TABLE IF EXISTS events',
      `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${TS[d]} NOT NULL)`,
      ...rows,
    ]);
  });

  /** A full run that inserts `id` with `updatedAt` just before its third batch. */
  async function runWithInsert(id: number, updatedAt: string) {
    const loaded = writeProject(root, connection(), {
      sources: { events: { primary_key: ['id'], cursor_column: 'updated_at', mode: 'full' } },
      queries: { events: 'SELECT id, updated_at FROM events' },
      extraction: { batch_size: 50 },
      output: { part_rows: 100 },
    });
    const real = openConnection('src', loaded.config.connections.src!, root);
    let batches = 0;
    const dialect = Object.create(real.dialect) as typeof real.dialect;
    dialect.query = async (knex, sql, bindings, options) => {
      if (/ORDER BY/.test(sql) && ++batches === 3)
        await execSql(connection(), [
          { sql: 'INSERT INTO events VALUES (?, ?)', values: [id, at(connection().dialect, updatedAt)] },
        ]);
      return real.dialect.query(knex, sql, bindings, options);
    };
    const conn: SourceConnection = { ...real, dialect };
    const store = new StateStore(path.join(root, 'data/state'));
    try {
      return await extractSource(
        loaded,
        conn,
        store,
        { name: 'events', mode: 'full', runId: 'r1', started: new Date() },
        silentLogger(),
      );
    } finally {
      await real.close();
    }
  }

  it('a row inserted behind the read position during the run is reported, not failed', async () => {
    const r = await runWithInsert(1, '2099-01-01T00:00:00.000000Z');
    expect(batches(r.files)).toHaveLength(300);
    expect(r.warnings?.join('\n')).toMatch(
      /1 rows were inserted behind the read position while the run was reading \(300 written, 301 in the source now\)/,
    );
  });

  it('a row committed behind the read position with a timestamp from before the run fails it', async () => {
    await expect(runWithInsert(2, '2025-01-02T00:00:00.000000Z')).rejects.toThrow(
      /the source holds 301 rows in range with updated_at at or before the run's start \(.+\), but 300 of them were written/,
    );
  });

  it('a row inserted ahead of the read position is delivered, with nothing to report', async () => {
    const r = await runWithInsert(5000, '2099-01-01T00:00:00.000000Z');
    expect(batches(r.files)).toHaveLength(301);
    expect(r.warnings).toBeUndefined();
  });
});

function batches(files: string[]): string[] {
  return files.flatMap((f) => csvRows(f).map((row) => row[0]!));
}
