/**
 * One source, exactly once. Rows go to part files; after each part is committed (fsynced and
 * renamed) the checkpoint — committed parts and the position after them — is written atomically.
 * A crash at any moment leaves a checkpoint that names only whole parts; the next run removes
 * anything else from the run directory and reads on from the checkpoint's position (a retry after a
 * transient error, see extract-step.ts, resumes the same way). At the end, a COUNT over the
 * extracted range must agree with the rows written, then the manifest is written, then the
 * watermark moves.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import type { ExtractionMode, OutputFormat } from '../config/schema.js';
import type { SourceConnection } from '../db/connection.js';
import { SourceError } from '../errors.js';
import { readBatches } from '../extract/batches.js';
import { todayIn, type DateRange } from '../extract/date-range.js';
import { highWaterMark } from '../extract/high-water.js';
import { batchQuery } from '../extract/keyset.js';
import { settledCounter, type SnapshotCursor } from '../extract/snapshot.js';
import { bounded, planSource, usablePosition, type SourcePlan } from '../extract/plan.js';
import {
  toStoredValues,
  type PendingRun,
  type StateStore,
  type StoredValue,
  type Watermark,
} from '../extract/state.js';
import { cursorText, LookbackFilter, minusDuration } from '../extract/lookback.js';
import type { Logger } from '../observe/logger.js';
import { rowCount, type RowBatch } from '../schema/column-types.js';
import { removeUncommitted, runDirectory, writeManifest } from '../write/layout.js';
import { PartSet } from '../write/part-set.js';
import { writerFor } from '../write/registry.js';
import { reconcile } from './reconcile.js';
import type { SourceResult } from './summary.js';

export interface SourceRunRequest {
  name: string;
  mode: ExtractionMode;
  range?: DateRange;
  formats?: OutputFormat[];
  /** Discard an unfinished run of this source instead of resuming it. */
  fresh?: boolean;
  runId: string;
  started: Date;
  /**
   * Called with each batch of rows as written to the current part (after the lookback filter), in
   * keyset order: `run` checks rows here in the same pass (pipeline/row-checks.ts). Rows of a part
   * that is not committed are seen again when an attempt resumes from the checkpoint.
   */
  onBatch?: (batch: RowBatch) => void | Promise<void>;
}

