/**
 * What the pipeline hands the load step, and what it gets back. Counts and names only: nothing here
 * carries a cell value.
 */
import type { ColumnSpec } from '../schema/column-types.js';

/** A value as the extraction state stores it (a high-water mark). */
export type MarkValue = string | number | boolean | null;

/** The staged Parquet files of one finished run, in the order its rows were written. */
export interface StagedRun {
  run_id: string;
  files: string[];
}

export interface LoadRequest {
  source: string;
  /** Finished runs of the source, oldest first: a later run wins a tie on the cursor. */
  runs: StagedRun[];
  /** The columns of the staged files (the transform step's output), in dataset order. */
  columns: ColumnSpec[];
  /** The primary key: the dataset holds exactly one row per key. */
  key_columns: string[];
  /**
   * The column that grows when a row changes (updated_at): the row with the greatest value wins.
   * Absent (reference tables): the latest run wins.
   */
  cursor_column?: string;
  /** The high-water mark of the last run, recorded in the version's metadata. */
  high_water?: MarkValue;
}

export type LoadKind = 'merge' | 'replace';

export interface LoadResult {
  source: string;
  kind: LoadKind;
  /** The version now current. */
  version: string;
  /** The version it replaced, now archived (null for the first load). */
  parent: string | null;
  rows_before: number;
  /** Rows in the staged files. */
  rows_in: number;
  rows_after: number;
  /** Keys that were not in the dataset before. */
  inserted: number;
  /** Keys that were in the dataset and got a new row (replace: keys present before and after). */
  updated: number;
  /** Replace only: keys of the previous version absent from the full extraction (hard deletes). */
  deleted: number;
  /** Rows marked deleted by the source's soft-delete column, removed or left out. */
  soft_deleted: number;
  /** Staged rows dropped because a later row of the same key came in the same load. */
  duplicates: number;
  /** Merge only: staged rows older (by cursor) than the dataset's row of the same key, ignored. */
  stale: number;
  /** Files and bytes of the new version (shared, unchanged files included). */
  files: number;
  bytes: number;
  /** What this load wrote: the rest of the version is hard-linked from the previous one. */
  files_written: number;
  rows_written: number;
  /** Archived versions deleted by retention after the switch. */
  expired: string[];
  /** Things the operator should know that did not stop the load. */
  warnings: string[];
  duration_ms: number;
}

/** One version as `versions()` lists it. */
export interface VersionInfo {
  version: string;
  seq: number;
  kind: LoadKind;
  created_at: string;
  rows: number;
  files: number;
  bytes: number;
  current: boolean;
  /** The version's directory: its files, hive layout and `_version.json`. */
  path: string;
}

/**
 * The moments of a load, in order, as `onStep` reports them (for progress, and for the crash tests
 * that stop a load at each of them): the dataset locked; leftovers of a crash removed; the work
 * directory made and the engine open; the new files written; the version's files linked, hashed and
 * synced; the version directory under its final name; the link switched (the new version is
 * current); the work directory removed; retention applied.
 */
export const LOAD_STEPS = [
  'locked',
  'recovered',
  'staged',
  'written',
  'assembled',
  'committed',
  'switched',
  'cleaned',
  'retained',
] as const;
export type LoadStep = (typeof LOAD_STEPS)[number];
