/**
 * Columns and keys: a column added by an increment is NULL for the rows loaded before, in every file
 * (a reader taking the first file's schema must see it); a changed type is refused naming the column;
 * a composite key; a reference table without a cursor (the latest run wins).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatasetStore, SchemaChanged, type LoadRequest } from '../../../src/load/index.js';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
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
import path from 'node:path';

let tmp: TempRoot;
beforeEach(() => {
  tmp = tempRoot();
});
afterEach(() => tmp.remove());

const base = (runs: LoadRequest['runs'], columns: ColumnSpec[] = COLUMNS): LoadRequest => ({
  source: 'attendances',
  runs,
  columns,
  key_columns: KEY,
  cursor_column: CURSOR,
});

describe('schema changes', () => {
  it('adds a new column as NULL for earlier rows, in every file', async () => {
    const store = openDatasetStore(
      config({ sources: { attendances: { partition_by: { column: 'visit_date', name: 'visit_month' } } } }),
      tmp.root,
    );
    const first = [row(1n, 1), row(2n, 1), row(3n, 1)];
    await store.merge(base([await stage(tmp.root, 'r1', first)]));
    const wider: ColumnSpec[] = [...COLUMNS, { name: 'triage', type: t.int32(), nullable: false }];
    const added = [...row(2n, 2), 4];
    const result = await store.merge(base([await stage(tmp.root, 'r2', [added], 1, wider)], wider));
    expect(result.files_written).toBe(result.files);
    const want: Row[] = [[...first[0]!, null], added, [...first[2]!, null]];
    expect(await readDataset(store.datasetDirectory('attendances'), wider, true)).toEqual(sorted(want));
    await withDuckDb(async (query) => {
      const meta = store.current('attendances')!;
      for (const f of meta.files) {
        const file = path.join(store.versionDirectory('attendances', meta.version), f.path);
        const names = await query(`SELECT name FROM parquet_schema(${sqlString(file)})`);
        expect(names.map((n) => n.name)).toContain('triage');
      }
    });
    expect(store.current('attendances')!.columns.at(-1)).toEqual({
      name: 'triage',
      type: t.int32(),
      nullable: true,
    });
  });

  it('refuses a changed type, naming the column, and keeps the current version', async () => {
    const store = openDatasetStore(config(), tmp.root);
    const v1 = await store.merge(base([await stage(tmp.root, 'r1', [row(1n, 1)])]));
    const changed = COLUMNS.map((c) => (c.name === 'fee' ? { ...c, type: t.decimal(14, 3) } : c));
    const staged = await stage(
      tmp.root,
      'r2',
      [row(2n, 2)].map((r) => r.map((v, i) => (i === 5 ? '1.500' : v))),
      1,
      changed,
    );
    const error = await store.merge(base([staged], changed)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaChanged);
    expect((error as SchemaChanged).column).toBe('fee');
    expect((error as SchemaChanged).hint).toContain('--mode full');
    expect(store.current('attendances')!.version).toBe(v1.version);
  });
});

describe('keys and cursors', () => {
  const columns: ColumnSpec[] = [
    { name: 'clinic_id', type: t.int32(), nullable: false },
    { name: 'code', type: t.string(), nullable: false },
    { name: 'label', type: t.string(), nullable: true },
  ];
  const reference = (runs: LoadRequest['runs']): LoadRequest => ({
    source: 'clinic_services',
    runs,
    columns,
    key_columns: ['clinic_id', 'code'],
  });

  it('merges on a composite key; without a cursor the latest run, then the latest row, wins', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(
      reference([
        await stage(
          tmp.root,
          'r1',
          [
            [1, 'A', 'one A'],
            [1, 'B', 'one B'],
            [2, 'A', 'two A'],
          ],
          1,
          columns,
        ),
      ]),
    );
    const r2 = await stage(
      tmp.root,
      'r2',
      [
        [1, 'B', 'first'],
        [2, 'B', 'two B'],
        [1, 'B', 'second'],
      ],
      1,
      columns,
    );
    const r3 = await stage(tmp.root, 'r3', [[2, 'A', 'two A again']], 1, columns);
    const result = await store.merge(reference([r2, r3]));
    expect(result).toMatchObject({ rows_after: 4, inserted: 1, updated: 2, duplicates: 1, stale: 0 });
    await withDuckDb(async (query) => {
      const rows = await query(
        `SELECT clinic_id, code, label FROM read_parquet(${sqlString(path.join(store.datasetDirectory('clinic_services'), '**', '*.parquet'))}) ORDER BY ALL`,
      );
      expect(rows.map((r) => [r.clinic_id, r.code, r.label])).toEqual([
        [1, 'A', 'one A'],
        [1, 'B', 'second'],
        [2, 'A', 'two A again'],
        [2, 'B', 'two B'],
      ]);
    });
  });
});
