/**
 * One source, exactly once. Rows go to part files; after each part is committed (fsynced and
 * renamed) the checkpoint — committed parts and the position after them — is written atomically
 * (copy-rows.ts). A crash at any moment leaves a checkpoint that names only whole parts; the next
 * run checks them, removes anything else from the run directory and reads on from the checkpoint's
 * position (start-run.ts; a retry after a transient error resumes the same way). At the end the
 * parts are checked again, a COUNT over the extracted range must agree with the rows in them, then
 * the manifest is written, then the watermark moves — or, when the pipeline defers it, the next
 * watermark is returned for the pipeline to commit once the rows are loaded.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ExtractionMode, OutputFormat } from '../config/schema.js';
import type { SourceConnection } from '../db/connection.js';
import { ReconciliationError } from '../errors.js';
import type { DateRange } from '../extract/date-range.js';
import { batchQuery } from '../extract/keyset.js';
import { highestKey } from '../extract/late-rows.js';
import { bounded, planSource, sourceRequest, usablePosition, type SourcePlan } from '../extract/plan.js';
import { watermarkAhead } from '../extract/watermark-text.js';
import type { SnapshotCursor } from '../extract/snapshot.js';
import { estimateRows } from '../extract/row-estimate.js';
import { partsInKeyOrder } from '../extract/split.js';
import { planDigest, shardFilter, type ShardAssignment } from '../extract/shard-plan.js';
import type { PendingRun, StateStore, StoredValue, Watermark } from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import { writeManifest } from '../write/layout.js';
import { writerFor } from '../write/registry.js';
import { firstBadPart } from '../write/verify-parts.js';
import { copyRows, type CopyHooks } from './copy-rows.js';
import { copySplit } from './split-copy.js';
import { stagedCounters, type StageRequest } from './stage.js';
import { reconcile } from './reconcile.js';
import { applyNext, type NextState } from './next-state.js';
import { lookbackFor, startOrResume } from './start-run.js';
import type { SourceResult } from './summary.js';

export interface SourceRunRequest extends Omit<CopyHooks, 'companion'> {
  name: string;
  mode: ExtractionMode;
  range?: DateRange;
  formats?: OutputFormat[];
  /** Discard an unfinished run of this source instead of resuming it. */
  fresh?: boolean;
  runId: string;
  started: Date;
  /**
   * Keep the watermark where it is and return the next one (SourceOutcome.next): the pipeline moves
   * it only after the run's rows are validated and loaded, so a run stopped by a failed check is
   * read again next time rather than skipped.
   */
  deferWatermark?: boolean;
  /** Stage transformed rows beside each part (the pipeline's transform step, stage.ts). */
  stage?: StageRequest;
  /** Called with the plan before anything is read: the pipeline compiles the transform here. */
  onPlan?: (plan: SourcePlan) => void;
  /** Called, when the database's planner gives one, with the rows the run is estimated to read (progress ETA). */
  onEstimate?: (rows: number) => void;
  /** One shard of a sharded run (split-shard.ts): the run's plan and the directory it writes. */
  shard?: ShardAssignment;
  /**
   * An incremental run that starts somewhere other than the watermark (next-state.ts loadStart):
   * there (null: from the start), without skipping rows the lookback window already delivered.
   */
  from?: { watermark: Watermark | null };
}

/** What a finished run leaves for the pipeline: the next watermark, when it was deferred. */
export interface SourceOutcome extends SourceResult {
  next?: NextState;
  /** The staged files of the run (transformed rows), in part order, for the load step. */
  staged?: string[];
  /** The plan's columns (as extracted), for the steps after it. */
  plan?: SourcePlan;
  /**
   * The new increment: rows after the previous watermark (not the lookback window's start, whose
   * already-delivered rows were skipped), and how many were written from it (late rows caught behind
   * the watermark are not in it). The validate step checks exactly this.
   */
  increment?: { start?: Watermark; rows: number };
  /** The run's frozen upper bound on the cursor column (incremental runs). */
  high_water?: StoredValue;
  /** The transform's totals over every committed part (stage.ts stagedCounters). */
  transformCounts?: Record<string, number>;
}

