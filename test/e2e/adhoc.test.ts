/**
 * Ad-hoc extraction as a user types it, on the demo (SQLite) with small batches and parts: `--sql`
 * with `--key`, `--select`/`--where`/`--param`/`--limit` on a configured source, `--output` to a
 * file or a directory, `--stdout` into a pipe, `--dry-run`; the wrong inputs, each refused with one
 * line and its exit code and nothing written; write statements refused before any connection (a
 * connection to a closed port still answers with the statement's problem); and a configured
 * source's watermark and unfinished run left exactly as they were.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';
import { describeOutcome, runCliChild } from '../helpers/faults/cli-child.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

let fx: ConfigFixture;
const BATCH = 100;
const run = (...args: string[]) => cli(['extract', ...args], { cwd: fx.root });
const demo = <T>(sql: string): T[] => {
  const db = new Database(path.join(fx.root, 'data/demo/moh_demo.sqlite'), { readonly: true });
  try {
    const rows: unknown[] = db.prepare(sql).raw().all();
    return rows as T[];
  } finally {
    db.close();
  }
};
const csv = (text: string): string[][] => {
  const rows: string[][] = parse(text);
  return rows;
};

/** Every file under the project with its size: a refused command must change none of it. */
function tree(dir = fx.root, out: Record<string, number> = {}): Record<string, number> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tree(p, out);
    else out[path.relative(fx.root, p)] = statSync(p).size;
  }
  return out;
}

/** A command line as a shell splits it: at spaces, with '…' quoting one word. */
const shellWords = (line: string): string[] =>
  [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  fx = configFixture();
  const r = cli(['demo', '--extract', '--start-date', '2025-01-01', '--days', '10', '--scale', '0.01'], {
    cwd: fx.root,
  });
  expect(r.code, r.stderr).toBe(0);
  const doc = parseDocument(readFileSync(fx.configPath, 'utf8'));
  doc.setIn(['extraction', 'batch_size'], BATCH);
  doc.setIn(['output', 'part_rows'], 300);
  doc.setIn(
    ['connections', 'closed'],
    doc.createNode({
      client: 'postgres',
      host: '127.0.0.1',
      port: await closedPort(),
      database: 'clinical',
      user: 'reader',
      connect_timeout: '5s',
    }),
  );
  writeFileSync(fx.configPath, doc.toString());
});
afterAll(() => fx?.cleanup());

