/**
 * The README's quick start as a newcomer runs it: `moh-etl demo --run` (what `npm run demo` runs)
 * in a fresh project — the whole pipeline on all eight sources — then the next `run`, which finds
 * the datasets current. The demo writes one pseudonymisation key, also over an empty one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
const KEY = 'MOH_PSEUDONYM_KEY';
const NO_KEY = { [KEY]: undefined };

const fixtures: ConfigFixture[] = [];
afterAll(() => fixtures.forEach((f) => f.cleanup()));
const fresh = () => {
  const fx = configFixture();
  fixtures.push(fx);
  return fx;
};
const keyLines = (fx: ConfigFixture) =>
  readFileSync(path.join(fx.root, '.env'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${KEY}=`));

describe('the quick start', () => {
  it('builds validated, de-identified processed datasets for all eight sources', async () => {
    const fx = fresh();
    const r = cli(['demo', '--run'], { cwd: fx.root, env: NO_KEY, timeoutMs: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(keyLines(fx)).toHaveLength(1);
    expect(keyLines(fx)[0]).toMatch(new RegExp(`^${KEY}=demo-[0-9a-f]{64}$`));
    const runId = /^Run (\S+): succeeded$/m.exec(r.stdout)?.[1];
    expect(runId, r.stdout).toBeDefined();
    expect(readdirSync(path.join(fx.root, 'results/validation', runId!))).toContain('report.html');
    for (const source of SOURCES) {
      const glob = sqlString(path.join(fx.root, 'data/processed', source, '**', '*.parquet'));
      const [row] = await withDuckDb((q) => q(`SELECT count(*)::INTEGER AS n FROM read_parquet(${glob})`));
      expect(row!.n, source).toBeGreaterThan(0);
    }
    // The processed patients hold tokens, not the source's NRICs.
    const raw = path.join(fx.root, 'data/raw/patients', '**', '*.parquet');
    const processed = path.join(fx.root, 'data/processed/patients', '**', '*.parquet');
    const [clear] = await withDuckDb((q) =>
      q(
        `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(processed)}) p
          JOIN read_parquet(${sqlString(raw)}) r ON p.nric = r.nric`,
      ),
    );
    expect(clear!.n).toBe(0);

    const again = cli(['run'], { cwd: fx.root, env: NO_KEY, timeoutMs: 300_000 });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(keyLines(fx)).toHaveLength(1);
  });

  it('writes a key over an empty one, once', () => {
    const fx = fresh();
    fx.write('.env', `${KEY}=\n`);
    const r = cli(['demo', '--run', '--scale', '0.05'], { cwd: fx.root, env: NO_KEY, timeoutMs: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(keyLines(fx).filter((l) => l !== `${KEY}=`)).toHaveLength(1);
  });
});