export async function extractSource(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  req: SourceRunRequest,
  log: Logger,
): Promise<SourceResult> {
  const t0 = Date.now();
  const { config } = loaded;
  const source = config.sources[req.name]!;
  const plan = await planSource(conn, {
    name: req.name,
    source,
    template: loaded.queries[source.query ?? req.name]!,
    mode: req.mode,
    range: req.range,
    timeZone: config.extraction.timezone,
    batchSize: config.extraction.batch_size,
  });
  const formats = req.formats ?? config.output.formats;
  const snapshot = snapshotCursor(plan, source.cursor_column);
  const pending = await startOrResume(loaded, conn, store, plan, req, formats, log, snapshot);
  const run = bounded(conn, plan, pending.high_water);
  const warnings: string[] = [];
  if (await lacksIndex(conn, run)) {
    const order = run.orderColumns.join(', ');
    warnings.push(
      run.mode === 'range'
        ? // The planner filters on the date column and sorts by the key: normal for a slice, and
          // cheap for a narrow one; an index cannot serve both unless it leads with the key.
          `the server sorts the rows of the date range for every batch (filter on ${source.date_column ?? 'the date column'}, ORDER BY ${order}); expect a slow run for a wide range`
        : `no index supports ORDER BY ${order}: every batch sorts the table (add an index on (${order}))`,
    );
    log.warn(warnings[0]);
  }

  await copyRows(loaded, conn, store, run, pending, formats, snapshot, req.onBatch);
  if (formats.includes('xlsx') && pending.rows > config.output.xlsx.warn_rows) {
    warnings.push(
      `${pending.rows} rows is too many for Excel to be useful (one sheet holds 1,048,575; over output.xlsx.warn_rows ${config.output.xlsx.warn_rows}): use Parquet or CSV, or a narrower --start-date/--end-date`,
    );
    log.warn(warnings[warnings.length - 1]);
  }

  for (const w of await reconcile(conn, run, pending, snapshot)) {
    warnings.push(w);
    log.warn({ written: pending.rows }, w);
  }
  const manifest = await writeManifest(
    pending.directory,
    {
      run_id: pending.run_id,
      source: req.name,
      mode: pending.mode,
      range: pending.range,
      high_water: pending.high_water,
      key_columns: [...run.orderColumns],
      rows: pending.rows,
      started_at: pending.started_at,
      finished_at: new Date().toISOString(),
    },
    plan.columns,
    pending.parts,
    Number.parseInt(config.output.file_mode, 8),
  );
  await store.update(req.name, (s) => ({
    ...s,
    watermark: nextWatermark(pending) ?? s.watermark,
    recent: pending.recent ?? s.recent,
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
    files: pending.parts.flatMap((p) => p.files.map((f) => path.join(pending.directory, f))),
    manifest,
    duration_ms: Date.now() - t0,
    note: plan.note,
    warnings: warnings.length ? warnings : undefined,
  };
}

/** The unfinished run to resume, or a new one with its high-water mark frozen now. */
async function startOrResume(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  plan: SourcePlan,
  req: SourceRunRequest,
  formats: OutputFormat[],
  log: Logger,
  snapshot: SnapshotCursor | undefined,
): Promise<PendingRun> {
  const state = store.read(req.name);
  let pending = state.pending;
  if (pending && req.fresh) {
    rmSync(pending.directory, { recursive: true, force: true });
    log.info({ run_id: pending.run_id }, 'discarded the unfinished run (--fresh)');
    pending = undefined;
  }
  if (pending) {
    if (
      pending.mode !== plan.mode ||
      JSON.stringify(pending.range) !== JSON.stringify(req.range) ||
      pending.formats.join() !== formats.join()
    ) {
      throw new SourceError(
        `source "${req.name}" has an unfinished ${describe(pending)} run ${pending.run_id} (${pending.rows} rows committed)`,
        { hint: 'run the same extraction again to resume it, or pass --fresh to discard it' },
      );
    }
    const removed = removeUncommitted(pending.directory, pending.parts);
    log.info(
      { run_id: pending.run_id, rows: pending.rows, parts: pending.parts.length, removed },
      'resuming the unfinished run',
    );
    return pending;
  }

  const { extraction, output } = loaded.config;
  const source = loaded.config.sources[req.name]!;
  // Only an incremental run is bounded by a high-water mark: it is what makes its watermark safe.
  const highWater =
    plan.cursor && plan.mode === 'incremental'
      ? await highWaterMark(
          conn,
          plan.template,
          plan.cursor.name,
          plan.cursor.type,
          parseDuration(extraction.settle_lag) ?? 0,
          source.timezone ?? extraction.timezone,
        )
      : undefined;
  // Full and date-range runs are not bounded, but freeze a mark to reconcile against (snapshot.ts).
  const snapshotMark =
    snapshot && plan.mode !== 'incremental'
      ? await highWaterMark(
          conn,
          plan.template,
          snapshot.name,
          snapshot.type,
          parseDuration(extraction.settle_lag) ?? 0,
          source.timezone ?? extraction.timezone,
        )
      : undefined;
  const watermark = plan.mode === 'incremental' ? usablePosition(plan, state.watermark) : undefined;
  const lookbackMs = parseDuration(extraction.lookback) ?? 0;
  const start =
    watermark && lookbackMs > 0 && plan.cursor
      ? behindWatermark(conn, plan, watermark, lookbackMs)
      : watermark;
  const directory = runDirectory(
    path.resolve(loaded.root, output.directory),
    req.name,
    todayIn(extraction.timezone, req.started),
    req.runId,
  );
  const fresh: PendingRun = {
    run_id: req.runId,
    mode: plan.mode,
    range: req.range,
    formats,
    directory,
    started_at: req.started.toISOString(),
    high_water: highWater,
    ...(snapshotMark !== undefined && snapshotMark !== null
      ? { snapshot_mark: snapshotMark, settled_rows: 0 }
      : {}),
    start,
    position: start,
    rows: 0,
    parts: [],
    attempts: 0,
    ...(lookbackMs > 0 && plan.mode === 'incremental' && plan.cursor
      ? {
          previous: start === watermark ? undefined : watermark?.values,
          skipped: 0,
          recent: state.recent ?? [],
        }
      : {}),
  };
  await store.update(req.name, (s) => ({ ...s, pending: fresh }));
  return fresh;
}

/** Read from the checkpoint's position to the end, committing a part and a checkpoint every part_rows rows. */
async function copyRows(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  plan: SourcePlan,
  pending: PendingRun,
  formats: OutputFormat[],
  snapshot: SnapshotCursor | undefined,
  onBatch?: SourceRunRequest['onBatch'],
): Promise<void> {
  const { output } = loaded.config;
  const specs = formats.map(writerFor);
  // A part closes at part_rows, at the smallest format limit (an Excel sheet), or at part_bytes.
  const maxRows = Math.min(output.part_rows, ...specs.map((s) => s.capabilities.maxRowsPerPart));
  const maxBytes = output.part_bytes ?? Number.POSITIVE_INFINITY;
  const keyIndexes = plan.orderColumns.map((c) => plan.columns.findIndex((col) => col.name === c));
  pending.attempts += 1;
  let part: PartSet | undefined;
  let last: unknown[] | undefined;
  const lookback = lookbackFilter(loaded, plan, pending);
  let skipped = 0;
  const settled =
    snapshot && pending.snapshot_mark !== undefined && pending.settled_rows !== undefined
      ? settledCounter(snapshot, pending.snapshot_mark)
      : undefined;
  let settledInPart = 0;
  const commit = async (p: PartSet) => {
    const record = await p.commit();
    pending.parts.push(record);
    pending.rows += record.rows;
    if (settled) pending.settled_rows = (pending.settled_rows ?? 0) + settledInPart;
    settledInPart = 0;
    pending.position = { columns: [...plan.orderColumns], values: toStoredValues(last!) };
    if (lookback) {
      pending.skipped = (pending.skipped ?? 0) + lookback.skipped - skipped;
      skipped = lookback.skipped;
      pending.recent = lookback.window(pending.position.values[0]);
    }
    await store.update(plan.name, (s) => ({ ...s, pending }));
  };
  try {
    // Bytes are enough when every consumer of the batches can use them (CSV alone, nothing filtered
    // or observed); anything else gets rows converted as they arrive.
    const encoded = specs.every((s) => s.capabilities.encodedRows) && !lookback && !onBatch;
    for await (const batch of readBatches(conn, plan, pending.position, { encoded })) {
      last = batch.position;
      // A filtered batch is a new one without the server's bytes (they describe every row).
      const written: RowBatch = lookback
        ? { columns: batch.columns, rows: batch.rows.filter((r) => lookback.keep(r)) }
        : batch;
      if (rowCount(written) === 0) continue;
      part ??= (
        await PartSet.open(pending.directory, pending.parts.length, specs, plan.columns, output)
      ).trackKeys(keyIndexes);
      await part.write(written);
      await onBatch?.(written);
      if (settled) settledInPart += settled(written);
      if (part.rows >= maxRows || part.bytes >= maxBytes) {
        const full = part;
        part = undefined;
        await commit(full);
      }
    }
    if (part) {
      const final = part;
      part = undefined;
      await commit(final);
    }
    // Rows skipped after the last part (already delivered) still move the position forward.
    if (last && lookback) {
      pending.position = { columns: [...plan.orderColumns], values: toStoredValues(last) };
      pending.skipped = (pending.skipped ?? 0) + lookback.skipped - skipped;
      pending.recent = lookback.window(pending.position.values[0]);
    }
  } finally {
    await part?.abort();
  }
}

function lookbackFilter(
  loaded: LoadedConfig,
  plan: SourcePlan,
  pending: PendingRun,
): LookbackFilter | undefined {
  if (!pending.recent) return undefined;
  const indexes = plan.orderColumns.map((c) => plan.columns.findIndex((col) => col.name === c));
  const windowMs = parseDuration(loaded.config.extraction.lookback) ?? 0;
  return new LookbackFilter(pending.previous, pending.recent, indexes, plan.orderTypes, windowMs);
}

/** The cursor-only position `lookback` before the watermark's cursor value. */
function behindWatermark(
  conn: SourceConnection,
  plan: SourcePlan,
  watermark: Watermark,
  ms: number,
): Watermark {
  const type = plan.orderTypes[0]!;
  if (type.kind !== 'timestamp' && type.kind !== 'date') {
    throw new SourceError(
      `source "${plan.name}": extraction.lookback needs a date or timestamp cursor_column`,
    );
  }
  const text = minusDuration(cursorText(watermark.values[0], type), type, ms);
  return {
    columns: [plan.orderColumns[0]!],
    values: [conn.dialect.formatBinding(text, type) as StoredValue],
  };
}

/**
 * The rows written must equal a COUNT over exactly the extracted range. Fewer written than counted
 * means rows were missed (committed behind the position, beyond the settle lag): the run fails.
 * More written than counted means rows were updated (or deleted) during the run and left the range;
 * an updated row is delivered again, in its new version, by the next increment. Returns that surplus.
 */
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

function describe(p: PendingRun): string {
  return p.range ? `${p.range.start}..${p.range.end} date-range` : p.mode;
}

/** The cursor column of a full or date-range run, for reconciling against a start mark. */
function snapshotCursor(plan: SourcePlan, cursorName: string | undefined): SnapshotCursor | undefined {
  if (!cursorName || plan.mode === 'incremental') return undefined;
  const index = plan.columns.findIndex((c) => c.name === cursorName);
  const type = plan.columns[index]?.type;
  if (!type || !['timestamp', 'date', 'int32', 'int64', 'decimal'].includes(type.kind)) return undefined;
  return { name: cursorName, index, type };
}
