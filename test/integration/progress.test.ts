/**
 * Progress (issue 10, item 5): library users get `progress` events with rows, rows/s and, where the
 * database's planner gives one (PostgreSQL, MySQL/MariaDB: EXPLAIN, no row read), the estimate an
 * ETA is drawn from; a terminal gets a live line per source from `extract` and `run`; a pipe gets
 * none. The terminal is a real pseudo-terminal (util-linux `script`).
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import type { PipelineEvent } from '../../src/observe/events.js';
import { timeLeft } from '../../src/cli/progress.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { BIN, cli } from '../helpers/cli.js';
import { describeEachDialect, tempDir } from '../helpers/databases.js';
import { writeTableProject } from '../helpers/project.js';
import { insertRows, openClient } from '../helpers/sql.js';

const ROWS = 6_000;

/** The CLI under a pseudo-terminal: what a user at a terminal sees (stdout and stderr together). */
function onTerminal(args: string[], cwd: string): { code: number; output: string } {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qefc', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, output: r.stdout };
}

describeEachDialect('progress', (target, connection) => {
  const estimates = target.dialect !== 'sqlite';
  const project = async () => {
    const root = (await tempDir('moh-etl-progress-')).path;
    return writeTableProject(root, connection(), {
      sources: {
        items: { sql: 'SELECT id, label FROM items', primary_key: ['id'], mode: 'full' },
      },
      extraction: { batch_size: 200 },
      output: { part_rows: 2_000 },
    });
  };

  it('creates the table', async () => {
    const db = await openClient(connection());
    try {
      await db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, label VARCHAR(40))');
      const rows = Array.from({ length: ROWS }, (_, i) => [i + 1, `item ${i + 1}`]);
      await insertRows(db, 'items', ['id', 'label'], rows);
      if (target.dialect === 'postgres') await db.exec('ANALYZE items');
      if (target.dialect === 'mysql') await db.exec('ANALYZE TABLE items');
    } finally {
      await db.close();
    }
  });

  it(`library: progress events with rows and rows/s${estimates ? ' and the planner’s estimate' : ''}`, async () => {
    const loaded = await project();
    const events: PipelineEvent[] = [];
    const record = await runPipeline({ config: loaded, phases: ['extract'], onEvent: (e) => events.push(e) });
    expect(record.status).toBe('succeeded');
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e] : []));
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p).toMatchObject({ source: 'items', phase: 'extract' });
      expect(p.rows).toBeGreaterThan(0);
      expect(p.rows).toBeLessThanOrEqual(ROWS);
      expect(p.rows_per_s).toBeGreaterThan(0);
      if (estimates) {
        // A planner's guess, after ANALYZE close to the table: within a factor of two.
        expect(p.estimate).toBeGreaterThan(ROWS / 2);
        expect(p.estimate).toBeLessThan(ROWS * 2);
      } else expect(p.estimate).toBeUndefined();
    }
  });

  it('a terminal gets a live line per source from extract and run; a pipe gets none', async () => {
    const loaded = await project();
    const extract = onTerminal(['extract', '--sources', 'items'], loaded.root);
    expect(extract.code, extract.output).toBe(0);
    expect(extract.output).toMatch(/items\s+extract.*rows\/s/);
    // cli-progress's own {eta} token once rendered after the elapsed time ("1s0"): ours is {left}.
    expect(extract.output).not.toMatch(/\ds0\b/);
    const run = onTerminal(
      ['run', '--sources', 'items', '--mode', 'full', '--skip', 'validate'],
      loaded.root,
    );
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/items\s+(extract|transform|load).*rows\/s/);

    const piped = cli(['extract', '--sources', 'items', '--mode', 'full', '--fresh'], { cwd: loaded.root });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/rows\/s/);
    const json = onTerminal(['extract', '--sources', 'items', '--mode', 'full', '--json'], loaded.root);
    expect(json.code, json.output).toBe(0);
    expect(json.output).not.toMatch(/rows\/s/);
  });
});

it('the time left: a share and a clock from the estimate, nothing once the rows pass it', () => {
  expect(timeLeft(250, 1000, 50)).toBe(' 25% ~15s left');
  expect(timeLeft(0, 100_000, 1000)).toBe(' 0% ~1m 40s left');
  expect(timeLeft(10, 9_000_010, 1000)).toBe(' 0% ~2h 30m left');
  expect(timeLeft(1000, 1000, 50)).toBe('');
  expect(timeLeft(1200, 1000, 50)).toBe('');
  expect(timeLeft(10, undefined, 50)).toBe('');
  expect(timeLeft(10, 1000, 0)).toBe('');
});
