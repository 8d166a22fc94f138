/**
 * What a kill -9 of the built CLI leaves behind, and that it does not get in the way (SQLite):
 * `status` names the unfinished run until it is resumed, and a state temp file left by a killed
 * process does not block a later process that happens to have the same pid.
 * The kill -9 and resume of many kill points is test/integration/crash-resume.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { cli } from '../helpers/cli.js';
import { BASE, BATCH_SIZE, instant, PART_ROWS, payload, runCli, stateFile } from '../helpers/crash-kit.js';
import { tempDir, type DbConnection } from '../helpers/databases.js';
import { readState, writeTableProject } from '../helpers/project.js';
import { dialectSql, insertRows, openClient } from '../helpers/sql.js';

describe('after a kill -9 [sqlite]', () => {
  it('names the unfinished run, and none once it is resumed', { timeout: 60_000 }, async () => {
    const dir = await tempDir('moh-etl-crash-status-');
    const conn: DbConnection = { dialect: 'sqlite', filename: path.join(dir.path, 'src.sqlite') };
    const db = await openClient(conn);
    try {
      const d = dialectSql('sqlite');
      await db.exec(
        `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
      );
      const rows = Array.from({ length: 5000 }, (_, i) => [
        i + 1,
        instant(BASE + (i % 10) * 1000, 1),
        payload(i + 1, 0),
      ]);
      await insertRows(db, 'events', ['id', 'updated_at', 'payload'], rows);
      const loaded = writeTableProject(path.join(dir.path, 'project'), conn, {
        sources: {
          events: {
            sql: 'SELECT id, updated_at, payload FROM events',
            primary_key: ['id'],
            cursor_column: 'updated_at',
          },
        },
        extraction: { batch_size: BATCH_SIZE, settle_lag: '0s' },
        output: { part_rows: PART_ROWS },
      });
      const killed = await runCli(loaded, { at: 'rows', share: 0.3, delayMs: 0 }, rows.length);
      expect(killed.killed, 'the run finished before the kill').toBe(true);
      const pending = readState(loaded, 'events').pending;
      expect(pending, 'a mid-run kill leaves the run pending').toBeDefined();

      const status = cli(['status'], { cwd: loaded.root });
      expect(status.code).toBe(0);
      // `status` has an "unfinished run" column: after a crash it must name the run to be resumed.
      expect(status.stdout, `status after a kill:\n${status.stdout}`).toContain(pending!.run_id);

      const resumed = await runCli(loaded, undefined, rows.length);
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(readState(loaded, 'events').pending).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('a temp file left by a killed process does not block a later process with the same pid', async () => {
    // A kill -9 while the state file is being replaced leaves data/state/.events.json.<pid>.tmp
    // (seen above in the kill logs as "state temp …"). PIDs are reused — in a container where
    // moh-etl is PID 1, every run has the same one — so the later run is played by this process.
    const dir = await tempDir('moh-etl-crash-pid-');
    const conn: DbConnection = { dialect: 'sqlite', filename: path.join(dir.path, 'src.sqlite') };
    const db = await openClient(conn);
    try {
      await db.exec(
        `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${dialectSql('sqlite').timestampType} NOT NULL, payload TEXT)`,
      );
      const rows = Array.from({ length: 50 }, (_, i) => [i + 1, instant(BASE, 1), payload(i + 1, 0)]);
      await insertRows(db, 'events', ['id', 'updated_at', 'payload'], rows);
      const loaded = writeTableProject(path.join(dir.path, 'project'), conn, {
        sources: {
          events: {
            sql: 'SELECT id, updated_at, payload FROM events',
            primary_key: ['id'],
            cursor_column: 'updated_at',
          },
        },
        extraction: { settle_lag: '0s' },
      });
      const stateDir = path.dirname(stateFile(loaded));
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(path.join(stateDir, `.events.json.${process.pid}.tmp`), '{"source": "ev');

      const summary = await runExtract(loaded, { sources: ['events'], mode: 'incremental' }, silentLogger());
      const r = summary.sources[0]!;
      expect({ status: r.status, rows: r.rows, error: r.error }).toEqual({
        status: 'succeeded',
        rows: 50,
        error: undefined,
      });
    } finally {
      await db.close();
    }
  });
});