export async function extractSource(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  req: SourceRunRequest,
  log: Logger,
): Promise<SourceOutcome> {
  const t0 = Date.now();
  const { config } = loaded;
  const source = config.sources[req.name]!;
  const planned = await planSource(conn, sourceRequest(loaded, req.name, req.mode, req.range));
  // A shard reads its key range of the run and nothing else: batches, preflight and COUNT alike.
  const plan = req.shard
    ? {
        ...planned,
        filters: [...planned.filters, shardFilter(conn, planned, req.shard.plan, req.shard.index)],
      }
    : planned;
  req.onPlan?.(plan);
  // EXPLAIN only (no row read), and only for a listener: the progress line's ETA.
  if (req.onEstimate) {
    const estimate = await estimateRows(conn, plan);
    if (estimate !== undefined) req.onEstimate(Math.round(estimate));
  }
  const formats = req.formats ?? config.output.formats;
  const snapshot = snapshotCursor(plan, source.cursor_column);
  const warnings: string[] = [];
  const warn = (w: string, fields: object = {}) => {
    warnings.push(w);
    log.warn(fields, w);
  };
  const pending = await startOrResume(loaded, conn, store, plan, req, formats, log, snapshot, warn);
  const run = bounded(conn, plan, pending.high_water);
  if (await lacksIndex(conn, run)) warn(indexWarning(run, source.date_column));
  // A watermark ahead of every row (a restored database) would make each increment silently empty.
  if (plan.mode === 'incremental' && pending.rows === 0) {
    const from = req.from ? (req.from.watermark ?? undefined) : store.read(req.name).watermark;
    const ahead = await watermarkAhead(conn, plan, usablePosition(plan, from));
    if (ahead) warn(ahead);
  }

  const lookbackMs = lookbackFor(loaded, plan);
  const stage = req.stage;
  const stageDir = pending.stage?.directory;
  const hooks: CopyHooks = {
    ...req,
    companion: stage && stageDir ? (index) => stage.companion(stageDir, index) : undefined,
  };
  const specs = formats.map(writerFor);
  if (pending.split)
    await copySplit(loaded, conn, store, run, pending, pending.split, specs, snapshot, hooks);
  else await copyRows(loaded, conn, store, run, pending, specs, snapshot, lookbackMs, hooks);
  // Key order: by range, then index (a split run commits its ranges' parts interleaved).
  const parts = partsInKeyOrder(pending.parts);
  if (formats.includes('xlsx') && pending.rows > config.output.xlsx.warn_rows)
    warn(
      `${pending.rows} rows is too many for Excel to be useful (one sheet holds 1,048,575; over output.xlsx.warn_rows ${config.output.xlsx.warn_rows}): use Parquet or CSV, or a narrower --start-date/--end-date`,
    );
  await checkPartsAtEnd(pending, stageDir);
  for (const w of await reconcile(conn, run, pending, snapshot)) warn(w, { written: pending.rows });

  const manifest = await writeManifest(
    pending.directory,
    {
      run_id: pending.run_id,
      source: req.name,
      mode: pending.mode,
      range: pending.range,
      high_water: pending.high_water,
      key_columns: [...run.orderColumns],
      ...(pending.split ? { split: { column: pending.split.column, bounds: pending.split.bounds } } : {}),
      ...(req.shard
        ? { shard: { index: req.shard.index, count: req.shard.count, plan: planDigest(req.shard.plan) } }
        : {}),
      rows: pending.rows,
      started_at: pending.started_at,
      finished_at: new Date().toISOString(),
    },
    plan.columns,
    parts,
    Number.parseInt(config.output.file_mode, 8),
  );
  const next: NextState = {
    watermark: nextWatermark(pending),
    recent: pending.recent,
    ...(pending.mode === 'incremental' && plan.cursor
      ? { max_key: await highestKey(conn, run, source.primary_key) }
      : {}),
  };
  if (pending.late_behind) warn(lateWarning(pending.late_behind, req.name, config.extraction.lookback));
  await store.update(req.name, (s) => ({
    ...s,
    ...(req.deferWatermark ? {} : applyNext(s, next, { runId: pending.run_id, loaded: false })),
    pending: undefined,
    last_run: {
      run_id: pending.run_id,
      mode: pending.mode,
      status: 'succeeded',
      rows: pending.rows,
      finished_at: new Date().toISOString(),
    },
  }));
  return {
    source: req.name,
    run_id: pending.run_id,
    status: 'succeeded',
    mode: pending.mode,
    rows: pending.rows,
    files: parts.flatMap((p) => p.files.map((f) => path.join(pending.directory, f))),
    manifest,
    duration_ms: Date.now() - t0,
    note: plan.note,
    warnings: warnings.length ? warnings : undefined,
    ...(pending.recent !== undefined
      ? {
          lookback: {
            window_rows: (pending.skipped ?? 0) + (pending.caught ?? 0),
            delivered: pending.caught ?? 0,
            skipped: pending.skipped ?? 0,
          },
        }
      : {}),
    ...(pending.late_behind !== undefined ? { late_behind: pending.late_behind } : {}),
    ...(req.deferWatermark ? { next } : {}),
    ...(pending.stage
      ? {
          staged: parts.flatMap((p) =>
            p.staged ? [path.join(pending.stage!.directory, p.staged.file)] : [],
          ),
        }
      : {}),
    plan,
    increment: {
      start: pending.previous
        ? { columns: run.orderColumns.slice(0, pending.previous.length), values: pending.previous }
        : pending.start,
      rows: pending.rows - (pending.caught ?? 0),
    },
    high_water: pending.high_water,
    ...(pending.stage ? { transformCounts: stagedCounters(pending.parts) } : {}),
  };
}

