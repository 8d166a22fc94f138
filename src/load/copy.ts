/**
 * The one way the store writes Parquet: DuckDB's `COPY … TO` into a directory, zstd, files named
 * `part-<uuid>.parquet` (unique across versions, so files shared by hard links never collide),
 * Hive-partitioned by the dataset's key or, unpartitioned, in key order and rolled every `fileRows`
 * rows: each file then holds one key range, and a merge whose keys are recent (ids grow with time)
 * touches only the last files. Without an order, the dedupe and the parallel writer scatter keys
 * over every file, and every merge rewrites the whole dataset (measured: 8 of 9 files of a 10M-row
 * dataset for a 25k-row increment of recent keys).
 *
 * Key order comes from a sort (`keys`: what a merge rewrites, or a deduplicated extraction) or from
 * the input itself (`input`: a full extraction, which the extractor reads in primary-key order);
 * sorting 10M rows instead took the process to 537 MB RSS against 300–400 MB. Either way the
 * unpartitioned write runs in one thread (`inOneThread`): the only way DuckDB keeps that order
 * across rolled files, and what bounds a merge's memory by the files it rewrites.
 */
import { mkdirSync } from 'node:fs';
import type { Engine, EngineRow } from './engine.js';
import type { IncrementShape } from './increment.js';
import { ident, identList, literal } from './sql.js';
import type { WriteSettings } from './strategy.js';

/** DuckDB's default row group size; files roll after whole row groups. */
const ROW_GROUP_ROWS = 122_880;

export interface Copied {
  files: string[];
  rows: number;
}

export type RowOrder = 'keys' | 'input';

/**
 * Write the rows of `select` (its columns in dataset order, plus the partition key column when
 * partitioned) under `out`, which DuckDB creates. `order` applies to unpartitioned datasets.
 */
export async function copyToDataset(
  engine: Engine,
  select: string,
  out: string,
  shape: Pick<IncrementShape, 'partitioning' | 'keys'>,
  settings: WriteSettings,
  order: RowOrder = 'keys',
): Promise<Copied> {
  const { partitioning } = shape;
  const sorted = !partitioning && order === 'keys';
  const keepInput = !partitioning && order === 'input';
  const layout = partitioning
    ? // DuckDB cannot roll files within a partition; one file per partition per load.
      `PARTITION_BY (${ident(partitioning.config.name)})`
    : `ROW_GROUP_SIZE ${Math.min(ROW_GROUP_ROWS, settings.fileRows)}, ROW_GROUPS_PER_FILE ${Math.max(1, Math.ceil(settings.fileRows / ROW_GROUP_ROWS))}`;
  const copy = `COPY (${sorted ? `SELECT * FROM (${select}) ORDER BY ${identList(shape.keys)}` : select}) TO ${literal(out)}
      (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${settings.compressionLevel},
       FILENAME_PATTERN 'part-{uuid}', RETURN_FILES true, ${layout})`;
  const rows = partitioning ? await engine.rows(copy) : await inOneThread(engine, keepInput, copy);
  const result = rows[0] ?? {};
  const files = (result.Files as string[] | undefined) ?? [];
  mkdirSync(out, { recursive: true, mode: 0o750 });
  return { files: [...files], rows: Number(result.Count ?? 0) };
}

/**
 * An ordered write runs in one thread. DuckDB writes rolled files (ROW_GROUPS_PER_FILE) in parallel
 * without keeping order: with two threads their row groups interleave, files are not sorted inside
 * and neighbouring files overlap in key range (measured on the national-day lab_results: every one
 * of 9 files), so a merge of recent keys rewrites more than the last file. And a sorted COPY in two
 * threads holds the sort's and both writers' buffers at once: the merge that rewrote 1.3M
 * lab_results rows (13 columns, 5 of them text) failed at memory_limit 128MB with two threads and passed
 * at 96MB with one, and the national-day run failed at the default 256MB on a busy machine.
 * A failed COPY ends the load and its engine, so the settings are restored only after a success.
 */
async function inOneThread(engine: Engine, keepInput: boolean, copy: string): Promise<EngineRow[]> {
  const [setting] = await engine.rows(`SELECT current_setting('threads')::BIGINT AS threads`);
  await engine.run('SET threads = 1');
  if (keepInput) await engine.run('SET preserve_insertion_order = true');
  const rows = await engine.rows(copy);
  if (keepInput) await engine.run('SET preserve_insertion_order = false');
  await engine.run(`SET threads = ${Number(setting?.threads ?? 1)}`);
  return rows;
}

/** A load that writes no file still needs its (empty) output directory for the kept files. */
export function emptyOutput(out: string): Copied {
  mkdirSync(out, { recursive: true, mode: 0o750 });
  return { files: [], rows: 0 };
}
