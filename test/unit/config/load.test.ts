import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError, formatProblem } from '../../../src/errors.js';
import { configFixture, type ConfigFixture } from '../../helpers/config-fixture.js';

let fx: ConfigFixture;
beforeEach(() => {
  fx = configFixture();
});
afterEach(() => fx.cleanup());

function problems(env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig({ root: fx.root, env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const MINIMAL = `
connections:
  clinical:
    client: postgres
    host: db.example
    port: \${PG_PORT:-5432}
    database: clinical
    user: reader
    password: \${PG_PASSWORD}
sources:
  attendances:
    connection: clinical
    primary_key: [attendance_id]
    cursor_column: updated_at
`;

describe('loadConfig', () => {
  it('loads the repository config with defaults filled in', () => {
    const { config, queries } = loadConfig({ root: fx.root, env: {} });
    expect(Object.keys(config.sources)).toEqual([
      'polyclinics',
      'conditions',
      'patients',
      'attendances',
      'diagnoses',
      'procedures',
      'medications',
      'lab_results',
    ]);
    expect(config.extraction.timezone).toBe('Asia/Singapore');
    expect(config.connections.demo).toMatchObject({
      client: 'sqlite',
      filename: 'data/demo/moh_demo.sqlite',
    });
    expect(Object.keys(queries)).toHaveLength(8);
  });

  it('interpolates ${VAR} and ${VAR:-default}, typing numbers as YAML would', () => {
    fx.write('database.yml', MINIMAL);
    const { config } = loadConfig({ root: fx.root, env: { PG_PASSWORD: 'pw-1234' } });
    const conn = config.connections.clinical;
    expect(conn?.client === 'postgres' && conn.port).toBe(5432);
    expect(conn?.client === 'postgres' && conn.password?.reveal()).toBe('pw-1234');
    const withPort = loadConfig({ root: fx.root, env: { PG_PASSWORD: 'x0001', PG_PORT: '6543' } }).config;
    expect(withPort.connections.clinical).toMatchObject({ port: 6543 });
  });

  it('reads .env, and the real environment wins over it', () => {
    fx.write('database.yml', MINIMAL);
    fx.write('.env', 'PG_PASSWORD=from-dotenv\nPG_PORT=7000\n');
    const { config } = loadConfig({ root: fx.root, env: undefined });
    const conn = config.connections.clinical;
    expect(conn?.client === 'postgres' && conn.password?.reveal()).toBe('from-dotenv');
    process.env.PG_PORT = '7001';
    try {
      expect(loadConfig({ root: fx.root }).config.connections.clinical).toMatchObject({ port: 7001 });
    } finally {
      delete process.env.PG_PORT;
    }
  });

  it('lists every problem at once with file, line, key path, found and expected', () => {
    fx.write(
      'database.yml',
      `
connections:
  clinical:
    client: postgres
    host: db.example
    port: abc
    database: clinical
    user: reader
    pasword: oops
  other:
    client: mongodb
sources:
  attendances:
    connection: missing_conn
    primary_key: [attendance_id]
extraction:
  batch_size: 0
  timezone: Mars/Olympus
  settle_lag: five minutes
`,
    );
    const list = problems();
    expect(list).toEqual(
      expect.arrayContaining([
        'config/database.yml:6 connections.clinical.port: expected number, found "abc"',
        'config/database.yml:9 connections.clinical.pasword: unknown key (did you mean "password"?)',
        expect.stringMatching(
          /^config\/database\.yml:11 connections\.other\.client: expected one of "sqlite", "postgres", "mysql", "mssql", "oracle", found "mongodb"$/,
        ),
        'config/database.yml:17 extraction.batch_size: expected at least 1, found 0',
        expect.stringMatching(
          /^config\/database\.yml:18 extraction\.timezone: expected an IANA time zone.*found "Mars\/Olympus"$/,
        ),
        expect.stringMatching(
          /^config\/database\.yml:19 extraction\.settle_lag: expected a duration.*found "five minutes"$/,
        ),
      ]),
    );
    expect(list).toHaveLength(6);
  });

  it('refuses output file modes that would expose patient data', () => {
    for (const [mode, ok] of [
      ['0640', true],
      ['0600', true],
      ['0400', true],
      ['0644', false],
      ['0660', false],
      ['0666', false],
      ['0740', false],
    ] as const) {
      fx.write('database.yml', `${MINIMAL}output:\n  file_mode: '${mode}'\n`);
      if (ok)
        expect(loadConfig({ root: fx.root, env: { PG_PASSWORD: 'x' } }).config.output.file_mode).toBe(mode);
      else
        expect(problems({ PG_PASSWORD: 'x' }), mode).toEqual([
          expect.stringMatching(/output\.file_mode: expected 0640 or stricter/),
        ]);
    }
  });

  it('reports cross-field problems (unknown connection, missing template, incremental without cursor)', () => {
    fx.write(
      'database.yml',
      `
connections:
  demo: { client: sqlite, filename: x.sqlite }
sources:
  attendances: { connection: nowhere, primary_key: [attendance_id], cursor_column: updated_at }
  visits: { connection: demo, primary_key: [id], cursor_column: updated_at }
  patients: { connection: demo, primary_key: [patient_id] }
schedules:
  nightly: { cron: '0 2 * * *', sources: [attendances, ghosts] }
`,
    );
    const list = problems();
    expect(list).toEqual([
      'config/database.yml:5 sources.attendances.connection: no connection named "nowhere" (defined: demo)',
      expect.stringMatching(
        /^config\/database\.yml:6 sources\.visits: no query template "visits" in config\/queries\.yml/,
      ),
      expect.stringMatching(
        /^config\/database\.yml:7 sources\.patients: incremental mode needs cursor_column/,
      ),
      expect.stringMatching(
        /^config\/database\.yml:9 schedules\.nightly\.sources\.1: unknown source "ghosts"/,
      ),
    ]);
  });

  it('names a missing environment variable and where it is used', () => {
    fx.write('database.yml', MINIMAL);
    expect(problems()).toEqual([
      expect.stringMatching(
        /^config\/database\.yml:9 connections\.clinical\.password: environment variable PG_PASSWORD is not set/,
      ),
    ]);
  });

  it('reports a missing file and a YAML syntax error', () => {
    fx.write('queries.yml', 'attendances: [unclosed\n');
    expect(problems()).toEqual([expect.stringMatching(/^config\/queries\.yml:\d+: YAML syntax/)]);
    fx.cleanup();
    expect(() => loadConfig({ root: fx.root, env: {} })).toThrow(/config\/database\.yml: file not found/);
  });

  it('checks that every :binding of a template has a value', () => {
    fx.write('queries.yml', 'attendances:\n  sql: SELECT * FROM attendances WHERE region = :region\n');
    fx.write('database.yml', MINIMAL.replace('${PG_PASSWORD}', 'pw'));
    expect(problems()).toEqual([
      expect.stringContaining('sources.attendances.params: query "attendances" uses :region'),
    ]);
  });

  it('refuses a template with its own ORDER BY or LIMIT, naming the query', () => {
    fx.write('queries.yml', 'attendances:\n  sql: SELECT * FROM attendances ORDER BY updated_at LIMIT 100\n');
    fx.write('database.yml', MINIMAL.replace('${PG_PASSWORD}', 'pw'));
    expect(problems()).toEqual([
      'config/queries.yml attendances.sql: a template is a plain SELECT: remove ORDER BY, LIMIT (moh-etl adds its own ORDER BY and LIMIT for each batch)',
    ]);
  });
});

describe('did-you-mean and every problem at once', () => {
  it('says a key of another kind of check does not apply, instead of suggesting the key itself', () => {
    const fx = configFixture();
    try {
      const line = '- { check: freshness, column: updated_at, warn_after: 10d, error_after: 30d }';
      const db = readFileSync(fx.configPath, 'utf8');
      expect(db).toContain(line);
      fx.write('database.yml', db.replace(line, line.replace(' }', ', severity: error }')));
      let error: unknown;
      try {
        loadConfig({ root: fx.root, env: {} });
      } catch (e) {
        error = e;
      }
      const problems = (error as ConfigError).problems.map((p) => p.message);
      expect(problems).toContain('"severity" does not apply here (other kinds of this entry take it)');
      expect(problems.join('\n')).not.toContain('did you mean "severity"');
    } finally {
      fx.cleanup();
    }
  });

  it('suggests the key meant, and still runs the cross-file rules when the only problems are typos', () => {
    const fx = configFixture();
    try {
      const db = readFileSync(fx.configPath, 'utf8')
        .replace('  batch_size: 5000', '  batch_sise: 5000')
        .replace(
          '    connection: demo\n    primary_key: [polyclinic_code]',
          '    connection: demoo\n    primary_key: [polyclinic_code]',
        );
      fx.write('database.yml', db);
      let error: unknown;
      try {
        loadConfig({ root: fx.root, env: {} });
      } catch (e) {
        error = e;
      }
      const problems = (error as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
      expect(problems).toContain('extraction.batch_sise: unknown key (did you mean "batch_size"?)');
      expect(
        problems.some((p) => /^sources\.polyclinics\.connection: no connection named "demoo"/.test(p)),
      ).toBe(true);
    } finally {
      fx.cleanup();
    }
  });
});
