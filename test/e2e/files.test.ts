/**
 * `moh-etl files` as an analyst or a script uses it on the demo: the newest complete run's files
 * (checked against the bytes on disk and read back by DuckDB), a run by id, a typo, a crashed run
 * shown as resumable, the run that resumed it finding the files it wrote under the first run's id,
 * and the processed dataset's version.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';
import { describeOutcome, runCliChild } from '../helpers/faults/cli-child.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

interface Listed {
  source: string;
  requested?: string;
  resumed_into?: string | null;
  runs: {
    run_id: string;
    status: string;
    rows: number;
    manifest: string | null;
    resumed_by: string[];
    loaded_in: string | null;
    files: { path: string; rows: number; bytes: number; sha256: string }[];
  }[];
  unfinished: { run_id: string; files: unknown[] } | null;
  incomplete: string[];
  dataset: { version: string; rows: number } | null;
}

let fx: ConfigFixture;
const files = (...args: string[]) => cli(['files', ...args], { cwd: fx.root });
const listed = (...args: string[]): Listed => {
  const r = files(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(r.stdout) as Listed;
};
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const runIdOf = (stdout: string) => /^Run (\d{8}T\d{6}Z-[0-9a-f]+)/m.exec(stdout)![1]!;

/** An extraction of attendances killed (SIGKILL) once it has committed a part. */
async function crashedRun(): Promise<void> {
  const set = cli(['state', 'set', 'attendances', '--watermark', '2025-01-05T00:00:00Z'], { cwd: fx.root });
  expect(set.code, set.stderr).toBe(0);
  const run = await runCliChild({
    cwd: fx.root,
    args: ['extract', '--sources', 'attendances'],
    stateFile: path.join(fx.root, 'data/state/attendances.json'),
    faults: [{ afterParts: 1, inject: (r) => void r.child.kill('SIGKILL') }],
  });
  expect(run.signal, describeOutcome(run)).toBe('SIGKILL');
}

let first: string;
beforeAll(() => {
  fx = configFixture();
  const r = cli(['demo', '--extract', '--start-date', '2025-01-01', '--days', '30', '--scale', '0.01'], {
    cwd: fx.root,
  });
  expect(r.code, r.stderr).toBe(0);
  first = runIdOf(r.stdout);
  const doc = parseDocument(readFileSync(fx.configPath, 'utf8'));
  doc.setIn(['output', 'part_rows'], 100);
  writeFileSync(fx.configPath, doc.toString());
});
afterAll(() => fx?.cleanup());

