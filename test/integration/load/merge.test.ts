/**
 * Merge semantics, read back cell by cell with DuckDB through the readers' path: latest cursor wins
 * per key (ties to the later run, then the later row), stale rows ignored, duplicates inside an
 * increment collapsed, one row per key after many merges, exact int64/decimal/date/timestamp values.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatasetStore, type LoadRequest, type StagedRun } from '../../../src/load/index.js';
import type { Row } from '../../../src/schema/column-types.js';
import {
  BIG,
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

const request = (runs: StagedRun[], high_water?: string): LoadRequest => ({
  source: 'attendances',
  runs,
  columns: COLUMNS,
  key_columns: KEY,
  cursor_column: CURSOR,
  ...(high_water ? { high_water } : {}),
});

describe('DatasetStore.merge', () => {
  it('loads a first increment exactly: int64 beyond 2^53, decimals, dates, naive and UTC timestamps', async () => {
    const store = openDatasetStore(config(), tmp.root);
    const rows = [row(1n, 1), row(BIG, 2), row(3n, 3)];
    const result = await store.merge(request([await stage(tmp.root, 'r1', rows, 2)], '2025-06-01T00:03:00Z'));
    expect(result).toMatchObject({
      kind: 'merge',
      parent: null,
      rows_before: 0,
      rows_in: 3,
      rows_after: 3,
      inserted: 3,
      updated: 0,
      deleted: 0,
      soft_deleted: 0,
      duplicates: 0,
      stale: 0,
    });
    expect(await readDataset(store.datasetDirectory('attendances'))).toEqual(sorted(rows));
    const meta = store.current('attendances')!;
    expect(meta).toMatchObject({
      version: result.version,
      seq: 1,
      parent: null,
      kind: 'merge',
      run_ids: ['r1'],
      high_water: '2025-06-01T00:03:00Z',
      rows: 3,
      key_columns: KEY,
      cursor_column: CURSOR,
      columns: COLUMNS,
    });
    expect(meta.files.reduce((n, f) => n + f.rows, 0)).toBe(3);
    for (const f of meta.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the row with the greatest cursor; ties go to the later run, then the later row', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(
      request([await stage(tmp.root, 'r1', [row(1n, 5), row(2n, 5), row(3n, 5), row(4n, 5)])]),
    );

    const older = row(1n, 4); // stale: older cursor than the dataset's
    const tie = [...row(2n, 5)];
    tie[7] = 'tie, later run';
    const newer = row(3n, 6);
    // In one increment: key 4 twice with the same cursor (the later row wins), key 5 twice (newer wins).
    const first4 = [...row(4n, 5)];
    first4[7] = 'first of two';
    const second4 = [...row(4n, 5)];
    second4[7] = 'second of two';
    const run2 = await stage(tmp.root, 'r2', [older, tie, newer, first4, row(5n, 9)]);
    const run3 = await stage(tmp.root, 'r3', [second4, row(5n, 8)], 1);
    const result = await store.merge(request([run2, run3]));

    expect(result).toMatchObject({
      rows_before: 4,
      rows_in: 7,
      rows_after: 5,
      inserted: 1,
      updated: 3,
      duplicates: 2,
      stale: 1,
    });
    const want: Row[] = [row(1n, 5), tie, newer, second4, row(5n, 9)];
    expect(await readDataset(store.datasetDirectory('attendances'))).toEqual(sorted(want));
    expect(store.current('attendances')).toMatchObject({ seq: 2, run_ids: ['r2', 'r3'] });
  });

  it('holds exactly one row per key after many merges, equal to a model of latest-wins', async () => {
    const store = openDatasetStore(config({ file_rows: 10_000 }), tmp.root);
    const model = new Map<string, Row>();
    let version = 0;
    for (let run = 0; run < 8; run++) {
      const rows: Row[] = [];
      for (let i = 0; i < 60; i++) {
        const id = BigInt((run * 37 + i * 11) % 150) + BIG;
        version += 1;
        rows.push(row(id, version));
      }
      for (const r of rows) model.set(r[0] as string, r);
      const result = await store.merge(request([await stage(tmp.root, `r${run}`, rows, 2)]));
      expect(result.rows_after).toBe(model.size);
    }
    expect(await readDataset(store.datasetDirectory('attendances'))).toEqual(sorted(model.values()));
  });

  it('keeps an unpartitioned dataset in key ranges, so recent keys rewrite only the last files', async () => {
    const store = openDatasetStore(config({ file_rows: 10_000 }), tmp.root);
    // A full extraction in primary-key order, as the extractor reads it.
    const rows = Array.from({ length: 50_000 }, (_, i) => row(BigInt(i), 1));
    await store.replace(request([await stage(tmp.root, 'full', rows, 3)]));
    const v1 = store.current('attendances')!;
    expect(v1.files).toHaveLength(5);
    expect(await disjointKeyRanges(store)).toBe(true);

    // Updates of the newest keys and new keys, staged out of order: only the last file is rewritten.
    const recent = [row(50_001n, 2), row(49_995n, 2), row(50_000n, 2), row(49_990n, 2), row(49_999n, 2)];
    const result = await store.merge(request([await stage(tmp.root, 'r2', recent)]));
    expect(result).toMatchObject({ inserted: 2, updated: 3, rows_after: 50_002 });
    const kept = store.current('attendances')!.files.filter((f) => v1.files.some((o) => o.path === f.path));
    expect(kept).toHaveLength(4);
    expect(result.rows_written).toBeLessThanOrEqual(10_002);
    expect(await disjointKeyRanges(store)).toBe(true);
  });
});

/** Whether the current version's files hold disjoint ranges of attendance_id (Parquet statistics). */
async function disjointKeyRanges(store: ReturnType<typeof openDatasetStore>): Promise<boolean> {
  const meta = store.current('attendances')!;
  const files = meta.files.map((f) => path.join(store.versionDirectory('attendances', meta.version), f.path));
  return withDuckDb(async (query) => {
    const ranges = await query(
      `SELECT min(stats_min_value::BIGINT) AS lo, max(stats_max_value::BIGINT) AS hi
       FROM parquet_metadata([${files.map(sqlString).join(', ')}]) WHERE path_in_schema = 'attendance_id'
       GROUP BY file_name ORDER BY lo`,
    );
    return ranges.every((r, i) => i === 0 || (r.lo as bigint) > (ranges[i - 1]!.hi as bigint));
  });
}
