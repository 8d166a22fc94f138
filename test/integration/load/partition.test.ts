/**
 * Partitioned datasets: Hive directories (visit_month=2025-01) that DuckDB reads with the key, a
 * key that moves partition leaves its old one, partitions the increment does not touch are shared
 * with the previous version by hard link (same inode), and value partitions with characters that
 * need escaping and NULL.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatasetStore, type LoadRequest, type StagedRun } from '../../../src/load/index.js';
import type { Row } from '../../../src/schema/column-types.js';
import {
  COLUMNS,
  config,
  CURSOR,
  KEY,
  readDataset,
  row,
  sorted,
  sqlString,
  stage,
  tempRoot,
  withDuckDb,
  type TempRoot,
} from './fixture.js';

let tmp: TempRoot;
beforeEach(() => {
  tmp = tempRoot();
});
afterEach(() => tmp.remove());

const request = (runs: StagedRun[]): LoadRequest => ({
  source: 'attendances',
  runs,
  columns: COLUMNS,
  key_columns: KEY,
  cursor_column: CURSOR,
});

const monthly = config({
  sources: {
    attendances: { partition_by: { column: 'visit_date', granularity: 'month', name: 'visit_month' } },
  },
});

/** Rows 1…n spread over four months by id. */
const spread = (n: number, version: number): Row[] =>
  Array.from({ length: n }, (_, i) => row(BigInt(i + 1), version, { month: `2025-0${1 + (i % 4)}` }));

describe('partitioned datasets', () => {
  it('writes Hive directories that DuckDB reads with the key and exact values', async () => {
    const store = openDatasetStore(monthly, tmp.root);
    const rows = spread(20, 1);
    await store.merge(request([await stage(tmp.root, 'r1', rows)]));
    const link = store.datasetDirectory('attendances');
    expect(readdirSync(link).sort()).toEqual([
      '_version.json',
      'visit_month=2025-01',
      'visit_month=2025-02',
      'visit_month=2025-03',
      'visit_month=2025-04',
    ]);
    expect(await readDataset(link, COLUMNS, true)).toEqual(sorted(rows));
    await withDuckDb(async (query) => {
      const wrong = await query(
        `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(path.join(link, '**', '*.parquet'))}, hive_partitioning = true)
         WHERE visit_month <> strftime(visit_date, '%Y-%m')`,
      );
      expect(wrong).toEqual([{ n: 0 }]);
    });
    const meta = store.current('attendances')!;
    expect(meta.partition).toEqual({ column: 'visit_date', granularity: 'month', name: 'visit_month' });
    expect(meta.files.map((f) => f.partition).sort()).toEqual(['2025-01', '2025-02', '2025-03', '2025-04']);
  });

  it('rewrites only the partitions an increment touches; a moved key leaves its old partition', async () => {
    const store = openDatasetStore(monthly, tmp.root);
    const rows = spread(20, 1);
    const first = await store.merge(request([await stage(tmp.root, 'r1', rows)]));
    const v1 = store.current('attendances')!;

    // Key 2 (in 2025-02) moves to 2025-03; key 1 (2025-01) is updated in place. 2025-04 is untouched.
    const moved = row(2n, 2, { month: '2025-03' });
    const updated = row(1n, 2, { month: '2025-01' });
    const second = await store.merge(request([await stage(tmp.root, 'r2', [moved, updated])]));
    expect(second).toMatchObject({ rows_after: 20, inserted: 0, updated: 2, parent: first.version });

    const model = new Map(rows.map((r) => [r[0] as string, r]));
    model.set('2', moved);
    model.set('1', updated);
    const link = store.datasetDirectory('attendances');
    expect(await readDataset(link, COLUMNS, true)).toEqual(sorted(model.values()));
    await withDuckDb(async (query) => {
      const where = await query(
        `SELECT visit_month FROM read_parquet(${sqlString(path.join(link, '**', '*.parquet'))}, hive_partitioning = true)
         WHERE attendance_id = 2`,
      );
      expect(where).toEqual([{ visit_month: '2025-03' }]);
    });

    const v2 = store.current('attendances')!;
    const byPartition = (m: typeof v1) => new Map(m.files.map((f) => [f.partition, f]));
    const before = byPartition(v1);
    const after = byPartition(v2);
    // 2025-04: the same file, hard-linked (one inode, two names); the others were rewritten.
    expect(after.get('2025-04')!.path).toBe(before.get('2025-04')!.path);
    const oldFile = path.join(store.versionDirectory('attendances', v1.version), before.get('2025-04')!.path);
    const newFile = path.join(store.versionDirectory('attendances', v2.version), after.get('2025-04')!.path);
    expect(statSync(newFile).ino).toBe(statSync(oldFile).ino);
    for (const p of ['2025-01', '2025-02', '2025-03'])
      expect(after.get(p)!.path).not.toBe(before.get(p)!.path);
    expect(second.files_written).toBe(3);
  });

  it('escapes value partitions and keeps a NULL partition', async () => {
    const store = openDatasetStore(
      config({
        sources: {
          attendances: { partition_by: { column: 'status', granularity: 'value', name: 'by_status' } },
        },
      }),
      tmp.root,
    );
    const odd = [...row(1n, 1)];
    odd[7] = 'a/b=c %';
    const none = [...row(2n, 1)];
    none[7] = null;
    await store.merge(request([await stage(tmp.root, 'r1', [odd, none, row(3n, 1)])]));
    const link = store.datasetDirectory('attendances');
    expect(readdirSync(link).sort()).toEqual([
      '_version.json',
      'by_status=__HIVE_DEFAULT_PARTITION__',
      'by_status=a%2Fb%3Dc%20%25',
      'by_status=v1',
    ]);
    const none2 = [...row(2n, 2)];
    none2[7] = null;
    await store.merge(request([await stage(tmp.root, 'r2', [none2])]));
    expect(await readDataset(link)).toEqual(sorted([odd, none2, row(3n, 1)]));
    expect(
      store
        .current('attendances')!
        .files.map((f) => f.partition ?? 'NULL')
        .sort(),
    ).toEqual(['NULL', 'a/b=c %', 'v1']);
  });
});
