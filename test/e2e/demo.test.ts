/**
 * The README's first command, as a newcomer runs it: `moh-etl demo --extract` (what `npm run demo`
 * runs) in a fresh project, then the incremental cycle an analyst or cron would follow.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

const SOURCES = [
  'polyclinics',
  'conditions',
  'patients',
  'attendances',
  'diagnoses',
  'procedures',
  'medications',
  'lab_results',
];

let fx: ConfigFixture;
beforeAll(() => {
  fx = configFixture();
});
afterAll(() => fx.cleanup());

const rowsIn = (stdout: string, source: string): number => {
  const m = new RegExp(`^${source}\\s+\\S+\\s+ok\\s+([\\d,]+)`, 'm').exec(stdout);
  if (!m) throw new Error(`no row for ${source} in:\n${stdout}`);
  return Number(m[1]!.replace(/,/g, ''));
};

describe('the demo', () => {
  it('creates the demo database and extracts all eight sources to Parquet, saying where the files are', async () => {
    // A fixed timeline (2025-01-01 to 2025-03-31), so dates below are known.
    const r = cli(['demo', '--extract', '--start-date', '2025-01-01'], { cwd: fx.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Creating the demo database data/demo/moh_demo.sqlite');
    expect(r.stdout).toMatch(/8 of 8 sources extracted, [\d,]+ rows; files under data\/raw\//);
    expect(existsSync(path.join(fx.root, 'data/demo/moh_demo.sqlite'))).toBe(true);
    for (const source of SOURCES) {
      expect(rowsIn(r.stdout, source)).toBeGreaterThan(0);
      const runs = readdirSync(path.join(fx.root, 'data/raw', source)).flatMap((d) =>
        readdirSync(path.join(fx.root, 'data/raw', source, d)).map((run) =>
          path.join(fx.root, 'data/raw', source, d, run),
        ),
      );
      expect(runs).toHaveLength(1);
      expect(readdirSync(runs[0]!).sort()).toEqual(['_manifest.json', 'part-00000.parquet']);
      const manifest = JSON.parse(readFileSync(path.join(runs[0]!, '_manifest.json'), 'utf8')) as {
        rows: number;
      };
      const file = path.join(runs[0]!, 'part-00000.parquet');
      const [counted] = await withDuckDb((q) => q(`SELECT count(*)::INTEGER AS n FROM ${sqlString(file)}`));
      expect(manifest.rows).toBe(rowsIn(r.stdout, source));
      expect(counted!.n).toBe(manifest.rows);
    }
  });

  it('a second run finds nothing new for the incremental sources; --advance-days gives it something', () => {
    const again = cli(['demo', '--extract'], { cwd: fx.root });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('exists');
    for (const s of SOURCES.slice(2)) expect(rowsIn(again.stdout, s)).toBe(0);

    const adv = cli(['demo', '--advance-days', '2'], { cwd: fx.root });
    expect(adv.code).toBe(0);
    expect(adv.stdout).toMatch(/Days 2025-04-01 to 2025-04-02/);
    const next = cli(['extract', '--sources', 'attendances', 'lab_results'], { cwd: fx.root });
    expect(next.code).toBe(0);
    expect(rowsIn(next.stdout, 'attendances')).toBeGreaterThan(100);
    const status = cli(['status'], { cwd: fx.root });
    expect(status.stdout).toMatch(/^attendances\s+updated_at=2025-04-02T\S+Z attendance_id=\d+/m);
  });

  it('--force recreates the database and resets the state, so the next extraction reads it all', () => {
    const refused = cli(['demo', '--scale', '0.01'], { cwd: fx.root });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --scale applies when the demo database is created.*--force/m);
    const r = cli(['demo', '--force', '--extract', '--dirty-rate', '0.01', '--start-date', '2025-01-01'], {
      cwd: fx.root,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Reset the extraction state and processed datasets of polyclinics, conditions, patients, attendances/,
    );
    expect(r.stdout).toMatch(/Injected [\d,]+ defective rows \(dirty rate 0\.01\):/);
    expect(r.stdout).toMatch(/^attendances\s+\S+\s+\S+\s+[\d,]+$/m);
    for (const s of SOURCES) expect(rowsIn(r.stdout, s), s).toBeGreaterThan(0);
  });

  it('refuses to advance the timeline into the future, with exit 2', () => {
    const r = cli(['demo', '--advance-days', '3000'], { cwd: fx.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*(yesterday|past)/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('checks every option before it changes anything (no stack trace, nothing reset)', () => {
    const state = readdirSync(path.join(fx.root, 'data/state')).sort();
    for (const args of [
      ['--advance-days', '99999999'],
      ['--force', '--days', '10000'],
      ['--force', '--seed', '99999999999999999999'],
      ['--force', '--start-date', '2999-01-01'],
      ['--force', '--scale', 'lots'],
    ]) {
      const r = cli(['demo', ...args], { cwd: fx.root });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readdirSync(path.join(fx.root, 'data/state')).sort()).toEqual(state);
  });
});
