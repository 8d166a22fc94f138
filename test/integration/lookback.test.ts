/**
 * The lookback window: a row committed late, with a cursor value behind the watermark, is caught
 * by the next run; rows in the window that were already delivered are not delivered again.
 */
import { csvRows } from '../helpers/csv.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { describeEachDialect, tempDir, type DbConnection, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { writeProject } from '../helpers/mini-project.js';

const TS: Record<DbConnection['dialect'], string> = {
  postgres: 'TIMESTAMPTZ(6)',
  mysql: 'DATETIME(6)',
  sqlite: 'TIMESTAMPTZ',
};
const at = (d: DbConnection['dialect'], iso: string) =>
  d === 'sqlite' ? iso : iso.replace('T', ' ').replace('Z', d === 'postgres' ? '+00' : '');

describeEachDialect('lookback window', (_target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;
  const ids = async (sources = ['events']) => {
    const s = await runExtract(loaded, { sources, mode: 'incremental' }, silentLogger());
    expect(s.sources[0]?.error).toBeUndefined();
    return s.sources[0]!.files.flatMap((f) => csvRows(f).map((r) => Number(r[0])));
  };

  beforeAll(async () => {
    dir = await tempDir();
    const conn = connection();
    const d = conn.dialect;
    const rows = Array.from({ length: 50 }, (_, i) => ({
      sql: 'INSERT INTO events VALUES (?, ?)',
      values: [i + 1, at(d, `2025-01-01T00:${String(i).padStart(2, '0')}:00.000000Z`)],
    }));
    await execSql(conn, [`CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${TS[d]})`, ...rows]);
    loaded = writeProject(dir.path, conn, {
      sources: {
        events: { primary_key: ['id'], cursor_column: 'updated_at', mode: 'incremental', timezone: 'UTC' },
      },
      queries: { events: 'SELECT id, updated_at FROM events' },
      extraction: { batch_size: 7, settle_lag: '0s', lookback: '30m' },
      output: { part_rows: 10 },
    });
  });
  afterAll(() => dir.remove());

  it('catches a late commit behind the watermark once, and re-delivers nothing else', async () => {
    expect(await ids()).toHaveLength(50);
    expect(await ids()).toEqual([]);
    // A row committed late: its cursor (00:40) is behind the watermark (00:49) but inside the window.
    await execSql(connection(), [
      {
        sql: 'INSERT INTO events VALUES (?, ?)',
        values: [1000, at(connection().dialect, '2025-01-01T00:40:00.000000Z')],
      },
    ]);
    // And a new row ahead of the watermark.
    await execSql(connection(), [
      {
        sql: 'INSERT INTO events VALUES (?, ?)',
        values: [1001, at(connection().dialect, '2025-01-01T01:00:00.000000Z')],
      },
    ]);
    expect((await ids()).sort((a, b) => a - b)).toEqual([1000, 1001]);
    expect(await ids()).toEqual([]);
  });

  it('reports, once, a row committed behind the window (a new key, an old cursor), naming the remedy', async () => {
    // Stamped 00:05, far behind the watermark (01:00) and the 30-minute window.
    await execSql(connection(), [
      {
        sql: 'INSERT INTO events VALUES (?, ?)',
        values: [2000, at(connection().dialect, '2025-01-01T00:05:00.000000Z')],
      },
    ]);
    const run = await runExtract(loaded, { sources: ['events'], mode: 'incremental' }, silentLogger());
    expect(run.sources[0]).toMatchObject({ status: 'succeeded', rows: 0, late_behind: 1 });
    expect(run.sources[0]!.warnings?.join('\n')).toMatch(
      /1 row was committed behind this run's start .* raise extraction\.lookback.*--mode refresh --sources events/,
    );
    // Reported once: the next run has seen its key.
    const next = await runExtract(loaded, { sources: ['events'], mode: 'incremental' }, silentLogger());
    expect(next.sources[0]).toMatchObject({ status: 'succeeded', rows: 0, late_behind: 0 });
    expect(next.sources[0]!.warnings?.join('\n') ?? '').not.toMatch(/committed behind/);
  });
});
