/**
 * Replace (full refresh) and soft deletes: the new version is exactly the deduplicated extraction;
 * keys absent from it are counted as hard deletes; rows marked deleted are removed by a merge and
 * left out by a replace, and counted; an empty extraction leaves an empty dataset readers can query.
 */
import { statSync } from 'node:fs';
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
const ids = (from: number, to: number, version: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => row(BigInt(from + i), version));

describe('DatasetStore.replace', () => {
  it('writes exactly the extraction, counts hard deletes, shares no file with the old version', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', ids(1, 6, 1))]));
    const v1 = store.current('attendances')!;

    // Keys 1 and 6 are gone from the source; key 3 comes twice (the greater cursor wins); 7 is new.
    const full = [...ids(2, 5, 2), row(3n, 3), row(7n, 2)];
    const result = await store.replace(request([await stage(tmp.root, 'full', full, 2)]));
    expect(result).toMatchObject({
      kind: 'replace',
      parent: v1.version,
      rows_before: 6,
      rows_in: 6,
      rows_after: 5,
      deleted: 2,
      updated: 4,
      inserted: 1,
      duplicates: 1,
      soft_deleted: 0,
    });
    const want: Row[] = [row(2n, 2), row(3n, 3), row(4n, 2), row(5n, 2), row(7n, 2)];
    expect(await readDataset(store.datasetDirectory('attendances'))).toEqual(sorted(want));
    const v2 = store.current('attendances')!;
    expect(v2.kind).toBe('replace');
    const inodes = (m: typeof v1) =>
      m.files.map((f) => statSync(path.join(store.versionDirectory('attendances', m.version), f.path)).ino);
    expect(inodes(v2).filter((i) => inodes(v1).includes(i))).toEqual([]);
  });

  it('accepts a changed schema (the remedy for SchemaChanged)', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', ids(1, 3, 1))]));
    const columns = COLUMNS.filter((c) => c.name !== 'amount');
    const rows = ids(1, 2, 2).map((r) => r.filter((_, i) => COLUMNS[i]!.name !== 'amount'));
    const result = await store.replace({
      ...request([await stage(tmp.root, 'full', rows, 1, columns)]),
      columns,
    });
    expect(result).toMatchObject({ rows_after: 2, deleted: 1 });
    expect(store.current('attendances')!.columns).toEqual(columns);
    expect(await readDataset(store.datasetDirectory('attendances'), columns)).toEqual(rows);
  });

  it('leaves an empty, queryable dataset for an empty extraction', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', ids(1, 3, 1))]));
    const result = await store.replace(request([await stage(tmp.root, 'full', [])]));
    expect(result).toMatchObject({ rows_in: 0, rows_after: 0, deleted: 3, files: 1 });
    await withDuckDb(async (query) => {
      const glob = path.join(store.datasetDirectory('attendances'), '**', '*.parquet');
      expect(await query(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(glob)})`)).toEqual([
        { n: 0 },
      ]);
      expect(await query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(glob)})`)).toHaveLength(
        COLUMNS.length,
      );
    });
  });
});

describe('soft deletes', () => {
  it('removes keys marked deleted (column not NULL) on merge, and never inserts them', async () => {
    const store = openDatasetStore(
      config({ sources: { attendances: { soft_delete: { column: 'deleted_at' } } } }),
      tmp.root,
    );
    await store.merge(request([await stage(tmp.root, 'r1', ids(1, 4, 1))]));
    const result = await store.merge(
      request([
        await stage(tmp.root, 'r2', [
          row(2n, 2, { deleted: true }),
          row(9n, 2, { deleted: true }),
          row(3n, 2),
        ]),
      ]),
    );
    expect(result).toMatchObject({ rows_before: 4, rows_after: 3, soft_deleted: 1, updated: 1, inserted: 0 });
    expect(await readDataset(store.datasetDirectory('attendances'))).toEqual(
      sorted([row(1n, 1), row(3n, 2), row(4n, 1)]),
    );
  });

  it('leaves out rows equal to the marker value on replace, and counts them', async () => {
    const store = openDatasetStore(
      config({ sources: { attendances: { soft_delete: { column: 'status', value: 'deleted' } } } }),
      tmp.root,
    );
    await store.merge(request([await stage(tmp.root, 'r1', ids(1, 3, 1))]));
    const gone = [...row(2n, 2)];
    gone[7] = 'deleted';
    const result = await store.replace(
      request([await stage(tmp.root, 'full', [row(1n, 2), gone, row(3n, 2)])]),
    );
    expect(result).toMatchObject({ rows_after: 2, soft_deleted: 1, deleted: 0, updated: 2, duplicates: 0 });
    expect(await readDataset(store.datasetDirectory('attendances'))).toEqual(
      sorted([row(1n, 2), row(3n, 2)]),
    );
  });
});
