/**
 * Dataset scope: checks over processed datasets that the real load store built from Parquet files
 * written by the project's own writer, read by DuckDB through the current version's read path
 * (load/read-path.ts). unique, not_null, references between two datasets, row_count, freshness,
 * value checks and regex patterns in DuckDB; masked samples; an empty dataset; no dataset yet; and
 * the increment and dataset reports of one source written side by side.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import type { OutputConfig } from '../../src/config/schema.js';
import { datasetGlob, openDatasetStore, type DatasetStore } from '../../src/load/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { t, type ColumnSpec, type Row } from '../../src/schema/column-types.js';
import { writtenRows } from '../../src/validate/changed-scan.js';
import { validateDataset, type DatasetValidation } from '../../src/validate/dataset.js';
import { summaryLines } from '../../src/validate/report/console.js';
import { writeReports } from '../../src/validate/report/files.js';
import type { CheckResult, SourceReport } from '../../src/validate/result.js';
import { parquetWriterSpec } from '../../src/write/parquet.js';
import { tempDir, type TempDir } from '../helpers/databases.js';

const VISITS: ColumnSpec[] = [
  { name: 'id', type: t.int64(), nullable: false },
  { name: 'clinic', type: t.string(), nullable: true },
  { name: 'nric', type: t.string(), nullable: true },
  { name: 'status', type: t.string(), nullable: true },
  { name: 'visit_day', type: t.date(), nullable: true },
  { name: 'seen_at', type: t.timestamp(), nullable: true },
  { name: 'updated_at', type: t.timestamptz(), nullable: true },
  { name: 'fee', type: t.decimal(10, 2), nullable: true },
];
/** Row 2 repeats row 1's NRIC; row 3 has an unknown clinic, a bad status and a negative fee. */
const VISIT_ROWS: Row[] = [
  [
    '1',
    'A',
    'S1234567A',
    'open',
    '2025-01-08',
    '2025-01-08T09:00:00.000000',
    '2025-01-08T01:00:00.000000Z',
    '10.00',
  ],
  [
    '2',
    'B',
    'S1234567A',
    'closed',
    '2025-01-09',
    '2025-01-09T10:00:00.000000',
    '2025-01-09T02:00:00.000000Z',
    '12.50',
  ],
  [
    '3',
    'ZZZ',
    'S7654321B',
    'bogus',
    '2025-01-09',
    '2025-01-09T11:00:00.000000',
    '2025-01-09T03:00:00.000000Z',
    '-1.00',
  ],
  ['4', 'A', null, null, '2025-01-09', '2025-01-09T12:00:00.000000', '2025-01-09T04:00:00.000000Z', '8.00'],
  [
    '5',
    'B',
    'T1111111C',
    'open',
    '2025-01-10',
    '2025-01-10T07:00:00.000000',
    '2025-01-09T23:00:00.000000Z',
    '9.90',
  ],
];
const CLINICS: ColumnSpec[] = [{ name: 'code', type: t.string(), nullable: false }];
const WARDS: ColumnSpec[] = [
  { name: 'ward_id', type: t.int64(), nullable: false },
  { name: 'updated_at', type: t.timestamptz(), nullable: true },
];

const FRESH = { warn_after: '1d', error_after: '2d', scope: 'dataset' };
const VISIT_CHECKS = [
  { check: 'row_count', min: 1, severity: 'critical', scope: 'dataset' },
  { check: 'unique', columns: ['id'], severity: 'critical', scope: 'dataset' },
  { check: 'unique', columns: ['nric'], scope: 'dataset' },
  { check: 'not_null', columns: ['status'], scope: 'dataset' },
  { check: 'references', column: 'clinic', source: 'clinics', scope: 'dataset' },
  { check: 'references', column: 'id', source: 'wards', key: 'ward_id', scope: 'dataset', name: 'no_wards' },
  { check: 'accepted_values', column: 'status', values: ['open', 'closed'], scope: 'dataset' },
  { check: 'range', column: 'fee', min: 0, scope: 'dataset' },
  { check: 'pattern', column: 'nric', regex: '^[STFG][0-9]{7}[A-Z]$', scope: 'dataset' },
  { check: 'pattern', column: 'clinic', regex: '^[A-Z]$', scope: 'dataset' },
  { check: 'dates', column: 'visit_day', not_future: '1d', scope: 'dataset' },
  { check: 'freshness', name: 'fresh_utc', column: 'updated_at', ...FRESH },
  { check: 'freshness', name: 'fresh_naive', column: 'seen_at', ...FRESH },
  { check: 'freshness', name: 'fresh_date', column: 'visit_day', ...FRESH },
  // Increment scope: never runs here.
  { check: 'type' },
  { check: 'row_count', min: 100 },
];

