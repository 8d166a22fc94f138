/**
 * Synthetic Ministry of Health polyclinic data: a deterministic generator and loaders for
 * demo databases in SQLite, PostgreSQL and MySQL/MariaDB.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const db = new Database('demo.db');
 * const created = await createDemoDatabase({ dialect: 'sqlite', db }, { scale: 0.04, days: 30 });
 * const advanced = await advanceDemo({ dialect: 'sqlite', db }, 2);
 */
import { advanceDatabase, readState } from './advance.js';
import { createDatabase, type LoadResult } from './load.js';
import {
  assertTimelineInPast,
  continueTimeline,
  generate,
  resolveOptions,
  type ChunkTuning,
  type SynthOptions,
} from './run.js';
import { inProcessSource, workerAvailable, workerSource } from './source.js';
import type { DemoStore } from './store.js';
import { MysqlStore, type MysqlConnectionLike } from './store-mysql.js';
import { FLUSH_BYTES, PostgresStore, type PgClientLike } from './store-postgres.js';
import { SqliteStore, type SqliteDatabaseLike } from './store-sqlite.js';

/** Where a demo database lives: an open connection the caller owns (and closes). */
export type DemoTarget =
  | { dialect: 'sqlite'; db: SqliteDatabaseLike }
  | { dialect: 'postgres'; client: PgClientLike }
  | { dialect: 'mysql'; conn: MysqlConnectionLike };

/** Testing and tuning knobs that never change the data. */
export interface DemoRunConfig {
  /** The "real" clock for the timeline-in-the-past check. Default: now. */
  now?: Date;
  /** Chunk sizes of the generator stream. */
  tuning?: ChunkTuning;
  /** PostgreSQL: generate in a worker thread (default true when the compiled worker exists). */
  worker?: boolean;
}

/** PostgreSQL loads generate in a worker thread when the compiled worker is available. */
function useWorker(target: DemoTarget, config: DemoRunConfig): boolean {
  return target.dialect === 'postgres' && config.worker !== false && workerAvailable();
}

function tuningFor(target: DemoTarget, config: DemoRunConfig): ChunkTuning {
  // Without a worker, PostgreSQL interleaves generation with COPY on one thread: smaller blocks
  // let it hand data to the server more often.
  if (config.tuning) return config.tuning;
  return target.dialect === 'postgres' && !useWorker(target, config) ? { blockSize: 200 } : {};
}

function storeFor(target: DemoTarget): DemoStore {
  switch (target.dialect) {
    case 'sqlite':
      return new SqliteStore(target.db);
    case 'postgres':
      return new PostgresStore(target.client);
    case 'mysql':
      return new MysqlStore(target.conn);
  }
}

/**
 * Creates (or re-creates: existing demo tables are dropped) the eight MOH tables and the
 * `_moh_demo_meta` table, and loads `options.days` days of synthetic data. PostgreSQL and SQLite
 * load in one transaction; MySQL commits DDL implicitly, so a failed MySQL load can leave empty
 * tables behind.
 *
 * Throws a plain Error for invalid options, or when the timeline would end after yesterday in
 * Singapore (the demo timeline stays in the past so that `advanceDemo` has days to add).
 */
export async function createDemoDatabase(
  target: DemoTarget,
  options: SynthOptions = {},
  config: DemoRunConfig = {},
): Promise<LoadResult> {
  const started = performance.now();
  const o = resolveOptions(options);
  assertTimelineInPast(o.startDate, o.days, config.now);
  const tuning = tuningFor(target, config);
  const source = useWorker(target, config)
    ? workerSource({ mode: 'create', options: o, tuning, dayEvents: false, flushBytes: FLUSH_BYTES })
    : inProcessSource(generate(o, tuning), false);
  return createDatabase(storeFor(target), source, o.dirtyRate, started);
}

/**
 * Appends `days` days to a demo database created by {@link createDemoDatabase}, continuing
 * exactly where it stopped (state from `_moh_demo_meta`). On each open day it also changes
 * existing data, deterministically: a few late lab results of the previous open day, stamped
 * behind the table's max `updated_at` but with new ids; hard deletes of ~0.5% of a day's
 * medications and lab results among the last few days; updates of a sample of patients,
 * attendances and lab results with `updated_at` on the new day. The result reports `counts`,
 * `late`, `deleted` and `updated` per table. New days keep the database's dirty rate (late rows
 * are clean). One transaction.
 *
 * Throws a plain Error when the database is not a demo database, or when the advanced timeline
 * would end after yesterday in Singapore.
 */
export async function advanceDemo(
  target: DemoTarget,
  days: number,
  config: DemoRunConfig = {},
): Promise<LoadResult> {
  const started = performance.now();
  const store = storeFor(target);
  const state = await readState(store, days, config.now ?? new Date());
  const tuning = tuningFor(target, config);
  const source = useWorker(target, config)
    ? workerSource({
        mode: 'continue',
        state,
        days,
        lateRows: true,
        tuning,
        dayEvents: true,
        flushBytes: FLUSH_BYTES,
      })
    : inProcessSource(continueTimeline(state, days, tuning, { lateRows: true }), true);
  return advanceDatabase(store, state, source, started);
}

export { generate, continueTimeline, resolveOptions, assertTimelineInPast, DEFAULT_OPTIONS } from './run.js';
export type { SynthOptions, ResolvedSynthOptions, SynthRun, ChunkTuning, ContinueOptions } from './run.js';
export type { SynthChunk, SynthState } from './generator.js';
export { attendanceCount, initialPatients, WEEKDAY_ATTENDANCES, PATIENTS_PER_SCALE } from './generator.js';
export type { NextIds } from './encounters.js';
export type { LoadResult, LoadTimings } from './load.js';
export { lateLabCount, LATE_LAB_RATE, MIN_LATE_LABS } from './late.js';
export { DELETABLE, DELETE_RATE } from './deletes.js';
export type { DirtyReport, DefectEntry, DefectKind } from './dirty.js';
export { dirtyNullableColumns, MAX_KEYS_PER_ENTRY, FUTURE_SHIFT_DAYS } from './dirty.js';
export { nricCheckLetter, isValidNric } from './nric.js';
export { schemaSql, createTableSql, columnType, META_TABLE, type Dialect as DemoDialect } from './ddl.js';
export { stateToMeta, metaToState } from './meta.js';
export { POLYCLINICS, CONDITIONS } from './reference.js';
export { TABLES, SOURCE_TABLES, type SourceTable, type TableSpec } from './tables.js';
export type { SqliteDatabaseLike, PgClientLike, MysqlConnectionLike };
