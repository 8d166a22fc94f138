/**
 * The key-ordered write of an unpartitioned dataset with the engine's default two threads: every
 * file strictly in key order and the files in disjoint key ranges (what lets a merge of recent keys
 * rewrite only the last files), and a merge that rewrites a few hundred thousand wide rows within a
 * small memory_limit (the national-day benchmark ran out of memory at 256MB merging lab_results).
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatasetStore, type LoadRequest, type StagedRun } from '../../../src/load/index.js';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { config, sqlString, stage, tempRoot, withDuckDb, type TempRoot } from './fixture.js';

let tmp: TempRoot;
beforeEach(() => {
  tmp = tempRoot();
});
afterEach(() => tmp.remove());

/** Lab-result-like rows: a key, a cursor and three text columns of 60–120 characters. */
const COLUMNS: ColumnSpec[] = [
  { name: 'result_id', type: t.int64(), nullable: false },
  { name: 'patient_ref', type: t.string(), nullable: false },
  { name: 'test_name', type: t.string(), nullable: false },
  { name: 'remarks', type: t.string(), nullable: true },
  { name: 'updated_at', type: t.timestamptz(), nullable: false },
];
const SOURCE = 'lab_results';

function row(id: number, version: number): Row {
  const hex = (id * 2654435761 + version).toString(16).padStart(12, '0');
  return [
    String(id),
    hex.repeat(5),
    `test ${id % 97} of panel ${id % 13}, ${'serum '.repeat(10)}`,
    `${hex} v${version} ${'no abnormality detected; '.repeat(4)}`,
    new Date(Date.UTC(2025, 0, 1) + version * 1000).toISOString().replace('Z', '000Z'),
  ];
}

const request = (run: StagedRun): LoadRequest => ({
  source: SOURCE,
  runs: [run],
  columns: COLUMNS,
  key_columns: ['result_id'],
  cursor_column: 'updated_at',
});

/** Per file of the current version: rows, key range, and rows out of key order. */
async function fileOrder(store: ReturnType<typeof openDatasetStore>) {
  const meta = store.current(SOURCE)!;
  const dir = store.versionDirectory(SOURCE, meta.version);
  const files = meta.files.map((f) => sqlString(path.join(dir, f.path))).join(', ');
  return withDuckDb((query) =>
    query(`SELECT filename, count(*)::INTEGER AS n, min(result_id) AS lo, max(result_id) AS hi,
        count(*) FILTER (WHERE step <= 0)::INTEGER AS unordered
      FROM (SELECT filename, result_id,
          result_id - lag(result_id) OVER (PARTITION BY filename ORDER BY file_row_number) AS step
        FROM read_parquet([${files}], filename = true, file_row_number = true))
      GROUP BY filename ORDER BY lo`),
  );
}

function expectKeyRanges(files: Record<string, unknown>[]): void {
  for (const [i, f] of files.entries()) {
    expect(f.unordered).toBe(0);
    if (i > 0) expect(f.lo as bigint).toBeGreaterThan(files[i - 1]!.hi as bigint);
  }
}

/** A replace of 300,000 rows in key order (staged as parts, read in parallel), files of 60,000. */
async function fullLoad(store: ReturnType<typeof openDatasetStore>): Promise<void> {
  const rows = Array.from({ length: 300_000 }, (_, i) => row(i, 1));
  const full = await store.replace(request(await stage(tmp.root, 'full', rows, 6, COLUMNS)));
  expect(full.rows_after).toBe(300_000);
}

describe('key-ordered writes (two threads)', () => {
  it('keep each file in key order and the files in disjoint key ranges', async () => {
    const store = openDatasetStore(config({ threads: 2, file_rows: 60_000 }), tmp.root);
    await fullLoad(store);
    const files = await fileOrder(store);
    expectKeyRanges(files);
    // Files roll after whole row groups of about file_rows (DuckDB rounds to its 2,048-row vectors).
    expect(files).toHaveLength(5);
  });

  it('rewrite every file of wide rows, sorted, within a 96MB memory_limit', async () => {
    const store = openDatasetStore(config({ threads: 2, memory_limit: '96MB', file_rows: 60_000 }), tmp.root);
    await fullLoad(store);
    // Updates of keys in every file, and new keys: every file is rewritten.
    const updates = Array.from({ length: 3_000 }, (_, i) => row(i * 100 + 7, 2));
    const fresh = Array.from({ length: 2_000 }, (_, i) => row(300_000 + i, 2));
    const run = await stage(tmp.root, 'r2', [...fresh, ...updates], 1, COLUMNS);
    const merged = await store.merge(request(run));
    expect(merged).toMatchObject({ updated: 3_000, inserted: 2_000, rows_after: 302_000 });
    expect(merged.rows_written).toBe(302_000);
    expectKeyRanges(await fileOrder(store));
  });
});