const output = { directory: 'x', formats: ['parquet'], part_rows: 1000, file_mode: '0640' } as OutputConfig;

function project(root: string): LoadedConfig {
  mkdirSync(path.join(root, 'config'), { recursive: true });
  const source = (key: string) => ({ connection: 'src', primary_key: [key], mode: 'full' });
  writeFileSync(
    path.join(root, 'config/database.yml'),
    stringify({
      connections: { src: { client: 'sqlite', filename: 'unused.sqlite' } },
      sources: {
        visits: { ...source('id'), date_column: 'visit_day' },
        clinics: source('code'),
        wards: source('ward_id'),
      },
      load: { memory_limit: '128MB', threads: 1 },
      validation: {
        sources: {
          visits: VISIT_CHECKS,
          wards: [
            { check: 'row_count', min: 1, severity: 'critical', scope: 'dataset' },
            { check: 'freshness', column: 'updated_at', ...FRESH },
          ],
        },
      },
    }),
  );
  const sql = (table: string) => ({ sql: `SELECT * FROM ${table}` });
  writeFileSync(
    path.join(root, 'config/queries.yml'),
    stringify({ visits: sql('visits'), clinics: sql('clinics'), wards: sql('wards') }),
  );
  return loadConfig({ root, env: {} });
}

/** One staged run of Parquet written by the project's writer, loaded as the dataset's new version. */
async function load(store: DatasetStore, root: string, source: string, columns: ColumnSpec[], rows: Row[]) {
  const file = path.join(root, 'staged', source, 'part-00000.parquet');
  mkdirSync(path.dirname(file), { recursive: true });
  const writer = await parquetWriterSpec({ thread: false }).open(file, columns, output);
  if (rows.length > 0) await writer.write({ columns, rows });
  await writer.commit();
  const key = columns[0]!.name;
  await store.replace({
    source,
    runs: [{ run_id: `run-${source}`, files: [file] }],
    columns,
    key_columns: [key],
  });
}