/** Late rows behind the window were not delivered: say how many, and what repairs it. */
function lateWarning(n: number, source: string, lookback: string): string {
  return `${n} row${n === 1 ? ' was' : 's were'} committed behind this run's start since the last run (older than extraction.lookback ${lookback}) and ${n === 1 ? 'is' : 'are'} not in this increment: raise extraction.lookback, and run \`moh-etl run --mode refresh --sources ${source}\` to repair the processed dataset`;
}

/**
 * The rows reconciled are the rows in the files: every part must still be there, at its committed
 * size, when the manifest is about to name it. A part lost since its commit fails the run; the next
 * run re-extracts from it (start-run.ts checks sha256 as well).
 */
async function checkPartsAtEnd(pending: PendingRun, stageDir: string | undefined): Promise<void> {
  const bad = await firstBadPart(pending.directory, pending.parts, false, stageDir);
  if (bad)
    throw new ReconciliationError(
      `part ${bad.index} of run ${pending.run_id} (${bad.file}) is ${bad.problem} since it was committed: the files do not hold the ${pending.rows} rows written`,
      { hint: 'run the same extraction again: it re-extracts from that part' },
    );
}

function indexWarning(run: SourcePlan, dateColumn: string | undefined): string {
  const order = run.orderColumns.join(', ');
  return run.mode === 'range'
    ? // The planner filters on the date column and sorts by the key: normal for a slice, and
      // cheap for a narrow one; an index cannot serve both unless it leads with the key.
      `the server sorts the rows of the date range for every batch (filter on ${dateColumn ?? 'the date column'}, ORDER BY ${order}); expect a slow run for a wide range`
    : `no index supports ORDER BY ${order}: every batch sorts the table (add an index on (${order}))`;
}

/** The preflight: does the first batch query make the server sort the table? (EXPLAIN, once per run.) */
async function lacksIndex(conn: SourceConnection, plan: SourcePlan): Promise<boolean> {
  if (!conn.dialect.sortsWithoutIndex) return false;
  const q = batchQuery(conn.dialect, plan, undefined);
  return (await conn.dialect.sortsWithoutIndex(conn.knex, q.sql, q.bindings)) === true;
}

/**
 * Only an incremental run moves the watermark: to the position after the last row it delivered.
 * A full run reads everything as of its reading and a date range is a slice; neither says anything
 * about what the next increment has already seen.
 */
function nextWatermark(pending: PendingRun): Watermark | undefined {
  return pending.mode === 'incremental' ? (pending.position ?? pending.start) : undefined;
}

/** The cursor column of a full or date-range run, for reconciling against a start mark. */
function snapshotCursor(plan: SourcePlan, cursorName: string | undefined): SnapshotCursor | undefined {
  if (!cursorName || plan.mode === 'incremental') return undefined;
  const index = plan.columns.findIndex((c) => c.name === cursorName);
  const type = plan.columns[index]?.type;
  if (!type || !['timestamp', 'date', 'int32', 'int64', 'decimal'].includes(type.kind)) return undefined;
  return { name: cursorName, index, type };
}
