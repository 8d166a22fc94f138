/**
 * Increment scope on every dialect: a check runs only in its scope; an empty increment passes
 * (every check but freshness skipped, verdict ok) while the same empty table checked as a whole
 * source still fails `row_count min: 1`; freshness over date, naive and UTC columns with a fixed
 * "now" at the exact edges (Asia/Singapore is UTC+8), and with no value at all; and the anomaly
 * history, which quiet nights do not pollute.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runValidate } from '../../src/pipeline/validate-step.js';
import type { CheckResult, SourceReport } from '../../src/validate/result.js';
import type { CheckScope } from '../../src/validate/scope.js';
import {
  asConnectionConfig,
  describeEachDialect,
  tempDir,
  type DbConnection,
  type TempDir,
} from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';

const FRESH = { warn_after: '1d', error_after: '2d' };
const VISIT_CHECKS = [
  { check: 'row_count', min: 1, severity: 'critical' },
  { check: 'row_count', name: 'volume', anomaly: { window: 7, min_history: 3, warn: 0.5 } },
  { check: 'unique', columns: ['id'], severity: 'critical' },
  { check: 'references', column: 'clinic', source: 'clinics' },
  { check: 'accepted_values', column: 'status', values: ['open', 'closed'] },
  { check: 'pattern', column: 'clinic', regex: '^[A-Z]$' },
  { check: 'type' },
  { check: 'not_null', columns: ['status'], scope: 'dataset' },
  { check: 'freshness', name: 'fresh_utc', column: 'updated_at', ...FRESH },
  { check: 'freshness', name: 'fresh_naive', column: 'seen_at', ...FRESH },
  { check: 'freshness', name: 'fresh_date', column: 'visit_day', ...FRESH },
];

/** The newest values: updated_at 23:00Z; seen_at 07:00 in Singapore (= 23:00Z the day before); a day. */
const ROWS: [number, string, string, string, string, string][] = [
  [1, 'A', 'open', '2025-01-08', '2025-01-08 09:00:00', '2025-01-08 01:00:00'],
  [2, 'B', 'closed', '2025-01-09', '2025-01-09 10:00:00', '2025-01-09 02:00:00'],
  [3, 'ZZZ', 'bogus', '2025-01-10', '2025-01-10 07:00:00', '2025-01-09 23:00:00'],
];
const MAX_UPDATED = '2025-01-09 23:00:00';

/** Column types: a date, a naive timestamp and a UTC timestamp in each dialect. */
function types(c: DbConnection): { naive: string; utc: string } {
  if (c.dialect === 'postgres') return { naive: 'timestamp(6)', utc: 'timestamptz(6)' };
  if (c.dialect === 'mysql') return { naive: 'DATETIME(6)', utc: 'TIMESTAMP(6) NULL' };
  return { naive: 'TIMESTAMP', utc: 'TIMESTAMPTZ' };
}

/** A UTC wall clock as each dialect stores it (SQLite: canonical ISO text; servers: in a UTC session). */
function utcValue(c: DbConnection, text: string): string {
  return c.dialect === 'sqlite' ? `${text.replace(' ', 'T')}.000000Z` : text;
}

function project(root: string, conn: DbConnection): LoadedConfig {
  mkdirSync(path.join(root, 'config'), { recursive: true });
  writeFileSync(
    path.join(root, 'config/database.yml'),
    stringify({
      connections: { src: asConnectionConfig(conn) },
      sources: {
        visits: { connection: 'src', primary_key: ['id'], cursor_column: 'updated_at' },
        clinics: { connection: 'src', primary_key: ['code'], mode: 'full' },
        queue: { connection: 'src', primary_key: ['id'], cursor_column: 'updated_at' },
      },
      validation: {
        sources: {
          visits: VISIT_CHECKS,
          clinics: [{ check: 'freshness', column: 'closed_on', warn_after: '1d', critical_after: '3d' }],
          queue: [{ check: 'row_count', min: 1, severity: 'critical' }],
        },
      },
    }),
  );
  writeFileSync(
    path.join(root, 'config/queries.yml'),
    stringify({
      visits: { sql: 'SELECT id, clinic, status, visit_day, seen_at, updated_at FROM visits' },
      clinics: { sql: 'SELECT code, closed_on FROM clinics' },
      queue: { sql: 'SELECT id, updated_at FROM queue' },
    }),
  );
  return loadConfig({ root, env: {} });
}

