/**
 * `moh-etl state show|set|reset` as an operator uses them: on the demo (SQLite), with a terminal
 * (through `script`, a real pty) and without one, around a crashed run; and `state set` followed by
 * an incremental run on every dialect, which must deliver exactly the rows after the position.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Watermark } from '../../src/extract/state.js';
import { BIN, cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';
import { csvRows } from '../helpers/csv.js';
import { describeEachDialect, tempDir, type DbConnection, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { describeOutcome, runCliChild } from '../helpers/faults/cli-child.js';
import { writeTableProject } from '../helpers/project.js';
import { dialectSql } from '../helpers/sql.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

interface ShownState {
  source: string;
  watermark: { columns: string[]; values: unknown[]; text: string; set_by?: string } | null;
  lookback_digests: number;
  unfinished_run: { run_id: string; parts: number; directory: string } | null;
  last_run: { run_id: string; status: string } | null;
  warning?: string;
}

const json = <T>(stdout: string): T => JSON.parse(stdout) as T;
const show = (cwd: string, ...sources: string[]) =>
  json<{ sources: ShownState[] }>(cli(['state', 'show', ...sources, '--json'], { cwd }).stdout).sources;

/** The files of a source's newest complete run, as `moh-etl files --json` lists them. */
const newestFiles = (cwd: string, source: string): string[] => {
  const r = cli(['files', source, '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  const listed = json<{ runs: { files: { path: string }[] }[] }>(r.stdout);
  return listed.runs[0]!.files.map((f) => path.resolve(cwd, f.path));
};

/** Run the CLI on a pseudo-terminal (util-linux `script`), answering its question with `answer`. */
function onTerminal(
  cwd: string,
  args: string[],
  answer: string,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  let answered = false;
  // The pty echoes and script may be gone by the time a late write lands: not the test's concern.
  child.stdin.on('error', () => undefined);
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    if (answered || !output.includes('[y/N]')) return;
    answered = true;
    child.stdin.write(`${answer}\n`);
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    }),
  );
}