describe('moh-etl files', () => {
  it("lists the newest complete run's files, as they are on disk", async () => {
    const r = files('attendances');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^attendances: run ${first}, complete, incremental, [\\d,]+ rows, finished 20`),
    );
    expect(r.stdout).toMatch(/^file +rows +bytes +sha256$/m);
    expect(r.stdout).toMatch(
      new RegExp(
        `^data/raw/attendances/extract_date=\\d{4}-\\d{2}-\\d{2}/${first}/part-00000\\.parquet +[\\d,]+ +[\\d,]+ +[0-9a-f]{64}$`,
        'm',
      ),
    );
    const json = listed('attendances');
    expect(json).toMatchObject({ source: 'attendances', unfinished: null, incomplete: [], dataset: null });
    expect(json.runs.map((x) => x.run_id)).toEqual([first]);
    const run = json.runs[0]!;
    for (const f of run.files) {
      const file = path.resolve(fx.root, f.path);
      expect(readFileSync(file).length).toBe(f.bytes);
      expect(sha256(file)).toBe(f.sha256);
      const [n] = await withDuckDb((q) => q(`SELECT count(*)::INTEGER AS n FROM ${sqlString(file)}`));
      expect(n!.n).toBe(f.rows);
    }
    expect(run.files.reduce((n, f) => n + f.rows, 0)).toBe(run.rows);
    expect(existsSync(path.resolve(fx.root, run.manifest!))).toBe(true);
    expect(listed('attendances', '--run', first).runs[0]).toEqual(run);
  });

  it('refuses an unknown run id (did you mean …) and an unknown source, exit 2', () => {
    const typo = `${first.slice(0, -1)}${first.endsWith('0') ? '1' : '0'}`;
    const r = files('attendances', '--run', typo);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^error: run "${typo}" wrote no files of attendances \\(did you mean "${first}"\\?\\)`),
    );
    const s = files('attendence');
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^error: unknown source "attendence" \(did you mean "attendances"\?\)/);
    expect(files('attendances', '--run', first, '--all').code).toBe(2);
  });

  it('shows a crashed run as unfinished (resumable) with its committed parts; the run resuming it finds them', async () => {
    await crashedRun();
    const open = listed('attendances');
    expect(open.runs.map((x) => x.run_id)).toEqual([first]);
    const a = open.unfinished!.run_id;
    expect(files('attendances').stdout).toMatch(
      new RegExp(
        `^unfinished \\(resumable\\): run ${a}, \\d+ committed files, [\\d,]+ rows in data/raw/attendances/.*\`moh-etl extract --sources attendances\` resumes it$`,
        'm',
      ),
    );
    const parts = listed('attendances', '--run', a).runs[0]!;
    expect(parts).toMatchObject({ run_id: a, status: 'unfinished', manifest: null });
    expect(parts.files.length).toBeGreaterThanOrEqual(1);
    for (const f of parts.files) expect(sha256(path.resolve(fx.root, f.path))).toBe(f.sha256);

    const resume = cli(['extract', '--sources', 'attendances'], { cwd: fx.root });
    expect(resume.code, resume.stderr).toBe(0);
    const b = runIdOf(resume.stdout);
    expect(b).not.toBe(a);
    const record = JSON.parse(readFileSync(path.join(fx.root, 'results/runs', `${b}.json`), 'utf8')) as {
      sources: { run_id: string }[];
    };
    expect(record.sources[0]!.run_id).toBe(a);

    const latest = listed('attendances');
    expect(latest.runs.map((x) => [x.run_id, x.status, x.resumed_by])).toEqual([[a, 'complete', [b]]]);
    expect(files('attendances').stdout).toContain(
      `  written by run ${a}, resumed by run ${b} (the files keep the first id)`,
    );
    const byB = files('attendances', '--run', b);
    expect(byB.stdout.split('\n')[0]).toBe(`Run ${b} resumed run ${a}: its files are in ${a}'s directory.`);
    expect(listed('attendances', '--run', b)).toMatchObject({
      requested: b,
      resumed_into: a,
      runs: [{ run_id: a }],
    });
  });

  it('--all: every complete run newest first; a dropped run directory is counted, not listed', async () => {
    await crashedRun();
    const dropped = listed('attendances').unfinished!.run_id;
    expect(cli(['state', 'reset', 'attendances', '--yes'], { cwd: fx.root }).code).toBe(0);
    const all = listed('attendances', '--all');
    expect(all.runs.map((x) => x.status)).toEqual(['complete', 'complete']);
    expect(all.runs.at(-1)!.run_id).toBe(first);
    expect(all.incomplete).toEqual([dropped]);
    expect(files('attendances', '--all').stdout).toContain(
      `not listed: 1 run directory without a manifest (runs that stopped and were discarded): ${dropped}`,
    );
  });

  it("names the processed dataset's current version and whether the run was loaded into it", () => {
    const run = cli(['run', '--sources', 'polyclinics'], { cwd: fx.root });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const id = runIdOf(run.stdout);
    const json = listed('polyclinics', '--all');
    expect(json.dataset).toMatchObject({ version: expect.stringMatching(/^v\d{6}-/) as unknown, rows: 25 });
    expect(json.runs.map((x) => [x.run_id, x.loaded_in])).toEqual([
      [id, json.dataset!.version],
      [first, null],
    ]);
    expect(files('polyclinics').stdout).toMatch(
      new RegExp(
        `^processed dataset data/processed/polyclinics: version ${json.dataset!.version} \\(25 rows, .*\\); this run: loaded in version ${json.dataset!.version}$`,
        'm',
      ),
    );
  });
});
