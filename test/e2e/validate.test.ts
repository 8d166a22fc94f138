/**
 * `moh-etl validate` and `moh-etl run` as a user runs them: exit codes (0 ok, 1 error, 2 config,
 * 3 critical), the console summary, the reports on disk, and config mistakes as one line each.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/config-fixture.js';
import { tempDir, type TempDir } from '../helpers/databases.js';

type Doc = { validation: { sources: Record<string, Record<string, unknown>[]> } };

let dir: TempDir;
const root = () => dir.path;
const base = () => parse(readFileSync(path.join(REPO_ROOT, 'config/database.yml'), 'utf8')) as Doc;
const writeConfig = (doc: Doc) => writeFileSync(path.join(root(), 'config/database.yml'), stringify(doc));

beforeAll(async () => {
  dir = await tempDir('moh-etl-e2e-validate-');
  cpSync(path.join(REPO_ROOT, 'config'), path.join(root(), 'config'), { recursive: true });
  const r = cli(
    ['demo', '--days', '8', '--scale', '0.004', '--dirty-rate', '0.03', '--start-date', '2025-01-01'],
    {
      cwd: root(),
    },
  );
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => dir.remove());

describe('moh-etl validate', () => {
  it('reports failed error checks with exit 1, a summary, JSON and HTML reports', () => {
    writeConfig(base());
    const r = cli(['validate', '--sources', 'attendances', 'patients'], { cwd: root() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^attendances\s+ERROR\s+[\d,]+ rows/m);
    expect(r.stdout).toMatch(
      /FAIL \[error\] references\(patient_id\): \d+ rows whose patient_id has no patients\.patient_id/,
    );
    const runs = readdirSync(path.join(root(), 'results/validation'));
    expect(runs).toHaveLength(1);
    const files = readdirSync(path.join(root(), 'results/validation', runs[0]!)).sort();
    expect(files).toEqual(['attendances.json', 'patients.json', 'report.html']);
    const html = readFileSync(path.join(root(), 'results/validation', runs[0]!, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/S\d{7}[A-Z]/); // no NRIC in the report
    expect(existsSync(path.join(root(), 'results/metrics/attendances.jsonl'))).toBe(true);
  });

  it('stops with exit 3 naming the critical check, the source and the observed value', () => {
    const doc = base();
    doc.validation.sources.attendances!.push({
      check: 'not_null',
      columns: ['visit_date'],
      severity: 'critical',
      name: 'visit_date_required',
    });
    writeConfig(doc);
    const r = cli(['validate', '--sources', 'attendances'], { cwd: root() });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^error: critical check visit_date_required failed on source "attendances": observed \d+ failing of \d+ rows/m,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('never changes the exit code for warnings', () => {
    const doc = base();
    doc.validation.sources = {
      attendances: [
        { check: 'not_null', columns: ['polyclinic_code'], severity: 'warn' },
        { check: 'row_count', min: 1 },
      ],
    };
    writeConfig(doc);
    const r = cli(['validate', '--sources', 'attendances'], { cwd: root() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^attendances\s+WARNING/m);
  });

  it('checks a date range given by name (--range) as by --start-date/--end-date; a bad one is exit 2', () => {
    writeConfig(base());
    const byName = cli(
      ['validate', '--sources', 'attendances', '--range', '2025-01-02..2025-01-03', '--json'],
      {
        cwd: root(),
      },
    );
    const byDates = cli(
      [
        'validate',
        '--sources',
        'attendances',
        '--start-date',
        '2025-01-02',
        '--end-date',
        '2025-01-03',
        '--json',
      ],
      { cwd: root() },
    );
    expect(byName.code, byName.stderr).toBe(byDates.code);
    const rows = (out: string) =>
      (JSON.parse(out) as { sources: { source: string; rows: number }[] }).sources.map((s) => s.rows);
    expect(rows(byName.stdout)).toEqual(rows(byDates.stdout));
    const whole = cli(['validate', '--sources', 'attendances', '--json'], { cwd: root() });
    expect(rows(byName.stdout)[0]).toBeLessThan(rows(whole.stdout)[0]!);

    const bad = cli(['validate', '--range', 'last-fortnight'], { cwd: root() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --range "last-fortnight" is not a range/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown or misplaced option with one line per problem and exit 2', () => {
    const doc = base();
    doc.validation.sources.attendances!.push({ check: 'range', column: 'fee', min: 0, values: [1] });
    doc.validation.sources.patients!.push({ check: 'unique', colums: ['nric'] });
    writeConfig(doc);
    const r = cli(['validate'], { cwd: root() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/validation\.sources\.attendances\[\d+\]\.values/);
    expect(r.stderr).toMatch(/validation\.sources\.patients\[\d+\]\.colums/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a reference to an unknown source', () => {
    const doc = base();
    doc.validation.sources.attendances!.push({ check: 'references', column: 'patient_id', source: 'people' });
    writeConfig(doc);
    const r = cli(['validate'], { cwd: root() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/validation\.sources\.attendances\.\d+\.source: unknown source "people"/);
  });
});

describe('moh-etl run', () => {
  it('extracts, validates the extracted range, transforms and loads into data/processed', () => {
    const doc = base();
    doc.validation.sources = {
      polyclinics: doc.validation.sources.polyclinics!,
      conditions: doc.validation.sources.conditions!,
    };
    writeConfig(doc);
    const r = cli(['run', '--sources', 'polyclinics', 'conditions'], { cwd: root() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^polyclinics\s+full\s+ok\s+25\s+ok .+ ok .+ ok .+ ok /m);
    expect(r.stdout).toMatch(/^polyclinics: dataset version v000001-\S+, 25 rows$/m);
    expect(existsSync(path.join(root(), 'data/processed/polyclinics'))).toBe(true);
    const report = readdirSync(path.join(root(), 'results/validation')).sort().at(-1)!;
    const json = JSON.parse(
      readFileSync(path.join(root(), 'results/validation', report, 'polyclinics.json'), 'utf8'),
    ) as {
      checks: { id: string; status: string; observed: { value: number } }[];
    };
    expect(json.checks.find((c) => c.id === 'row_count.reconcile')).toMatchObject({
      status: 'pass',
      observed: { value: 25 },
    });
  });

  it('stops with exit 3 after extraction when a critical check fails', () => {
    const doc = base();
    doc.validation.sources = {
      attendances: [{ check: 'references', column: 'patient_id', source: 'patients', severity: 'critical' }],
    };
    writeConfig(doc);
    const r = cli(
      ['run', '--sources', 'attendances', '--start-date', '2025-01-02', '--end-date', '2025-01-08'],
      { cwd: root() },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/critical check references\(patient_id\) failed on source "attendances"/);
    expect(r.stderr).toContain('nothing was loaded to data/processed');
  });
});