describe('validation scopes: the processed dataset (DuckDB over Parquet)', () => {
  let dir: TempDir;
  let loaded: LoadedConfig;
  let store: DatasetStore;
  const NOW = '2025-01-10T11:00:00Z';
  const request = (name: string, now = NOW): DatasetValidation => ({
    loaded,
    name,
    datasetSql: datasetGlob(store, name)?.sql,
    otherDatasets: (source) => datasetGlob(store, source)?.sql,
    runId: 'run-1',
    now: new Date(now),
    log: silentLogger(),
    version: store.current(name)?.version,
  });
  const byId = (r: SourceReport) => new Map<string, CheckResult>(r.checks.map((c) => [c.id, c]));

  beforeAll(async () => {
    dir = await tempDir();
    loaded = project(dir.path);
    store = openDatasetStore(loaded.config.load, dir.path);
    await load(store, dir.path, 'visits', VISITS, VISIT_ROWS);
    await load(store, dir.path, 'clinics', CLINICS, [['A'], ['B']]);
  });
  afterAll(() => dir.remove());

  it('runs the dataset-scope checks in DuckDB with exact counts, and only those', async () => {
    const r = await validateDataset(request('visits'));
    expect(r.scope).toMatchObject({ kind: 'dataset', version: store.current('visits')!.version });
    expect([r.rows, r.verdict]).toEqual([5, 'error']);
    expect(r.checks.every((c) => c.scope === 'dataset')).toBe(true);
    const failed = Object.fromEntries(r.checks.map((c) => [c.id, [c.status, c.observed.failed]]));
    expect(failed).toEqual({
      row_count: ['pass', 0],
      'unique(id)': ['pass', 0],
      'unique(nric)': ['fail', 1],
      'not_null(status)': ['fail', 1],
      'references(clinic)': ['fail', 1],
      no_wards: ['skipped', 0],
      'accepted_values(status)': ['fail', 1],
      'range(fee)': ['fail', 1],
      'pattern(nric)': ['pass', 0],
      'pattern(clinic)': ['fail', 1],
      'dates(visit_day)': ['pass', 0],
      fresh_utc: ['pass', 0],
      fresh_naive: ['pass', 0],
      fresh_date: ['pass', 0],
    });
    const checks = byId(r);
    expect(checks.get('no_wards')!.message).toBe('no processed dataset of wards yet');
    expect(checks.get('pattern(nric)')!.observed.nulls).toBe(1);
    expect(checks.get('pattern(clinic)')!.engine).toBe('sql');
    expect(r.days).toEqual([
      { day: '2025-01-08', rows: 1 },
      { day: '2025-01-09', rows: 3 },
      { day: '2025-01-10', rows: 1 },
    ]);
  });

  it('masks PII in samples and keeps the rest readable', async () => {
    const checks = byId(await validateDataset(request('visits')));
    const dup = checks.get('unique(nric)')!;
    expect(dup.samples).toEqual([{ nric: '***', n: '2' }]);
    expect(checks.get('references(clinic)')!.samples).toEqual([
      expect.objectContaining({ id: '3', clinic: 'ZZZ', nric: '***', fee: '-1.00' }),
    ]);
    expect(JSON.stringify([...checks.values()])).not.toMatch(/S\d{7}[A-Z]/);
  });

  it('judges freshness of the dataset’s date, naive and UTC columns', async () => {
    const fresh = (r: SourceReport) =>
      ['fresh_utc', 'fresh_naive', 'fresh_date'].map((id) => {
        const c = byId(r).get(id)!;
        return [c.status, c.observed.age_hours];
      });
    expect(fresh(await validateDataset(request('visits', '2025-01-11T23:00:00Z')))).toEqual([
      ['warn', 48],
      ['warn', 48],
      ['warn', 31],
    ]);
    const stale = await validateDataset(request('visits', '2025-01-11T23:00:01Z'));
    expect(fresh(stale).map(([s]) => s)).toEqual(['fail', 'fail', 'warn']);
    expect(byId(stale).get('fresh_utc')).toMatchObject({
      severity: 'error',
      observed: { value: '2025-01-09T23:00:00.000000Z' },
    });
    expect(byId(stale).get('fresh_utc')!.message).toContain('in the processed dataset');
  });

  it('checks references against the other source’s current dataset once it exists', async () => {
    await load(store, dir.path, 'wards', WARDS, [
      ['1', '2025-01-01T00:00:00.000000Z'],
      ['2', '2025-01-01T00:00:00.000000Z'],
    ]);
    const r = await validateDataset(request('visits'));
    expect(byId(r).get('no_wards')!.observed.failed).toBe(3);
  });

  it('fails an empty dataset: row_count min 1, and freshness with no value', async () => {
    await load(store, dir.path, 'wards', WARDS, []);
    const r = await validateDataset(request('wards'));
    expect(r.checks.map((c) => [c.id, c.status, c.severity])).toEqual([
      ['row_count', 'fail', 'critical'],
      ['freshness(updated_at)', 'fail', 'error'],
    ]);
    expect(r.checks[1]!.message).toMatch(/^no value in updated_at in the processed dataset/);
    expect([r.rows, r.verdict]).toEqual([0, 'critical']);
  });

  it('reports a dataset it cannot read as an error of the source, without throwing', async () => {
    const gone = `read_parquet('${path.join(dir.path, 'gone', '*.parquet')}')`;
    const r = await validateDataset({ ...request('visits'), datasetSql: gone });
    expect([r.verdict, r.checks, r.scope.kind]).toEqual(['error', [], 'dataset']);
    expect(r.error).toMatch(/No files found/);
  });

  it('skips every check before the first load', async () => {
    const r = await validateDataset({ ...request('visits'), datasetSql: undefined });
    expect(r.verdict).toBe('ok');
    expect(r.scope.description).toBe('no processed dataset yet');
    expect(r.checks).toHaveLength(14);
    expect(r.checks.every((c) => c.status === 'skipped' && c.message === 'no processed dataset yet')).toBe(
      true,
    );
  });

  it('writes a source’s increment and dataset reports side by side in one run', async () => {
    const noWards = (source: string) => (source === 'wards' ? undefined : datasetGlob(store, source)?.sql);
    const dataset = await validateDataset({ ...request('visits'), otherDatasets: noWards });
    const increment: SourceReport = {
      ...dataset,
      scope: { kind: 'full', description: 'the whole source' },
      checks: [],
    };
    const files = writeReports(path.join(dir.path, 'reports'), 'run-1', [increment, dataset], true);
    expect(readdirSync(files.directory).sort()).toEqual([
      'report.html',
      'visits.dataset.json',
      'visits.json',
    ]);
    const html = readFileSync(files.html!, 'utf8');
    expect(html).toContain('id="visits-dataset"');
    expect(html).toContain('warn after 1d, error after 2d');
    expect(html).not.toMatch(/S\d{7}[A-Z]/);
    expect(summaryLines([dataset])[0]).toMatch(
      /^visits \(dataset\)\s+ERROR\s+5 rows, 14 checks: 7 passed, 0 warned, 6 failed, 1 skipped/,
    );
  });
  it('after a merge, checks the rows it wrote (and, for unique, every row sharing their values)', async () => {
    // Row 6 repeats row 5's NRIC; row 7 names an unknown clinic. Rows 1–4 keep their old failures.
    const increment: Row[] = [
      [
        '6',
        'A',
        'T1111111C',
        'open',
        '2025-01-10',
        '2025-01-10T08:00:00.000000',
        '2025-01-10T00:00:00.000000Z',
        '5.00',
      ],
      [
        '7',
        'Q',
        'G2222222D',
        'open',
        '2025-01-10',
        '2025-01-10T09:00:00.000000',
        '2025-01-10T01:00:00.000000Z',
        '7.00',
      ],
    ];
    const file = path.join(dir.path, 'staged', 'visits-merge', 'part-00000.parquet');
    mkdirSync(path.dirname(file), { recursive: true });
    const writer = await parquetWriterSpec({ thread: false }).open(file, VISITS, output);
    await writer.write({ columns: VISITS, rows: increment });
    await writer.commit();
    await store.merge({
      source: 'visits',
      runs: [{ run_id: 'run-merge', files: [file] }],
      columns: VISITS,
      key_columns: ['id'],
      cursor_column: 'updated_at',
      high_water: null,
    });
    const failures = (r: SourceReport) =>
      Object.fromEntries(
        ['unique(nric)', 'references(clinic)', 'not_null(status)', 'range(fee)', 'row_count'].map((id) => [
          id,
          byId(r).get(id)!.observed.failed,
        ]),
      );
    const changed = await validateDataset({ ...request('visits'), changed: writtenRows([file]) });
    expect(failures(changed)).toEqual({
      'unique(nric)': 1,
      'references(clinic)': 1,
      'not_null(status)': 0,
      'range(fee)': 0,
      row_count: 0,
    });
    expect(changed.rows).toBe(7);
    expect(changed.scope.description).toMatch(/the 2 rows this load wrote .* row counts over all 7$/);
    const full = await validateDataset(request('visits'));
    expect(failures(full)).toEqual({
      'unique(nric)': 2,
      'references(clinic)': 2,
      'not_null(status)': 1,
      'range(fee)': 1,
      row_count: 0,
    });
    // Nothing written: nothing a merge can have broken, row counts still over everything.
    const quiet = await validateDataset({ ...request('visits'), changed: writtenRows([]) });
    expect(failures(quiet)).toEqual({
      'unique(nric)': 0,
      'references(clinic)': 0,
      'not_null(status)': 0,
      'range(fee)': 0,
      row_count: 0,
    });
    expect(quiet.rows).toBe(7);
  });
});
