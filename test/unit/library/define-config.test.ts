/**
 * defineConfig: the same validated LoadedConfig as loadConfig reads from files, from an object,
 * with problems located by key path (no line numbers: there is no file).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defineConfig, DEFINED_CONFIG, type ConfigInput } from '../../../src/config/define.js';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError, type ConfigProblem } from '../../../src/errors.js';

const VISITS_SQL = 'SELECT attendance_id, patient_id, visit_date, updated_at FROM attendances';

const base = (): ConfigInput => ({
  connections: {
    clinic: { client: 'sqlite', filename: 'data/clinic.sqlite' },
    warehouse: {
      client: 'postgres',
      host: 'db.internal',
      database: 'clinical',
      user: 'reader',
      password: 's3cret-pw',
    },
  },
  sources: {
    visits: {
      connection: 'clinic',
      primary_key: ['attendance_id'],
      cursor_column: 'updated_at',
      sql: VISITS_SQL,
    },
    clinics: { connection: 'clinic', primary_key: ['polyclinic_code'], mode: 'full', query: 'polyclinics' },
  },
  queries: { polyclinics: { sql: 'SELECT polyclinic_code, name FROM polyclinics' } },
  extraction: { batch_size: 2_000, lookback: '2h' },
  output: { formats: ['parquet', 'csv'] },
});

const problemsOf = (input: unknown): ConfigProblem[] => {
  try {
    defineConfig(input as ConfigInput, { root: '/srv/moh' });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('defineConfig accepted the config');
};

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('defineConfig', () => {
  it('gives the LoadedConfig that loadConfig reads from the same settings in YAML files', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'moh-define-'));
    dirs.push(root);
    const { queries, sources, ...database } = base();
    const { sql: _sql, ...visits } = sources.visits!;
    mkdirSync(path.join(root, 'config'));
    writeFileSync(
      path.join(root, 'config/database.yml'),
      stringify({ ...database, sources: { ...sources, visits } }),
    );
    writeFileSync(
      path.join(root, 'config/queries.yml'),
      stringify({ ...queries, visits: { sql: VISITS_SQL } }),
    );
    const fromFiles = loadConfig({ root, env: {} });
    const defined = defineConfig(base(), { root, env: {} });

    expect(defined.config).toEqual(fromFiles.config);
    expect(defined.queries).toEqual(fromFiles.queries);
    expect(defined.root).toBe(root);
    expect(defined.file).toBe(path.join(root, DEFINED_CONFIG));
    // Defaults filled in by the schema, as for files.
    expect(defined.config.extraction.settle_lag).toBe('5m');
    expect(defined.config.sources.visits!.enabled).toBe(true);
  });

  it('names an inline sql template after its source and keeps passwords as Secrets', () => {
    const loaded = defineConfig(base(), { root: '/srv/moh' });
    expect(loaded.queries.visits).toEqual({ sql: VISITS_SQL, dialects: {} });
    expect(loaded.config.sources.visits!.query).toBeUndefined();
    const warehouse = loaded.config.connections.warehouse!;
    expect(warehouse.client === 'postgres' && warehouse.password?.reveal()).toBe('s3cret-pw');
    expect(JSON.stringify(loaded)).not.toContain('s3cret-pw');
  });

  it('defaults the root to the working directory and the environment to process.env, kept out of JSON', () => {
    const loaded = defineConfig(base());
    expect(loaded.root).toBe(process.cwd());
    expect(loaded.env).toBe(process.env);
    expect(Object.keys(loaded)).not.toContain('env');
    const env = { MOH_PSEUDONYM_KEY: 'k'.repeat(40) };
    expect(defineConfig(base(), { env }).env).toBe(env);
  });

  it('takes strings as given: ${VAR} is not interpolated', () => {
    const input = base();
    input.connections.clinic = { client: 'sqlite', filename: '${MOH_DEMO_DB:-data/demo.sqlite}' };
    const loaded = defineConfig(input, { env: { MOH_DEMO_DB: 'other.sqlite' } });
    const clinic = loaded.config.connections.clinic!;
    expect(clinic.client === 'sqlite' && clinic.filename).toBe('${MOH_DEMO_DB:-data/demo.sqlite}');
  });

  it('reports every problem at once, by key path in the object given, without line numbers', () => {
    const input = base();
    input.sources.visits!.connection = 'nowhere';
    (input.sources.clinics as Record<string, unknown>).primary_keys = ['x'];
    input.queries!.polyclinics = { sql: 'SELECT polyclinic_code FROM polyclinics ORDER BY polyclinic_code' };
    const problems = problemsOf(input);
    expect(problems.map((p) => [p.file, p.path])).toEqual(
      expect.arrayContaining([
        [DEFINED_CONFIG, 'sources.clinics.primary_keys'],
        [DEFINED_CONFIG, 'sources.visits.connection'],
      ]),
    );
    expect(problems.find((p) => p.path === 'sources.clinics.primary_keys')!.message).toContain(
      'did you mean "primary_key"',
    );
    expect(problems.every((p) => p.line === undefined)).toBe(true);
  });

  it('locates template problems where the SQL was given: queries.<name> or sources.<name>.sql', () => {
    const input = base();
    input.queries!.polyclinics = { sql: 'SELECT polyclinic_code FROM polyclinics ORDER BY polyclinic_code' };
    input.sources.visits!.sql = `${VISITS_SQL} LIMIT 10`;
    const problems = problemsOf(input);
    expect(problems.map((p) => p.path).sort()).toEqual(['queries.polyclinics.sql', 'sources.visits.sql']);
    expect(problems.every((p) => p.file === DEFINED_CONFIG)).toBe(true);
    expect(problems[0]!.message).toMatch(/plain SELECT: remove (ORDER BY|LIMIT)/);
  });

  it('refuses a source giving both sql and query, or sql whose name a queries entry already has', () => {
    const both = base();
    both.sources.clinics!.sql = 'SELECT 1 AS polyclinic_code';
    expect(problemsOf(both).map((p) => p.path)).toContain('sources.clinics.sql');
    const clash = base();
    clash.queries!.visits = { sql: VISITS_SQL };
    const problems = problemsOf(clash);
    expect(problems.map((p) => p.path)).toEqual(['sources.visits.sql']);
    expect(problems[0]!.message).toContain('also given under queries');
  });

  it('says a missing template is missing, naming the source', () => {
    const input = base();
    delete input.queries;
    const problems = problemsOf(input);
    expect(problems.map((p) => p.path)).toEqual(['sources.clinics.query']);
    expect(problems[0]!.message).toContain('no query template "polyclinics"');
  });

  it('turns a value that is no configuration at all into ConfigError, not a TypeError', () => {
    for (const input of [undefined, null, 42, 'config.yml', []]) {
      const problems = problemsOf(input);
      expect(problems.length).toBeGreaterThan(0);
    }
    expect(problemsOf({ connections: {}, sources: {}, queries: 'x' }).map((p) => p.path)).toContain(
      'queries',
    );
  });
});
