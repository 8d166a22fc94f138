/**
 * Golden tests on every dialect: the synthetic generator's dirty mode reports exactly which defects
 * it injected; every one must be found by the matching check of config/database.yml with the exact
 * count, every other check must find nothing, and the clean dataset must pass with no false positive.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runValidate } from '../../src/pipeline/validate-step.js';
import { SOURCE_TABLES, type DirtyReport } from '../../src/synth/index.js';
import { describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { loadDemo, projectFor } from '../helpers/demo-source.js';

const SYNTH = { seed: 11, scale: 0.004, days: 10, startDate: '2025-01-01' };
/** "Now" a day after the synthetic timeline ends, so the shipped freshness checks see a live feed. */
const NOW = new Date('2025-01-12T00:00:00Z');

/** The check (id in config/database.yml) that must find each kind of injected defect. */
function checkFor(table: string, column: string, kind: string): string {
  switch (kind) {
    case 'null_required':
      return `not_null(${column})`;
    case 'future_date':
      return `dates(${column})`;
    case 'orphan_fk':
      return `references(${column})`;
    case 'duplicate_key':
      return table === 'diagnoses' ? 'unique(attendance_id,diagnosis_rank)' : `unique(${column})`;
    case 'out_of_range':
      return column === 'triage_category' ? `accepted_values(${column})` : `range(${column})`;
  }
  throw new Error(`no check for ${kind}`);
}

function expectedFailures(report: DirtyReport): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of report.entries) {
    const key = `${e.table}/${checkFor(e.table, e.column, e.kind)}`;
    out.set(key, (out.get(key) ?? 0) + e.count);
  }
  return out;
}

describeEachDialect('validation golden: dirty mode', (target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;
  let dirty: DirtyReport;

  beforeAll(async () => {
    dir = await tempDir();
    dirty = (await loadDemo(connection(), { ...SYNTH, dirtyRate: 0.03 })).dirty;
    loaded = projectFor(dir.path, connection());
  });
  afterAll(() => dir.remove());

  it('finds every injected defect with the exact count, and nothing else', async () => {
    expect(dirty.total).toBeGreaterThan(100);
    const run = await runValidate(loaded, { sources: [...SOURCE_TABLES], now: NOW }, silentLogger());
    const expected = expectedFailures(dirty);
    const found = new Map<string, number>();
    for (const r of run.reports) {
      expect(r.error).toBeUndefined();
      for (const c of r.checks) {
        expect(c.status, `${r.source}/${c.id}: ${c.message}`).not.toBe('error');
        if (!c.id.startsWith('row_count') && c.observed.failed > 0)
          found.set(`${r.source}/${c.id}`, c.observed.failed);
      }
    }
    expect(Object.fromEntries([...found].sort())).toEqual(Object.fromEntries([...expected].sort()));
    // Every defect kind the generator knows is exercised by this dataset.
    expect(new Set(dirty.entries.map((e) => e.kind))).toEqual(
      new Set(['null_required', 'future_date', 'orphan_fk', 'duplicate_key', 'out_of_range']),
    );
  });

  it('keeps masked failing-row samples, capped, in an append-only JSON report', async () => {
    const run = await runValidate(loaded, { sources: ['patients'] }, silentLogger());
    const report = JSON.parse(readFileSync(run.files.json[0]!, 'utf8')) as (typeof run.reports)[number];
    expect(report.report_version).toBe(1);
    const dup = report.checks.find((c) => c.id === 'unique(nric)')!;
    expect(dup.samples.length).toBeGreaterThan(0);
    expect(dup.samples.every((s) => s.nric === '***')).toBe(true);
    const dob = report.checks.find((c) => c.id === 'range(date_of_birth)')!;
    expect(dob.samples.length).toBeLessThanOrEqual(loaded.config.validation.sample_rows);
    expect(
      // patient_id too: identifiers are masked in every source, declared or not (the default PII list).
      dob.samples.every((s) => s.date_of_birth === '***' && s.nric === '***' && s.patient_id === '***'),
    ).toBe(true);
    // Columns that do not identify anyone stay readable: a report must still be useful.
    expect(dob.samples.some((s) => s.sex !== '***')).toBe(true);
    // A second run never overwrites the first run's report.
    const again = await runValidate(loaded, { sources: ['patients'] }, silentLogger());
    expect(again.files.directory).not.toBe(run.files.directory);
    expect(readFileSync(run.files.json[0]!, 'utf8')).toContain(run.run_id);
    expect(target.name).toBeTruthy();
  });
});

describeEachDialect('validation golden: clean data', (_target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;

  beforeAll(async () => {
    dir = await tempDir();
    await loadDemo(connection(), SYNTH);
    loaded = projectFor(dir.path, connection());
  });
  afterAll(() => dir.remove());

  it('passes every check with no false positive', async () => {
    const run = await runValidate(loaded, { sources: [...SOURCE_TABLES], now: NOW }, silentLogger());
    const notPassing = run.reports.flatMap((r) =>
      r.checks
        .filter((c) => c.status !== 'pass' && c.status !== 'skipped')
        .map((c) => `${r.source}/${c.id}: ${c.message}`),
    );
    expect(notPassing).toEqual([]);
    expect(run.verdict).toBe('ok');
    // Every transactional source's freshness check ran (over the whole source) and passed.
    const fresh = run.reports.flatMap((r) => r.checks.filter((c) => c.kind === 'freshness'));
    expect(fresh.map((c) => c.status)).toEqual(Array(6).fill('pass'));
    expect(run.reports.map((r) => r.source)).toEqual([...SOURCE_TABLES]);
    // The chart's rows per day add up to the rows checked (polyclinics close on some days).
    const att = run.reports.find((r) => r.source === 'attendances')!;
    expect(att.days.reduce((n, d) => n + d.rows, 0)).toBe(att.rows);
    expect(att.days.every((d) => /^2025-01-\d\d$/.test(d.day))).toBe(true);
    expect(readFileSync(run.files.html!, 'utf8')).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
