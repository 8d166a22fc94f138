/**
 * `moh-etl state show|set|reset` as an operator uses them: on the demo (SQLite), with a terminal
 * (through `script`, a real pty) and without one, around a crashed run. `state set` followed by an
 * incremental run on every dialect is test/e2e/state-set-dialects.test.ts.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Watermark } from '../../src/extract/state.js';
import { cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';
import { describeOutcome, runCliChild } from '../helpers/faults/cli-child.js';
import { json, newestFiles, onTerminal, show, type ShownState } from '../helpers/state-cli.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

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
