/**
 * `moh-etl state set` followed by an incremental run, on every dialect: the stored watermark shown
 * in canonical text (a UTC and a naive cursor), exactly the rows after a full position or after a
 * cursor value alone delivered, and a watermark ahead of the newest row warned about.
 * The operator's `state show|set|reset` on the demo is test/e2e/state.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { csvRows } from '../helpers/csv.js';
import { describeEachDialect, tempDir, type DbConnection, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { writeTableProject } from '../helpers/project.js';
import { dialectSql } from '../helpers/sql.js';
import { json, newestFiles, show } from '../helpers/state-cli.js';

const TYPES: Record<DbConnection['dialect'], { utc: string; naive: string }> = {
  sqlite: { utc: 'TIMESTAMPTZ', naive: 'TIMESTAMP' },
  postgres: { utc: 'timestamptz(6)', naive: 'timestamp(6)' },
  mysql: { utc: 'TIMESTAMP(6) NULL DEFAULT NULL', naive: 'DATETIME(6)' },
};

/** Row i (1-based): three rows per minute from 2025-01-01T00:00Z; the naive column is 8 hours ahead. */
const minuteOf = (id: number) => Math.floor((id - 1) / 3);
const iso = (minute: number, hours = 0) =>
  new Date(Date.UTC(2025, 0, 1, hours, minute)).toISOString().replace('.000Z', '.000000Z');

describeEachDialect('state set, then an incremental run', (target, connection) => {
  let dir: TempDir;
  const ids = (source: string) =>
    newestFiles(dir.path, source)
      .flatMap((f) => csvRows(f).map((r) => Number(r[0])))
      .sort((a, b) => a - b);

  beforeAll(async () => {
    dir = await tempDir();
    const conn = connection();
    const d = conn.dialect;
    const naive = (s: string) => (d === 'mysql' ? s.replace('T', ' ') : s).replace('Z', '');
    const rows = Array.from({ length: 60 }, (_, i) => ({
      sql: 'INSERT INTO events (id, updated_at, changed_at) VALUES (?, ?, ?)',
      values: [i + 1, dialectSql(d).bindTimestamp(iso(minuteOf(i + 1))), naive(iso(minuteOf(i + 1), 8))],
    }));
    await execSql(conn, [
      `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${TYPES[d].utc}, changed_at ${TYPES[d].naive})`,
      ...rows,
    ]);
    writeTableProject(dir.path, conn, {
      sources: {
        events_utc: {
          sql: 'SELECT id, updated_at FROM events',
          primary_key: ['id'],
          cursor_column: 'updated_at',
          mode: 'incremental',
          timezone: 'UTC',
        },
        events_naive: {
          sql: 'SELECT id, changed_at FROM events',
          primary_key: ['id'],
          cursor_column: 'changed_at',
          mode: 'incremental',
          timezone: 'UTC',
        },
      },
      extraction: { batch_size: 7, settle_lag: '0s', lookback: '30m' },
      output: { part_rows: 10 },
    });
    const first = cli(['extract', '--sources', 'events_utc', 'events_naive'], { cwd: dir.path });
    expect(first.code, first.stderr).toBe(0);
  });
  afterAll(() => dir?.remove());

  it(`shows the stored watermark in canonical text (${target.name})`, () => {
    const [utc, naive] = show(dir.path, 'events_utc', 'events_naive');
    expect(utc!.watermark?.text).toBe('updated_at=2025-01-01T00:19:00.000000Z id=60');
    expect(naive!.watermark?.text).toBe('changed_at=2025-01-01T08:19:00.000000 id=60');
    expect(utc!.warning).toBeUndefined();
  });

  it('delivers exactly the rows after a full position, and after a cursor value alone', () => {
    // Inside the tie at minute 10 (ids 31–33): after (00:10, 32) come 33, then minutes 11–19.
    const a = cli(['state', 'set', 'events_utc', '--watermark', '2025-01-01T00:10:00Z,32'], {
      cwd: dir.path,
    });
    expect(a.code, a.stderr).toBe(0);
    // The cursor alone: every row of minute 10 is behind it.
    const b = cli(['state', 'set', 'events_naive', '--watermark', '2025-01-01T08:10:00'], { cwd: dir.path });
    expect(b.code, b.stderr).toBe(0);
    // The 30-minute window behind 08:10 holds minutes 0–10: 33 rows, marked as delivered.
    expect(b.stdout).toContain('the 33 rows of the lookback window behind it count as delivered');
    const run = cli(['extract', '--sources', 'events_utc', 'events_naive'], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(ids('events_utc')).toEqual(range(33, 60));
    expect(ids('events_naive')).toEqual(range(34, 60));
  });

  it('warns about a watermark ahead of the newest row, with the value to set', () => {
    const r = cli(['state', 'set', 'events_utc', '--watermark', '2025-06-01T00:00:00Z', '--json'], {
      cwd: dir.path,
    });
    expect(r.code, r.stderr).toBe(0);
    const { warning } = json<{ warning: string }>(r.stdout);
    expect(warning).toContain(
      'the watermark (updated_at 2025-06-01T00:00:00.000000Z) is ahead of the newest updated_at in the source (2025-01-01T00:19:00.000000Z)',
    );
    expect(warning).toContain('`moh-etl state set events_utc --watermark 2025-01-01T00:19:00.000000Z`');
    expect(show(dir.path, 'events_utc')[0]!.warning).toBe(warning);
  });
});