describeEachDialect('validation scopes: the increment', (_target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;
  const validate = async (source: string, scope: CheckScope, now = '2025-01-10T11:00:00Z') =>
    (
      await runValidate(
        loaded,
        { sources: [source], scopes: { [source]: scope }, now: new Date(now) },
        silentLogger(),
      )
    ).reports[0]!;
  const byId = (r: SourceReport) => new Map<string, CheckResult>(r.checks.map((c) => [c.id, c]));
  /** The increment after the newest row: what a quiet night's extraction finds. */
  const quiet = (): CheckScope => {
    const last = utcValue(connection(), MAX_UPDATED);
    return {
      kind: 'incremental',
      start: { columns: ['updated_at'], values: [last] },
      highWater: last,
      written: 0,
    };
  };

  beforeAll(async () => {
    dir = await tempDir();
    const c = connection();
    const { naive, utc } = types(c);
    await execSql(c, [
      ...(c.dialect === 'mysql' ? ["SET time_zone = '+00:00'"] : []),
      'CREATE TABLE clinics (code VARCHAR(8) PRIMARY KEY, closed_on DATE)',
      `CREATE TABLE visits (id INTEGER PRIMARY KEY, clinic VARCHAR(8), status VARCHAR(16), visit_day DATE, seen_at ${naive}, updated_at ${utc})`,
      `CREATE TABLE queue (id INTEGER PRIMARY KEY, updated_at ${utc})`,
      "INSERT INTO clinics (code) VALUES ('A'), ('B')",
      ...ROWS.map(([id, clinic, status, day, seen, updated]) => ({
        sql: 'INSERT INTO visits (id, clinic, status, visit_day, seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        values: [
          id,
          clinic,
          status,
          day,
          c.dialect === 'sqlite' ? seen.replace(' ', 'T') : seen,
          utcValue(c, updated),
        ],
      })),
    ]);
    loaded = project(dir.path, c);
  });
  afterAll(() => dir.remove());

  it('runs increment-scope checks over the increment, never the dataset-scope ones', async () => {
    const r = await validate('visits', { kind: 'incremental' });
    const checks = byId(r);
    expect([...checks.keys()]).not.toContain('not_null(status)');
    expect(r.checks.every((c) => c.scope === 'increment')).toBe(true);
    expect([r.rows, r.scope.empty, r.verdict]).toEqual([3, undefined, 'error']);
    expect(checks.get('row_count')!.status).toBe('pass');
    expect(checks.get('references(clinic)')!.observed.failed).toBe(1);
    expect(checks.get('pattern(clinic)')!.observed.failed).toBe(1);
  });

  it('passes an empty increment: every check but freshness skipped, verdict ok', async () => {
    const r = await validate('visits', quiet());
    expect([r.rows, r.scope.empty, r.verdict, r.days]).toEqual([0, true, 'ok', []]);
    const notFresh = r.checks.filter((c) => c.kind !== 'freshness');
    expect(notFresh.map((c) => c.id)).toEqual([
      'row_count',
      'volume',
      'unique(id)',
      'references(clinic)',
      'accepted_values(status)',
      'pattern(clinic)',
      'type',
    ]);
    for (const c of notFresh) {
      expect(c.status, c.id).toBe('skipped');
      expect(c.message).toMatch(/^the increment was empty/);
    }
    // Freshness looks at the whole source: its newest instant is 12 hours old; its newest day
    // (2025-01-10 in Singapore) ends at 16:00Z, 5 hours from now.
    expect(
      r.checks.filter((c) => c.kind === 'freshness').map((c) => [c.status, c.observed.age_hours]),
    ).toEqual([
      ['pass', 12],
      ['pass', 12],
      ['pass', -5],
    ]);
  });

  it('still fails row_count min: 1 on an empty source checked as a whole (validate)', async () => {
    const whole = await validate('queue', { kind: 'full' });
    expect([whole.verdict, whole.checks[0]!.status]).toEqual(['critical', 'fail']);
    const increment = await validate('queue', { kind: 'incremental', written: 0 });
    expect([increment.verdict, increment.checks[0]!.status, increment.scope.empty]).toEqual([
      'ok',
      'skipped',
      true,
    ]);
  });

  it('judges freshness of date, naive and UTC columns in the source’s zone, at the exact edges', async () => {
    // 48 h after 23:00Z: not older than 2d. The day 2025-01-10 ended at 16:00Z: 31 h.
    const edge = byId(await validate('visits', quiet(), '2025-01-11T23:00:00Z'));
    const statuses = (m: Map<string, CheckResult>) =>
      ['fresh_utc', 'fresh_naive', 'fresh_date'].map((id) => [
        m.get(id)!.status,
        m.get(id)!.observed.age_hours,
      ]);
    expect(statuses(edge)).toEqual([
      ['warn', 48],
      ['warn', 48],
      ['warn', 31],
    ]);
    const after = byId(await validate('visits', quiet(), '2025-01-11T23:00:01Z'));
    expect(statuses(after).map(([s]) => s)).toEqual(['fail', 'fail', 'warn']);
    expect(after.get('fresh_utc')).toMatchObject({
      severity: 'error',
      observed: { value: '2025-01-09T23:00:00.000000Z' },
    });
    expect(after.get('fresh_naive')!.observed.value).toBe('2025-01-10T07:00:00.000000');
    expect(after.get('fresh_date')!.observed.value).toBe('2025-01-10');
  });

  it('fails freshness at the highest threshold when the column has no value', async () => {
    const r = await validate('clinics', { kind: 'full' });
    expect(r.checks[0]).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(r.checks[0]!.message).toMatch(/^no value in closed_on in the source/);
    expect(r.verdict).toBe('critical');
  });

  it('keeps quiet nights out of the anomaly history', async () => {
    const metrics = path.join(dir.path, 'results/metrics/visits.jsonl');
    const before = readFileSync(metrics, 'utf8').trim().split('\n').length;
    for (let i = 0; i < 3; i++) await validate('visits', { kind: 'incremental' });
    for (let i = 0; i < 5; i++) await validate('visits', quiet());
    const normal = byId(await validate('visits', { kind: 'incremental' })).get('volume.anomaly')!;
    // Counted as data points, the quiet nights would make the median 0 and this night "infinitely" odd.
    expect([normal.status, normal.observed.value]).toEqual(['pass', 3]);
    const lines = readFileSync(metrics, 'utf8').trim().split('\n').slice(before);
    const entries = lines.map((l) => JSON.parse(l) as { rows: number; empty?: boolean });
    expect(entries.map((e) => [e.rows, e.empty ?? false])).toEqual([
      [3, false],
      [3, false],
      [3, false],
      ...Array.from({ length: 5 }, () => [0, true]),
      [3, false],
    ]);
  });
});