describe('state on the demo', () => {
  let fx: ConfigFixture;
  const stateFile = (source: string) => path.join(fx.root, 'data/state', `${source}.json`);
  const demoDb = () => new Database(path.join(fx.root, 'data/demo/moh_demo.sqlite'), { readonly: true });

  /** An extraction of attendances killed (SIGKILL) once it has committed a part: an unfinished run. */
  const crashedRun = async () => {
    const run = await runCliChild({
      cwd: fx.root,
      args: ['extract', '--sources', 'attendances', '--mode', 'incremental'],
      stateFile: stateFile('attendances'),
      faults: [{ afterParts: 1, inject: (r) => void r.child.kill('SIGKILL') }],
    });
    expect(run.signal, describeOutcome(run)).toBe('SIGKILL');
  };

  beforeAll(() => {
    fx = configFixture();
    const r = cli(['demo', '--extract', '--start-date', '2025-01-01', '--days', '30', '--scale', '0.01'], {
      cwd: fx.root,
    });
    expect(r.code, r.stderr).toBe(0);
    // Small parts from here on, so that a crash can land between two of them.
    const doc = parseDocument(readFileSync(fx.configPath, 'utf8'));
    doc.setIn(['output', 'part_rows'], 100);
    writeFileSync(fx.configPath, doc.toString());
  });
  afterAll(() => fx?.cleanup());

  it('show: every source, its watermark in canonical text, the lookback window and the last run', () => {
    const r = cli(['state', 'show'], { cwd: fx.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^attendances\n {2}watermark +updated_at=2025-\S+Z attendance_id=\d+\n/m);
    expect(r.stdout).toMatch(
      /^polyclinics\n {2}watermark +none: the next incremental run reads from the beginning/m,
    );
    const states = show(fx.root);
    expect(states.map((s) => s.source)).toHaveLength(8);
    const att = states.find((s) => s.source === 'attendances')!;
    expect(att.watermark?.columns).toEqual(['updated_at', 'attendance_id']);
    expect(att.lookback_digests).toBeGreaterThan(0);
    expect(att.last_run?.status).toBe('succeeded');
    expect(att.warning).toBeUndefined();
    const typo = cli(['state', 'show', 'attendence'], { cwd: fx.root });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown source "attendence" \(did you mean "attendances"\?\)/);
  });

  it('set refuses a malformed or impossible value: exit 2, one line naming the column, nothing changed', () => {
    const before = readFileSync(stateFile('attendances'));
    for (const [value, message] of [
      ['garbage', /value 1 \(updated_at, timestamp\(6\) UTC\) is not a UTC timestamp YYYY-MM-DDTHH:MM:SS/],
      ['2025-02-30T08:00:00Z', /value 1 \(updated_at, timestamp\(6\) UTC\)/],
      ['2025-03-01T08:00:00', /value 1 \(updated_at, timestamp\(6\) UTC\)/],
      ['2025-03-01T08:00:00Z,1.5', /value 2 \(attendance_id, int64\) is not an integer/],
      [
        '2025-03-01T08:00:00Z,1,2',
        /takes 1 to 2 values, comma-separated, in keyset order \(updated_at, attendance_id\)/,
      ],
    ] as const) {
      const r = cli(['state', 'set', 'attendances', '--watermark', value], { cwd: fx.root });
      expect(r.code, value).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), value).toHaveLength(1);
      expect(r.stderr, value).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(readFileSync(stateFile('attendances')).equals(before)).toBe(true);
    const unknown = cli(['state', 'set', 'attendance', '--watermark', '1'], { cwd: fx.root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown source "attendance" \(did you mean "attendances"\?\)/);
  });

  it('set, then an incremental run delivers exactly the rows after the position (the window behind it is not re-read)', async () => {
    // A position in the middle of the source, in keyset order: (updated_at, attendance_id).
    const db = demoDb();
    const all = db
      .prepare(
        'SELECT updated_at, CAST(attendance_id AS TEXT) AS id FROM attendances ORDER BY updated_at, attendance_id',
      )
      .all() as { updated_at: string; id: string }[];
    db.close();
    const at = all[Math.floor(all.length / 2)]!;
    const expected = all.filter(
      (r) => r.updated_at > at.updated_at || (r.updated_at === at.updated_at && BigInt(r.id) > BigInt(at.id)),
    );

    const set = cli(['state', 'set', 'attendances', '--watermark', `${at.updated_at},${at.id}`], {
      cwd: fx.root,
    });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(
      new RegExp(
        `^attendances: watermark set to updated_at=${at.updated_at} attendance_id=${at.id} \\(was updated_at=`,
      ),
    );
    expect(set.stdout).toMatch(/the [\d,]+ rows of the lookback window behind it count as delivered/);
    const state = show(fx.root, 'attendances')[0]!;
    expect(state.watermark).toMatchObject({ values: [at.updated_at, at.id], set_by: 'state set' });
    expect(state.last_run?.status).toBe('succeeded');

    const run = cli(['extract', '--sources', 'attendances'], { cwd: fx.root });
    expect(run.code, run.stderr).toBe(0);
    const files = newestFiles(fx.root, 'attendances');
    const ids = await withDuckDb((q) =>
      q(
        `SELECT CAST(attendance_id AS VARCHAR) AS id FROM read_parquet([${files.map(sqlString).join(', ')}])`,
      ),
    );
    expect(ids.map((r) => String(r.id)).sort()).toEqual(expected.map((r) => r.id).sort());
  });

  it('masks identifying key values on screen, and audits a change with the value as a digest', () => {
    const state = JSON.parse(readFileSync(stateFile('patients'), 'utf8')) as { watermark: Watermark };
    const id = String(state.watermark.values[1]);
    expect(state.watermark.columns).toEqual(['updated_at', 'patient_id']);
    const r = cli(['state', 'show', 'patients', '--offline'], { cwd: fx.root });
    expect(r.stdout).toMatch(/watermark +updated_at=\S+ patient_id=\*\*\*/);
    const shown = show(fx.root, 'patients')[0]!;
    expect(shown.watermark?.values[1]).toBe('***');
    expect(JSON.stringify(shown)).not.toContain(`"${id}"`);

    const value = `${String(state.watermark.values[0])},${id}`;
    const set = cli(['state', 'set', 'patients', '--watermark', value], { cwd: fx.root });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/watermark set to updated_at=\S+ patient_id=\*\*\* \(was /);
    const audit = readdirSync(path.join(fx.root, 'logs'))
      .filter((f) => f.startsWith('audit'))
      .map((f) => readFileSync(path.join(fx.root, 'logs', f), 'utf8'))
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { command: string; argv: string[]; exit_code: number });
    const record = audit.findLast((a) => a.command === 'state set');
    expect(record?.exit_code).toBe(0);
    expect(record?.argv.slice(0, 4)).toEqual(['state', 'set', 'patients', '--watermark']);
    expect(record?.argv[4]).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('set warns when the position is ahead of the newest row in the source, and show keeps warning', () => {
    const r = cli(['state', 'set', 'patients', '--watermark', '2031-01-01T00:00:00+08:00'], { cwd: fx.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^warning: patients: the watermark \(updated_at 2030-12-31T16:00:00\.000000Z\) is ahead of the newest updated_at in the source \(2025-\S+Z\): was the database restored\?.*`moh-etl state set patients --watermark 2025-\S+Z`/m,
    );
    expect(show(fx.root, 'patients')[0]!.warning).toMatch(/is ahead of the newest updated_at/);
    const offline = json<{ sources: ShownState[] }>(
      cli(['state', 'show', 'patients', '--offline', '--json'], { cwd: fx.root }).stdout,
    );
    expect(offline.sources[0]!.warning).toBeUndefined();
  });

  it('reset: refused without a terminal and --yes; on a terminal it asks; it keeps the last run', async () => {
    const before = readFileSync(stateFile('patients'));
    const refused = cli(['state', 'reset', 'patients'], { cwd: fx.root });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'error: state reset forgets the watermark of patients and asks first, but there is no terminal to ask on: pass --yes\n',
    );
    const declined = await onTerminal(fx.root, ['state', 'reset', 'patients'], 'n');
    expect(declined.output).toContain(
      'Reset the watermark of patients? The next incremental run reads it from the beginning. [y/N]',
    );
    expect(declined.output).toContain('Nothing changed.');
    expect(declined.code).toBe(0);
    expect(readFileSync(stateFile('patients')).equals(before)).toBe(true);

    const lastRun = show(fx.root, 'patients')[0]!.last_run;
    const yes = await onTerminal(fx.root, ['state', 'reset', 'patients'], 'y');
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).toContain(
      `patients: watermark reset; the next incremental run reads from the beginning. Last run ${lastRun!.run_id} is kept.`,
    );
    const after = show(fx.root, 'patients')[0]!;
    expect(after).toMatchObject({ watermark: null, lookback_digests: 0, last_run: lastRun });
    const again = cli(['state', 'reset', 'patients', '--yes', '--json'], { cwd: fx.root });
    expect(json(again.stdout)).toEqual({
      sources: [
        {
          source: 'patients',
          reset: false,
          last_run: lastRun!.run_id,
          dropped_unfinished_run: null,
          moved_aside: null,
        },
      ],
    });
  });

  it('an unreadable state file: show reports it (exit 1), reset moves it aside', () => {
    writeFileSync(stateFile('procedures'), '{"source": "procedures", "water');
    const r = cli(['state', 'show', 'procedures'], { cwd: fx.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}error: state file \S*procedures\.json is unreadable: .*moh-etl state reset procedures/m,
    );
    const reset = cli(['state', 'reset', 'procedures', '--yes'], { cwd: fx.root });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toBe(
      'procedures: the state file was unreadable and is moved to data/state/procedures.json.unreadable; the next incremental run reads from the beginning\n',
    );
    expect(readFileSync(`${stateFile('procedures')}.unreadable`, 'utf8')).toBe(
      '{"source": "procedures", "water',
    );
    expect(show(fx.root, 'procedures')[0]).toMatchObject({ watermark: null, last_run: null });
  });

  it('set asks on a terminal too (declined: nothing changed), and proceeds without one', async () => {
    const before = readFileSync(stateFile('lab_results'));
    const declined = await onTerminal(
      fx.root,
      ['state', 'set', 'lab_results', '--watermark', '2025-01-10T00:00:00Z'],
      'no',
    );
    expect(declined.output).toMatch(
      /Set the watermark of lab_results to updated_at=2025-01-10T00:00:00\.000000Z\? \[y\/N\]/,
    );
    expect(readFileSync(stateFile('lab_results')).equals(before)).toBe(true);
    const r = cli(['state', 'set', 'lab_results', '--watermark', '2025-01-10T00:00:00Z'], { cwd: fx.root });
    expect(r.code, r.stderr).toBe(0);
    expect(show(fx.root, 'lab_results')[0]!.watermark?.text).toBe('updated_at=2025-01-10T00:00:00.000000Z');
  });

  it('an unfinished run: set refuses it unless --fresh, reset drops it; its files stay on disk', async () => {
    // Something to read: the run is killed once it has committed its first part.
    expect(
      cli(['state', 'set', 'attendances', '--watermark', '2025-01-05T00:00:00Z'], { cwd: fx.root }).code,
    ).toBe(0);
    await crashedRun();
    const open = show(fx.root, 'attendances')[0]!.unfinished_run!;
    expect(open.parts).toBeGreaterThanOrEqual(1);
    const before = readFileSync(stateFile('attendances'));
    const refused = cli(['state', 'set', 'attendances', '--watermark', '2025-01-05T00:00:00Z'], {
      cwd: fx.root,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^error: source attendances has an unfinished incremental run ${open.run_id} \\(\\d+ parts, [\\d,]+ rows committed\\): finish it first .*or pass --fresh`,
      ),
    );
    expect(readFileSync(stateFile('attendances')).equals(before)).toBe(true);

    const fresh = cli(['state', 'set', 'attendances', '--watermark', '2025-01-05T00:00:00Z', '--fresh'], {
      cwd: fx.root,
    });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain(
      `The unfinished run ${open.run_id} is dropped; its ${open.parts} committed parts stay in ${open.directory}`,
    );
    expect(existsSync(path.join(fx.root, open.directory))).toBe(true);
    expect(show(fx.root, 'attendances')[0]!.unfinished_run).toBeNull();

    await crashedRun();
    const second = show(fx.root, 'attendances')[0]!;
    const reset = cli(['state', 'reset', 'attendances', '--yes'], { cwd: fx.root });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain(`The unfinished run ${second.unfinished_run!.run_id} is dropped`);
    expect(existsSync(path.join(fx.root, second.unfinished_run!.directory))).toBe(true);
    expect(show(fx.root, 'attendances')[0]).toMatchObject({
      watermark: null,
      unfinished_run: null,
      last_run: second.last_run,
    });
  });
});

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
