/**
 * Regressions of other tools, on every dialect: NULLs in an accepted_values column and in a foreign
 * key are reported per the declared null policy (never passed silently), and a percentage threshold
 * counts them as its stated denominator says. Also the pushdown of composite unique keys.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runValidate } from '../../src/pipeline/validate-step.js';
import type { CheckResult } from '../../src/validate/result.js';
import { asConnectionConfig, describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';

const CHECKS = [
  { check: 'accepted_values', name: 'status_ignore', column: 'status', values: ['open', 'closed'] },
  {
    check: 'accepted_values',
    name: 'status_fail',
    column: 'status',
    values: ['open', 'closed'],
    nulls: 'fail',
  },
  { check: 'accepted_values', name: 'pct_rows', column: 'status', values: ['open', 'closed'], fail: '10%' },
  {
    check: 'accepted_values',
    name: 'pct_non_null',
    column: 'status',
    values: ['open', 'closed'],
    fail: '10%',
    denominator: 'non_null',
  },
  { check: 'references', name: 'clinic_ignore', column: 'clinic', source: 'clinics' },
  { check: 'references', name: 'clinic_fail', column: 'clinic', source: 'clinics', nulls: 'fail' },
  { check: 'unique', name: 'pair', columns: ['clinic', 'status'] },
  { check: 'range', name: 'score', column: 'score', min: 0, max: 10 },
  { check: 'not_null', columns: ['status'], fail: '40%', warn: '20%', severity: 'warn' },
];

function project(root: string, conn: Parameters<typeof asConnectionConfig>[0]): LoadedConfig {
  mkdirSync(path.join(root, 'config'), { recursive: true });
  writeFileSync(
    path.join(root, 'config/database.yml'),
    stringify({
      connections: { src: asConnectionConfig(conn) },
      sources: {
        visits: { connection: 'src', primary_key: ['id'], mode: 'full' },
        clinics: { connection: 'src', primary_key: ['code'], mode: 'full' },
      },
      validation: { sources: { visits: CHECKS } },
    }),
  );
  writeFileSync(
    path.join(root, 'config/queries.yml'),
    stringify({
      visits: { sql: 'SELECT id, clinic, status, score FROM visits' },
      clinics: { sql: 'SELECT code FROM clinics' },
    }),
  );
  return loadConfig({ root, env: {} });
}

describeEachDialect('validation null policy and denominators', (_target, connection) => {
  let dir: TempDir;
  let checks: Map<string, CheckResult>;

  beforeAll(async () => {
    dir = await tempDir();
    // 10 visits: status has 3 NULLs and 1 unknown value; clinic has 2 NULLs and 1 orphan.
    const rows: [number, string | null, string | null, number | null][] = [
      [1, 'A', 'open', 1],
      [2, 'A', 'closed', 2],
      [3, 'B', null, 3],
      [4, 'B', 'bogus', 11],
      [5, null, 'open', null],
      [6, null, null, -1],
      [7, 'ZZZ', 'open', 4],
      [8, 'A', null, 5],
      [9, 'B', 'closed', 6],
      [10, 'A', 'open', 7],
    ];
    await execSql(connection(), [
      'CREATE TABLE clinics (code VARCHAR(8) PRIMARY KEY)',
      'CREATE TABLE visits (id INTEGER PRIMARY KEY, clinic VARCHAR(8), status VARCHAR(16), score INTEGER)',
      "INSERT INTO clinics (code) VALUES ('A'), ('B')",
      ...rows.map((r) => ({
        sql: 'INSERT INTO visits (id, clinic, status, score) VALUES (?, ?, ?, ?)',
        values: r,
      })),
    ]);
    const loaded = project(dir.path, connection());
    const run = await runValidate(loaded, { sources: ['visits'] }, silentLogger());
    checks = new Map(run.reports[0]!.checks.map((c) => [c.id, c]));
  });
  afterAll(() => dir.remove());

  it('reports NULLs in an accepted_values column per the null policy', () => {
    const ignore = checks.get('status_ignore')!;
    expect([ignore.observed.failed, ignore.observed.nulls, ignore.null_policy]).toEqual([1, 3, 'ignore']);
    expect(ignore.message).toContain('3 NULL (not counted as failures)');
    const fail = checks.get('status_fail')!;
    expect([fail.observed.failed, fail.observed.nulls, fail.status]).toEqual([4, 3, 'fail']);
  });

  it('reports NULL foreign keys per the null policy, and finds the orphan by anti-join', () => {
    const ignore = checks.get('clinic_ignore')!;
    expect([ignore.observed.failed, ignore.observed.nulls]).toEqual([1, 2]);
    expect(ignore.samples.map((s) => String(s.id))).toEqual(['7']);
    expect(checks.get('clinic_fail')!.observed.failed).toBe(3);
  });

  it('applies a percentage threshold to its stated denominator', () => {
    // 1 failing of 10 rows is 10%: not above 10% → pass; 1 of 7 non-NULL rows is 14.3% → fail.
    const rows = checks.get('pct_rows')!;
    expect([rows.status, rows.observed.percent, rows.threshold.denominator]).toEqual(['pass', 10, 'rows']);
    const nonNull = checks.get('pct_non_null')!;
    expect([nonNull.status, nonNull.observed.percent]).toEqual(['fail', 14.2857]);
    const nn = checks.get('not_null(status)')!;
    expect([nn.status, nn.observed.failed]).toEqual(['warn', 3]);
  });

  it('counts composite duplicates as surplus rows and ranges in SQL', () => {
    // (A, open) ×2, (B, closed) ×1 … only (A, open) repeats; rows with a NULL are not keys.
    const pair = checks.get('pair')!;
    expect([pair.observed.failed, pair.observed.value]).toEqual([1, 1]);
    const score = checks.get('score')!;
    expect([score.observed.failed, score.observed.nulls]).toEqual([2, 1]);
  });
});