describe('ad-hoc extraction, as typed', () => {
  it('--sql with --key and --param to one CSV file: the rows the statement selects, in key order', () => {
    const r = run(
      ...['--sql', 'SELECT polyclinic_code, name, region FROM polyclinics WHERE region = :r'],
      ...['--connection', 'demo', '--key', 'polyclinic_code', '--param', 'r=East', '--output', 'east.csv'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Ad-hoc run \S+ \(adhoc: --sql on demo\): 5 rows in /);
    expect(r.stdout).toContain('no watermark, checkpoint or run record changed');
    const expected = demo<string[]>(
      "SELECT polyclinic_code, name, region FROM polyclinics WHERE region = 'East' ORDER BY polyclinic_code",
    );
    expect(csv(readFileSync(path.join(fx.root, 'east.csv'), 'utf8'))).toEqual([
      ['polyclinic_code', 'name', 'region'],
      ...expected,
    ]);
    // Nothing beside it: the file was written under a temporary name and renamed.
    expect(readdirSync(fx.root).filter((f) => f.includes('east'))).toEqual(['east.csv']);
  });

  it('--select, --where, --param and --limit on a source to Parquet: the key added and said, N rows in key order', async () => {
    const r = run(
      ...['--sources', 'attendances', '--select', 'visit_date,visit_type'],
      ...['--where', 'visit_type = :t AND waiting_time_min >= :w', '--param', 't=Walk-in', '--param', 'w=10'],
      ...['--limit', '250', '--output', 'walk-ins.parquet'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('note: added attendance_id to --select: batches are read in order of the key');
    const expected = demo<[number, string, string]>(
      "SELECT a.attendance_id, a.visit_date, a.visit_type FROM attendances a WHERE visit_type = 'Walk-in' AND waiting_time_min >= 10 ORDER BY attendance_id LIMIT 250",
    );
    expect(expected).toHaveLength(250); // more rows qualify than the limit lets through
    const file = sqlString(path.join(fx.root, 'walk-ins.parquet'));
    const [columns, rows] = await withDuckDb(async (q) => [
      await q(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${file})`),
      await q(`SELECT attendance_id::INTEGER AS id, visit_date::VARCHAR AS d, visit_type AS t FROM ${file}`),
    ]);
    expect(columns.map((c) => c.column_name)).toEqual(['attendance_id', 'visit_date', 'visit_type']);
    expect(rows.map((x) => [x.id, x.d, x.t])).toEqual(expected);
  });

  it('--stdout: the same bytes as a CSV file of the same rows, and nothing on disk', () => {
    const args = ['--sources', 'lab_results', '--where', "abnormal_flag = 'H'"];
    const toFile = run(...args, '--output', 'high.csv');
    expect(toFile.code, toFile.stderr).toBe(0);
    const before = tree();
    const piped = run(...args, '--stdout');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(readFileSync(path.join(fx.root, 'high.csv'), 'utf8'));
    expect(csv(piped.stdout).length - 1).toBe(
      demo<[number]>("SELECT count(*) FROM lab_results WHERE abnormal_flag = 'H'")[0]![0],
    );
    const after = tree();
    // Only the log files grew (the audit record of the export): no data file, no state.
    expect(Object.keys(after).filter((f) => !f.startsWith('logs/'))).toEqual(
      Object.keys(before).filter((f) => !f.startsWith('logs/')),
    );
  });

  it('--stdout | head -3: three lines, exit 0, no error when the reader goes away', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" extract --sources attendances --stdout | head -3; echo "exit=\${PIPESTATUS[0]}" >&2`,
      ],
      { cwd: fx.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
    );
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(r.stdout).toMatch(/^attendance_id,patient_id,/);
    expect(r.stderr.trim()).toBe('exit=0');
  });

  it('--output DIR: parts of part_rows rows and a manifest, as under output.directory', async () => {
    const r = run('--sources', 'diagnoses', '--output', 'exports/', '--format', 'csv', 'parquet');
    expect(r.code, r.stderr).toBe(0);
    const [day] = readdirSync(path.join(fx.root, 'exports/diagnoses'));
    const [runId] = readdirSync(path.join(fx.root, 'exports/diagnoses', day!));
    const dir = path.join(fx.root, 'exports/diagnoses', day!, runId!);
    const manifest = JSON.parse(readFileSync(path.join(dir, '_manifest.json'), 'utf8')) as {
      rows: number;
      key_columns: string[];
      parts: { file: string; rows: number }[];
    };
    const total = demo<[number]>('SELECT count(*) FROM diagnoses')[0]![0];
    expect(manifest.rows).toBe(total);
    expect(manifest.key_columns).toEqual(['diagnosis_id']);
    expect(manifest.parts.filter((p) => p.file.endsWith('.csv')).map((p) => p.rows)).toEqual([
      ...Array<number>(Math.floor(total / 300)).fill(300),
      ...(total % 300 ? [total % 300] : []),
    ]);
    const [counted] = await withDuckDb((q) =>
      q(`SELECT count(DISTINCT diagnosis_id)::INTEGER AS n FROM ${sqlString(path.join(dir, '*.parquet'))}`),
    );
    expect(counted!.n).toBe(total);
  });

  it('--sql without --key reads one statement when --limit fits a batch; without a limit it is refused', () => {
    const r = run('--sql', 'SELECT sex, ethnicity FROM patients', '--limit', String(BATCH), '--stdout');
    expect(r.code, r.stderr).toBe(0);
    expect(csv(r.stdout)).toHaveLength(BATCH + 1);
    const refused = run('--sql', 'SELECT sex, ethnicity FROM patients', '--stdout');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --sql needs --key COLUMN\[,COLUMN\] naming a unique key/);
    expect(refused.stderr).toContain(`only --limit N up to extraction.batch_size (${BATCH})`);
  });

  it('a --key that is not unique is caught (rows would be skipped at batch boundaries): exit 1, no file', () => {
    const r = run('--sql', 'SELECT sex, ethnicity FROM patients', '--key', 'sex', '--output', 'sexes.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: --sql returned \d+ rows but \d+ were read in order of --key sex: the key is not unique/,
    );
    expect(existsSync(path.join(fx.root, 'sexes.csv'))).toBe(false);
    expect(readdirSync(fx.root).filter((f) => f.startsWith('.sexes'))).toEqual([]);
  });

  it('--dry-run prints the SQL with placeholders and the bindings beside it, and writes nothing', () => {
    const before = tree();
    const r = run(
      ...['--sources', 'patients', '--select', 'sex', '--where', 'ethnicity = :e'],
      ...['--param', 'e=Malay', '--limit', '5', '--dry-run'],
    );
    expect(r.code, r.stderr).toBe(0);
    const sql = r.stdout.split('\n').filter((l) => !l.startsWith('--'));
    expect(sql.join('\n')).toContain('ethnicity = ?');
    expect(sql.join('\n')).not.toContain('Malay');
    expect(r.stdout).toContain('-- bindings: ["Malay"]');
    expect(r.stdout).toMatch(/LIMIT 5$/m);
    expect(r.stdout).toContain('-- rows to read (COUNT now, at most --limit 5): 5');
    expect(r.stdout).toMatch(
      /-- output: data\/raw\/ad-hoc\/patients\/extract_date=\S+\/<run_id>\/part-00000\.parquet/,
    );
    expect(tree()).toEqual(before);
  });
});

describe('wrong inputs: one clear line, the documented exit code, nothing written', () => {
  const refused = (flag: string, problem: string) =>
    new RegExp(`^error: ${flag} refused \\(nothing was sent to the server\\): ${problem}`);
  const keyed = `--sql 'SELECT * FROM patients' --key patient_id --connection closed`;
  // As typed at a shell: words split at spaces, '…' quoting one word.
  // prettier-ignore
  const cases: [string, string, number, RegExp][] = [
    ['DELETE', `--sql 'DELETE FROM patients' --connection closed`, 2, refused('--sql', 'it must be a SELECT')],
    ['a second statement', `--sql 'SELECT 1; DROP TABLE patients' --connection closed`, 2, refused('--sql', 'one statement only')],
    ['a writing CTE', `--sql 'WITH d AS (DELETE FROM patients RETURNING *) SELECT * FROM d' --key patient_id --connection closed`, 2, refused('--sql', 'DELETE is not allowed')],
    ['a statement in --where', `${keyed} --where '1=1; DELETE FROM x'`, 2, refused('--where', 'a predicate is one condition: remove the ";"')],
    ['--where escaping its parentheses', `--sources patients --where '1=1) UNION SELECT * FROM patients WHERE (1=1'`, 2, refused('--where', 'a "\\)" closes a parenthesis the predicate did not open\n')],
    ['--where the server rejects', `--sources patients --where 'no_such_column > 1'`, 2, /^error: the server rejected --where: no such column: no_such_column\n/],
    ['unknown --select column', `--sources patients --select sex,ethnicty`, 2, /^error: --select: "ethnicty" is not a column of source "patients" \(did you mean "ethnicity"\?\) \(columns: patient_id, nric, date_of_birth, sex, ethnicity, postal_code, home_polyclinic, created_at, updated_at\)\n/],
    ['a :name without --param', `--sources patients --where 'sex = :sex'`, 2, /^error: :sex in --where has no value\nhint: add --param sex=VALUE/],
    ['--param with a missing name', `--sources patients --where 'sex = :sex' --param =F`, 2, /^error: --param has no name before "=": write --param NAME=VALUE\n/],
    ['--param for no :name', `--sources patients --where 'sex = :sex' --param sex=F --param age=3`, 2, /^error: --param age: there is no :age in the template of source "patients" or --where/],
    ['--output in no directory', `--sources patients --output nowhere/p.csv`, 1, /^error: cannot write \S+\/nowhere\/p\.csv: no such directory /],
    ['--output under a file', `--sources patients --output config/database.yml/p.csv`, 1, /^error: cannot write \S+\/database\.yml\/p\.csv: \S+ is not a directory/],
    ['--output of no format', `--sources patients --output p.txt`, 2, /^error: --output p\.txt: \.txt is not a format this writes/],
    ['--sql and --sources', `--sql 'SELECT 1' --sources patients`, 2, /^error: --sql and --sources are alternatives/],
    ['--mode incremental', `--sources patients --stdout --mode incremental`, 2, /^error: --mode incremental needs a watermark/],
  ];
  it.each(cases)('%s', (_name, typed, code, message) => {
    const before = tree();
    const r = run(...shellWords(typed));
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.startsWith('error: ')).toBe(true);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2); // the error, and a hint
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(tree()).toEqual(before);
  });

  it('the closed port is closed: a statement that passes the checks fails to connect (exit 1)', () => {
    const r = run(
      '--sql',
      'SELECT * FROM patients',
      '--key',
      'patient_id',
      '--connection',
      'closed',
      '--stdout',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: connect ECONNREFUSED 127\.0\.0\.1:\d+\nhint: cannot reach connection "closed"/,
    );
  });

  it('--output to a directory it may not write: exit 1, "permission denied", nothing written', () => {
    const isRoot = process.getuid?.() === 0;
    // root writes through any mode bits; sysfs refuses new files even to root.
    const dir = isRoot ? '/sys' : path.join(fx.root, 'locked');
    if (!isRoot) mkdirSync(dir, { mode: 0o500 });
    const before = tree();
    const r = run('--sources', 'patients', '--output', path.join(dir, 'patients.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot write \S+patients\.csv: permission denied\nhint: /);
    expect(tree()).toEqual(before);
  });
});

describe('the configured source is not disturbed', () => {
  it('keeps its watermark and its unfinished run through ad-hoc runs, then resumes that run', async () => {
    const stateFile = path.join(fx.root, 'data/state/attendances.json');
    const crashed = await runCliChild({
      cwd: fx.root,
      args: ['extract', '--sources', 'attendances', '--mode', 'full'],
      stateFile,
      faults: [{ afterParts: 1, inject: (c) => void c.child.kill('SIGKILL') }],
    });
    expect(crashed.signal, describeOutcome(crashed)).toBe('SIGKILL');
    const state = readFileSync(stateFile, 'utf8');
    const pending = (JSON.parse(state) as { pending?: { run_id: string } }).pending;
    expect(pending?.run_id).toBeDefined();
    expect((JSON.parse(state) as { watermark?: unknown }).watermark).toBeDefined();
    const raw = tree(path.join(fx.root, 'data/raw/attendances'));
    const runs = readdirSync(path.join(fx.root, 'results/runs')).sort();

    for (const args of [
      ['--sources', 'attendances', '--limit', '10', '--stdout'],
      [
        '--sources',
        'attendances',
        '--start-date',
        '2025-01-02',
        '--end-date',
        '2025-01-03',
        '--output',
        'jan.parquet',
      ],
      ['--sources', 'attendances', '--select', 'visit_type'],
    ]) {
      const r = run(...args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
    }
    expect(readFileSync(stateFile, 'utf8')).toBe(state);
    expect(tree(path.join(fx.root, 'data/raw/attendances'))).toEqual(raw);
    expect(readdirSync(path.join(fx.root, 'results/runs')).sort()).toEqual(runs);
    expect(readdirSync(path.join(fx.root, 'data/raw/ad-hoc'))).toEqual(['attendances']);

    const resumed = run('--sources', 'attendances', '--mode', 'full');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resumed the unfinished run ${pending!.run_id}`);
  });
});
