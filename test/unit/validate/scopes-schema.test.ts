/**
 * The `scope:` of a check and the `freshness` kind in config/database.yml: defaults, threshold
 * order, and the kinds refused at dataset scope, each problem at its key path (as the CLI prints it).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/load.js';
import { checkSchema } from '../../../src/config/validation-schema.js';
import { ConfigError, formatProblem } from '../../../src/errors.js';
import { checksAt } from '../../../src/validate/compile.js';
import { configFixture, type ConfigFixture } from '../../helpers/config-fixture.js';

let fx: ConfigFixture;
beforeEach(() => {
  fx = configFixture();
});
afterEach(() => fx.cleanup());

type Doc = {
  connections: Record<string, unknown>;
  sources: Record<string, Record<string, unknown>>;
  validation: { sources: Record<string, unknown[]> };
};

/** The repository config with `checks` as the attendances checks (and a second connection). */
function withChecks(checks: unknown[]): void {
  const doc = parse(readFileSync(fx.configPath, 'utf8')) as Doc;
  doc.connections.other = { client: 'sqlite', filename: 'other.sqlite' };
  doc.sources.patients!.connection = 'other';
  doc.validation.sources = { attendances: checks };
  fx.write('database.yml', stringify(doc));
}

function problems(): string[] {
  try {
    loadConfig({ root: fx.root, env: {} });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe('check scope', () => {
  it('defaults to increment and accepts dataset', () => {
    expect(checkSchema.parse({ check: 'unique', columns: ['id'] }).scope).toBe('increment');
    expect(checkSchema.parse({ check: 'unique', columns: ['id'], scope: 'dataset' }).scope).toBe('dataset');
    const bad = checkSchema.safeParse({ check: 'unique', columns: ['id'], scope: 'table' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['scope']);
  });

  it('splits a source’s checks by scope, in configuration order', () => {
    withChecks([
      { check: 'row_count', scope: 'dataset', min: 1 },
      { check: 'unique', columns: ['attendance_id'] },
      { check: 'not_null', columns: ['visit_date'], scope: 'dataset' },
    ]);
    const { config } = loadConfig({ root: fx.root, env: {} });
    expect(checksAt(config.validation, 'attendances', 'increment').map((c) => c.check)).toEqual(['unique']);
    expect(checksAt(config.validation, 'attendances', 'dataset').map((c) => c.check)).toEqual([
      'row_count',
      'not_null',
    ]);
    expect(checksAt(config.validation, 'patients', 'dataset')).toEqual([]);
  });

  it('refuses at load a kind that does not run at dataset scope, at its key path', () => {
    withChecks([
      { check: 'unique', columns: ['attendance_id'] },
      { check: 'type', scope: 'dataset' },
    ]);
    expect(problems()).toEqual([
      expect.stringMatching(
        /validation\.sources\.attendances\.1\.scope: type checks run at increment scope only \(dataset scope runs: row_count, .*freshness\)/,
      ),
    ]);
  });

  it('refuses a lookaround or a backreference in a dataset-scope pattern (DuckDB runs RE2)', () => {
    withChecks([
      { check: 'pattern', column: 'visit_type', regex: '^(?!X)', scope: 'dataset' },
      { check: 'pattern', column: 'visit_type', regex: '(a)\\1', scope: 'dataset' },
      // Escaped or inside a class, the same characters are literal text: accepted.
      { check: 'pattern', column: 'visit_type', regex: '^\\(?=[(?!]$', scope: 'dataset' },
      // At increment scope JavaScript runs it: accepted.
      { check: 'pattern', column: 'visit_type', regex: '^(?!X)' },
    ]);
    expect(problems()).toEqual([
      expect.stringMatching(/attendances\.0\.regex: at dataset scope the pattern runs in DuckDB \(RE2\)/),
      expect.stringMatching(/attendances\.1\.regex: /),
    ]);
  });

  it('checks references across connections only at increment scope', () => {
    withChecks([
      { check: 'references', column: 'patient_id', source: 'patients' },
      { check: 'references', column: 'patient_id', source: 'patients', scope: 'dataset' },
    ]);
    expect(problems()).toEqual([
      expect.stringMatching(
        /attendances\.0\.source: "patients" is on connection "other", not "demo".*\(or use scope: dataset\)/,
      ),
    ]);
  });
});

describe('freshness check', () => {
  it('parses thresholds as durations; severity comes from them, not from severity:', () => {
    const c = checkSchema.parse({
      check: 'freshness',
      column: 'updated_at',
      warn_after: '2d',
      error_after: '3d',
      critical_after: '7d',
    });
    expect(c).toMatchObject({
      check: 'freshness',
      scope: 'increment',
      warn_after: '2d',
      critical_after: '7d',
    });
    const sev = checkSchema.safeParse({
      check: 'freshness',
      column: 'x',
      warn_after: '1d',
      severity: 'error',
    });
    expect(sev.success).toBe(false);
    expect(sev.error!.issues[0]!.message).toMatch(/severity/);
  });

  it('needs at least one threshold', () => {
    withChecks([{ check: 'freshness', column: 'updated_at' }]);
    expect(problems()).toEqual([
      expect.stringMatching(
        /attendances\[0\]\.warn_after: expected at least one of warn_after, error_after, critical_after/,
      ),
    ]);
  });

  it('needs thresholds in order, the later one named', () => {
    withChecks([
      { check: 'freshness', column: 'updated_at', warn_after: '3d', error_after: '2d' },
      { check: 'freshness', column: 'updated_at', warn_after: '1d', critical_after: '24h' },
      { check: 'freshness', column: 'updated_at', error_after: '36h', critical_after: '2d' },
      { check: 'freshness', column: 'updated_at', error_after: 'soon' },
    ]);
    expect(problems()).toEqual([
      expect.stringMatching(
        /attendances\[0\]\.error_after: expected error_after \(2d\) to be longer than warn_after \(3d\)/,
      ),
      expect.stringMatching(/attendances\[1\]\.critical_after: expected critical_after \(24h\) to be longer/),
      expect.stringMatching(/attendances\[3\]\.error_after: expected a duration/),
    ]);
  });

  it('is in the shipped config on every transactional source, at 10d/30d', () => {
    const { config } = loadConfig({ root: fx.root, env: {} });
    const fresh = Object.entries(config.validation.sources).flatMap(([source, checks]) =>
      checks.filter((c) => c.check === 'freshness').map((c) => [source, c]),
    );
    expect(fresh.map(([s]) => s)).toEqual([
      'patients',
      'attendances',
      'diagnoses',
      'procedures',
      'medications',
      'lab_results',
    ]);
    expect(fresh.every(([, c]) => JSON.stringify(c).includes('"error_after":"30d"'))).toBe(true);
    // "Not empty" is asserted on the processed dataset, never on an increment.
    for (const checks of Object.values(config.validation.sources))
      for (const c of checks)
        if (c.check === 'row_count' && c.min !== undefined) expect(c.scope).toBe('dataset');
  });
});
