import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';

let fx: ConfigFixture;
beforeEach(() => {
  fx = configFixture();
});
afterEach(() => fx.cleanup());

/** Nothing may be written by a rejected command: no data, state, logs or results directories. */
function nothingWritten(): void {
  expect(readdirSync(fx.root).sort()).toEqual(['config']);
}

describe('moh-etl usage', () => {
  it('prints help with examples and exit codes, and the version', () => {
    const help = cli(['--help'], { cwd: fx.root });
    expect(help.code).toBe(0);
    for (const cmd of ['extract', 'run', 'validate', 'schedule', 'status', 'demo', 'check']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    }
    expect(help.stdout).toContain('--start-date 2025-01-01 --end-date 2025-01-31');
    expect(help.stdout).toContain(
      'Exit codes: 0 success, 1 run failure, 2 usage or configuration error, 3 critical',
    );
    const extractHelp = cli(['extract', '--help'], { cwd: fx.root });
    for (const flag of [
      '--sources',
      '--start-date',
      '--end-date',
      '--mode',
      '--format',
      '--config',
      '--log-level',
      '--dry-run',
    ]) {
      expect(extractHelp.stdout).toContain(flag);
    }
    const version = cli(['--version'], { cwd: fx.root });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  const mistakes: [string, string[], RegExp][] = [
    [
      'unknown source',
      ['extract', '--sources', 'attendances', 'visits'],
      /^error: unknown source "visits" in --sources \(valid: polyclinics, conditions, patients, attendances, diagnoses, procedures, medications, lab_results\)$/,
    ],
    [
      'malformed date',
      ['extract', '--start-date', '2025-13-01', '--end-date', '2025-12-31'],
      /^error: --start-date "2025-13-01" is not a date \(expected YYYY-MM-DD, e\.g\. 2025-01-31\)$/,
    ],
    [
      'end before start',
      ['extract', '--start-date', '2025-02-01', '--end-date', '2025-01-31'],
      /^error: --end-date 2025-01-31 is before --start-date 2025-02-01$/,
    ],
    [
      'missing config',
      ['extract', '--config', 'nowhere/database.yml'],
      /^error: invalid configuration \(1 problem\):\n {2}\S*nowhere\/database\.yml: file not found/,
    ],
    [
      'bad mode',
      ['extract', '--mode', 'sometimes'],
      /^error: --mode "sometimes" is not a mode \(valid: incremental, full, refresh\)$/,
    ],
    [
      'bad format',
      ['extract', '--format', 'docx'],
      /^error: --format "docx" is not a format \(valid: csv, parquet, xlsx\)$/,
    ],
    ['unknown flag', ['extract', '--souces', 'x'], /^error: unknown option '--souces'/],
    ['unknown command', ['extrakt'], /^error: unknown command 'extrakt'/],
  ];
  it.each(mistakes)('%s: exit 2, one clear line, nothing written', (_name, args, message) => {
    const r = cli(args, { cwd: fx.root });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
    nothingWritten();
  });

  it('a bad configuration exits 2 and lists every problem with file, line and key path', () => {
    fx.write(
      'database.yml',
      'connections:\n  demo:\n    client: sqlite\n    filename: x.sqlite\n    port: 5432\nsources:\n  attendances:\n    connection: demo\n    primary_key: attendance_id\n',
    );
    const r = cli(['extract'], { cwd: fx.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: invalid configuration (2 problems):');
    // Other clients take `port`: the problem says so instead of suggesting `port` as a fix for itself.
    expect(r.stderr).toContain(
      'config/database.yml:5 connections.demo.port: "port" does not apply here (other kinds of this entry take it)',
    );
    expect(r.stderr).toContain(
      'config/database.yml:9 sources.attendances.primary_key: expected array, found "attendance_id"',
    );
    nothingWritten();
  });

  it('a missing demo database is a run failure with a hint, not a stack trace', () => {
    const r = cli(['extract', '--sources', 'polyclinics'], { cwd: fx.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('polyclinics');
    expect(r.stdout).toMatch(
      /error: polyclinics: connection "demo": SQLite database data\/demo\/moh_demo\.sqlite does not exist \(run `moh-etl demo`/,
    );
    expect(existsSync(path.join(fx.root, 'data/raw'))).toBe(false);
  });

  it('a directory given as --config: exit 2, one line', () => {
    const r = cli(['check', '--config', 'config'], { cwd: fx.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config.*is a directory, expected a YAML file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a damaged state file: named, with the way out, no stack trace', () => {
    mkdirSync(path.join(fx.root, 'data/state'), { recursive: true });
    writeFileSync(path.join(fx.root, 'data/state/attendances.json'), '{"source": "attendances", "water');
    const r = cli(['status'], { cwd: fx.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /state file \S*data\/state\/attendances\.json is unreadable: [\s\S]*moh-etl state reset attendances/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(cli(['state', 'reset', 'attendances', '--yes'], { cwd: fx.root }).code).toBe(0);
    expect(cli(['status'], { cwd: fx.root }).code).toBe(0);
  });

  it('output piped into a reader that stops early is not an error', () => {
    const r = spawnSync('sh', ['-c', `node ${BIN} --help | head -c 1 > /dev/null`], {
      cwd: fx.root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
