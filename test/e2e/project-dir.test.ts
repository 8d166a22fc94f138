/**
 * Relative paths in the config are about the project (the directory holding config/), not about where
 * the command runs: `-c`, `--project-dir`, MOH_ETL_HOME and a working directory inside the project all
 * reach the same state, and nothing is created where the user stands.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';

describe('the project directory', () => {
  let fx: ConfigFixture;
  let elsewhere: string;
  beforeAll(() => {
    fx = configFixture();
    elsewhere = mkdtempSync(path.join(tmpdir(), 'moh-etl-elsewhere-'));
    const r = cli(['demo', '--days', '3', '--scale', '0.002'], { cwd: fx.root });
    expect(r.code, r.stderr).toBe(0);
    const e = cli(['extract', '--sources', 'polyclinics'], { cwd: fx.root });
    expect(e.code, e.stderr).toBe(0);
  });
  afterAll(() => {
    fx.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it.each([
    [
      '-c from another directory',
      (root: string) => ({ args: ['-c', path.join(root, 'config/database.yml')], env: {} }),
    ],
    ['--project-dir', (root: string) => ({ args: ['--project-dir', root], env: {} })],
    ['MOH_ETL_HOME', (root: string) => ({ args: [], env: { MOH_ETL_HOME: root } })],
  ])('%s finds the project’s state and writes nothing where it runs', (_name, how) => {
    const { args, env } = how(fx.root);
    const r = cli(['status', ...args], { cwd: elsewhere, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^polyclinics\s+-\s+\d{8}T\d{6}Z-[0-9a-f]{4}\s+succeeded/m);
    const x = cli(['extract', '--sources', 'conditions', ...args], { cwd: elsewhere, env });
    expect(x.code, x.stderr).toBe(0);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a working directory inside the project finds config/ above it', () => {
    const sub = path.join(fx.root, 'data', 'raw');
    mkdirSync(sub, { recursive: true });
    const r = cli(['status'], { cwd: sub });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^polyclinics\s+-\s+\d{8}T/m);
  });

  it('names the .env file a missing variable should be set in', () => {
    fx.write(
      'database.yml',
      `connections:\n  demo: { client: sqlite, filename: '\${NO_SUCH_VAR}' }\nsources: {}\n`,
    );
    const r = cli(['check', '-c', path.join(fx.root, 'config/database.yml')], { cwd: elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `environment variable NO_SUCH_VAR is not set (set it in ${path.join(fx.root, '.env')}`,
    );
  });
});
