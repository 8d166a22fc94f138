/**
 * Versions: metadata (chain, runs, high-water mark, schema, per-file rows/bytes/sha256 that match the
 * files), the readers' path showing exactly the current version, archive retention by count and by
 * age on a fake clock, the pinned read path, and the exact Parquet types of the dataset's files.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datasetGlob, openDatasetStore, type LoadRequest, type StagedRun } from '../../../src/load/index.js';
import {
  COLUMNS,
  config,
  CURSOR,
  KEY,
  row,
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

/** Every path under dir, relative, directories with a trailing slash. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? [`${prefix}${e.name}/`, ...tree(path.join(dir, e.name), `${prefix}${e.name}/`)]
      : [`${prefix}${e.name}`],
  );
}

describe('versions', () => {
  it('records a chain of versions whose files match their metadata, and shows readers only the current one', async () => {
    const store = openDatasetStore(config(), tmp.root);
    const a = await store.merge(request([await stage(tmp.root, 'r1', [row(1n, 1), row(2n, 1)])], 'hw1'));
    const b = await store.merge(
      request([await stage(tmp.root, 'r2', [row(3n, 2)]), await stage(tmp.root, 'r3', [row(1n, 3)])], 'hw3'),
    );
    const meta = store.current('attendances')!;
    expect(meta).toMatchObject({
      version: b.version,
      parent: a.version,
      seq: 2,
      run_ids: ['r2', 'r3'],
      high_water: 'hw3',
    });
    expect(meta.counts).toMatchObject({ rows_before: 2, rows_in: 2, inserted: 1, updated: 1 });
    const dir = store.versionDirectory('attendances', meta.version);
    for (const f of meta.files) {
      const bytes = readFileSync(path.join(dir, f.path));
      expect({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({
        bytes: f.bytes,
        sha256: f.sha256,
      });
      expect(statSync(path.join(dir, f.path)).mode & 0o777).toBe(0o640);
    }
    // The readers' path: a relative link to the version, holding its files and metadata, nothing else.
    const link = store.datasetDirectory('attendances');
    expect(readlinkSync(link)).toBe(path.join('..', 'archive', 'attendances', meta.version));
    expect(tree(link).sort()).toEqual(['_version.json', ...meta.files.map((f) => f.path)].sort());
    expect(readdirSync(path.dirname(link))).toEqual(['attendances']);
    expect(store.versions('attendances').map((v) => [v.version, v.current])).toEqual([
      [a.version, false],
      [b.version, true],
    ]);
  });

  it('keeps keep_versions archived versions and deletes those superseded longer ago than max_age', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const store = openDatasetStore(config({ keep_versions: 2, max_age: '10d' }), tmp.root, {
      now: () => new Date(clock),
    });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock += 86_400_000;
      const r = await store.merge(request([await stage(tmp.root, `r${i}`, [row(BigInt(i), i + 1)])]));
      made.push(r.version);
      if (i === 4) expect(r.expired.sort()).toEqual([made[1]]);
    }
    const listed = () => store.versions('attendances').map((v) => v.version);
    expect(listed()).toEqual(made.slice(2));
    expect(readdirSync(path.join(tmp.root, 'data/archive/attendances')).sort()).toEqual(made.slice(2));

    // 20 days later: the archived versions were superseded more than 10 days ago.
    clock += 20 * 86_400_000;
    const last = await store.merge(request([await stage(tmp.root, 'r9', [row(9n, 9)])]));
    expect(last.expired.sort()).toEqual(made.slice(2, 4));
    // The version superseded just now stays, however old it is.
    expect(listed()).toEqual([made[4], last.version]);
  });

  it('gives a pinned read path that a later switch does not change', async () => {
    const store = openDatasetStore(config(), tmp.root);
    expect(datasetGlob(store, 'attendances')).toBeUndefined();
    await store.merge(request([await stage(tmp.root, 'r1', [row(1n, 1), row(2n, 1)])]));
    const read = datasetGlob(store, 'attendances')!;
    expect(read.glob).toBe(path.join(tmp.root, 'data/processed/attendances/**/*.parquet'));
    await store.merge(request([await stage(tmp.root, 'r2', [row(3n, 2)])]));
    await withDuckDb(async (query) => {
      expect(await query(`SELECT count(*)::INTEGER AS n FROM ${read.sql}`)).toEqual([{ n: 2 }]);
      expect(await query(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(read.glob)})`)).toEqual(
        [{ n: 3 }],
      );
    });
  });

  it('writes the exact Parquet types: INT64, DECIMAL, DATE, TIMESTAMP with and without UTC, UTF-8, zstd', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', [row(1n, 1)])]));
    const meta = store.current('attendances')!;
    const file = path.join(store.versionDirectory('attendances', meta.version), meta.files[0]!.path);
    await withDuckDb(async (query) => {
      const schema = await query(
        `SELECT name, type, converted_type, logical_type FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL`,
      );
      const micros = (utc: number) =>
        `TimestampType(isAdjustedToUTC=${utc}, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))`;
      expect(
        Object.fromEntries(schema.map((s) => [s.name, [s.type, s.converted_type, s.logical_type]])),
      ).toEqual({
        attendance_id: ['INT64', 'INT_64', null],
        patient_id: ['INT64', 'INT_64', null],
        visit_date: ['INT32', 'DATE', null],
        arrived_at: ['INT64', 'TIMESTAMP_MICROS', micros(0)],
        updated_at: ['INT64', 'TIMESTAMP_MICROS', micros(1)],
        fee: ['INT64', 'DECIMAL', 'DecimalType(scale=2, precision=12)'],
        amount: ['FIXED_LEN_BYTE_ARRAY', 'DECIMAL', 'DecimalType(scale=6, precision=38)'],
        status: ['BYTE_ARRAY', 'UTF8', null],
        deleted_at: ['INT64', 'TIMESTAMP_MICROS', micros(1)],
      });
      const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata(${sqlString(file)})`);
      expect(codecs.map((c) => c.compression)).toEqual(['ZSTD']);
    });
  });
});
