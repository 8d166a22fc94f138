/**
 * The copy loop of one source's run: batches from the checkpoint's position to the end, into part
 * files; a part is committed (every format, plus its staged companion when the pipeline stages
 * transformed rows) and then checkpointed, every part_rows rows. Stopping early (a signal) commits
 * the part in progress first, so nothing read is thrown away.
 *
 * The loop is a *lane*: one keyset stream with its own position and its own part in progress. An
 * unsplit run is one lane (copyRows); a run split into key ranges runs one lane per range at once
 * (split-copy.ts), sharing the run's checkpoint, whose writes are serialised.
 */
import type { LoadedConfig } from '../config/load.js';
import type { OutputConfig } from '../config/schema.js';
import type { SourceConnection } from '../db/connection.js';
import { RunInterrupted } from '../errors.js';
import { readBatches, type PartCut, type PositionedBatch } from '../extract/batches.js';
import { LookbackFilter } from '../extract/lookback.js';
import type { SourcePlan } from '../extract/plan.js';
import { settledCounter, type SnapshotCursor } from '../extract/snapshot.js';
import {
  toStoredValues,
  type PendingRun,
  type StateStore,
  type StagedFile,
  type Watermark,
} from '../extract/state.js';
import { rowCount, type RowBatch } from '../schema/column-types.js';
import { PartSet } from '../write/part-set.js';
import type { WriterSpec } from '../write/writer.js';

/** A file written beside each part and committed with it (the staged, transformed rows). */
export interface PartCompanion {
  write(batch: RowBatch): Promise<void>;
  commit(): Promise<StagedFile>;
  abort(): Promise<void>;
}

export interface CopyHooks {
  /** Each batch as written (after the lookback filter); in keyset order within each key range. */
  onBatch?: (batch: RowBatch) => void | Promise<void>;
  /** Opens the companion of part `index`. */
  companion?: (index: number) => Promise<PartCompanion>;
  /** Checked after every batch: when aborted, the part in progress is committed and the run stops. */
  signal?: AbortSignal;
  /** Rows written so far by this run (committed parts included), after every batch. */
  onProgress?: (rows: number) => void;
}

/** What the lanes of one run share: where parts go, the checkpoint, the counters. */
export interface RunCopy {
  conn: SourceConnection;
  pending: PendingRun;
  specs: WriterSpec[];
  plan: SourcePlan;
  output: OutputConfig;
  /** A part closes at this many rows (part_rows, or the smallest format limit). */
  maxRows: number;
  /** …or once a file of it reaches this many bytes (part_bytes). */
  maxBytes: number;
  keyIndexes: number[];
  /** Counts a batch's rows at or below the start mark (full and date-range runs, snapshot.ts). */
  settled?: (batch: RowBatch) => number;
  /** Batches may stay the server's bytes (CSV alone, nothing filtered, observed or staged). */
  encoded: boolean;
  hooks: CopyHooks;
  /** Writes the state with `pending` as it is now; concurrent calls are written one after another. */
  checkpoint(): Promise<void>;
  /** The lanes stop at their next batch boundary (a signal, or another lane failed). */
  stopped(): boolean;
  /** Called after every batch written by any lane. */
  progress(): void;
}

/** One keyset stream into parts: the whole run, or one key range of a split run. */
export interface Lane {
  /** The batch plan (a key range's filter included). */
  plan: SourcePlan;
  /** Where reading starts. */
  start: Watermark | undefined;
  /** The key range of a split run, recorded on its parts. */
  range?: number;
  /** The index of the next part file. */
  nextIndex(): number;
  /** Moves the lane's stored position after `last` (driver values of the keyset columns). */
  advance(last: unknown[]): Watermark;
  /** Rows of a batch to write (the lookback filter drops rows already delivered). */
  keep?: (batch: PositionedBatch) => RowBatch;
  /** Rows in the part in progress (for progress). */
  openRows: number;
}

/** What a lane did: whether it read to its end, and the position of the last row it read. */
export interface LaneEnd {
  complete: boolean;
  last: unknown[] | undefined;
}

/** The shared part of a run's copy; `filtered`: some lane drops rows, so bytes are not enough. */
export function runCopy(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  plan: SourcePlan,
  pending: PendingRun,
  specs: WriterSpec[],
  snapshot: SnapshotCursor | undefined,
  hooks: CopyHooks,
  filtered: boolean,
): Omit<RunCopy, 'stopped' | 'progress'> {
  const { output } = loaded.config;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    conn,
    pending,
    specs,
    plan,
    output,
    maxRows: Math.min(output.part_rows, ...specs.map((s) => s.capabilities.maxRowsPerPart)),
    maxBytes: output.part_bytes ?? Number.POSITIVE_INFINITY,
    keyIndexes: plan.orderColumns.map((c) => plan.columns.findIndex((col) => col.name === c)),
    settled:
      snapshot && pending.snapshot_mark !== undefined && pending.settled_rows !== undefined
        ? settledCounter(snapshot, pending.snapshot_mark)
        : undefined,
    encoded:
      specs.every((s) => s.capabilities.encodedRows) && !filtered && !hooks.onBatch && !hooks.companion,
    hooks,
    // Each write serialises `pending` as it is when the write starts, so a part pushed by one lane
    // while another lane's write is in flight is in the next write, which its lane awaits.
    checkpoint: () => {
      const write = queue.then(async () => {
        await store.update(plan.name, (s) => ({ ...s, pending }));
      });
      queue = write.catch(() => undefined);
      return write;
    },
  };
}

export async function copyRows(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  plan: SourcePlan,
  pending: PendingRun,
  specs: WriterSpec[],
  snapshot: SnapshotCursor | undefined,
  lookbackMs: number,
  hooks: CopyHooks = {},
): Promise<void> {
  pending.attempts += 1;
  const keyIndexes = plan.orderColumns.map((c) => plan.columns.findIndex((col) => col.name === c));
  const lookback = pending.recent
    ? new LookbackFilter(pending.previous, pending.recent, keyIndexes, plan.orderTypes, lookbackMs)
    : undefined;
  const counted = { skipped: 0, caught: 0 };
  const lane: Lane = {
    plan,
    start: pending.position,
    openRows: 0,
    nextIndex: () => pending.parts.length,
    // The position after the rows read so far, and the lookback counters and window with it.
    advance: (last) => {
      const position = { columns: [...plan.orderColumns], values: toStoredValues(last) };
      pending.position = position;
      if (lookback) {
        pending.skipped = (pending.skipped ?? 0) + lookback.skipped - counted.skipped;
        pending.caught = (pending.caught ?? 0) + lookback.caught - counted.caught;
        counted.skipped = lookback.skipped;
        counted.caught = lookback.caught;
        pending.recent = lookback.window(position.values[0]);
      }
      return position;
    },
    // A filtered batch is a new one without the server's bytes (they describe every row).
    keep:
      lookback && ((batch) => ({ columns: batch.columns, rows: batch.rows.filter((r) => lookback.keep(r)) })),
  };
  const run: RunCopy = {
    ...runCopy(loaded, conn, store, plan, pending, specs, snapshot, hooks, lookback !== undefined),
    stopped: () => hooks.signal?.aborted === true,
    progress: () => hooks.onProgress?.(pending.rows + lane.openRows),
  };
  const end = await copyLane(run, lane);
  // Rows skipped after the last part (already delivered) still move the position forward.
  if (end.last && lookback) lane.advance(end.last);
  if (hooks.signal?.aborted) await interrupted(run, hooks.signal);
}

/** Checkpoint what the stopped run has, and say so. */
export async function interrupted(run: RunCopy, signal: AbortSignal): Promise<never> {
  await run.checkpoint();
  throw new RunInterrupted(
    `source "${run.plan.name}" stopped after ${run.pending.rows} rows (${run.pending.parts.length} parts committed)`,
    typeof signal.reason === 'string' ? signal.reason : undefined,
  );
}

/** Read one lane to its end (or until the run stops), committing and checkpointing each part. */
export async function copyLane(run: RunCopy, lane: Lane): Promise<LaneEnd> {
  const { pending, hooks, settled } = run;
  let part: PartSet | undefined;
  let companion: PartCompanion | undefined;
  let index = 0;
  let last: unknown[] | undefined;
  let settledInPart = 0;

  const commit = async () => {
    const p = part!;
    const c = companion;
    part = undefined;
    companion = undefined;
    let staged: StagedFile | undefined;
    let record: Awaited<ReturnType<PartSet['commit']>>;
    try {
      staged = c ? await c.commit() : undefined;
      record = await p.commit();
    } catch (e) {
      // Nothing of a part that failed to commit may stay behind (a full disk stays full otherwise).
      await p.abort();
      await c?.abort();
      throw e;
    }
    const position = lane.advance(last!);
    pending.parts.push({
      ...record,
      end_position: position.values,
      ...(settled ? { settled: settledInPart } : {}),
      ...(staged ? { staged } : {}),
      ...(lane.range !== undefined ? { range: lane.range, index } : {}),
    });
    pending.rows += record.rows;
    if (settled) pending.settled_rows = (pending.settled_rows ?? 0) + settledInPart;
    settledInPart = 0;
    lane.openRows = 0;
    await run.checkpoint();
  };

  let complete = true;
  try {
    const cut: PartCut = { partRows: run.maxRows, sinceCut: 0 };
    for await (const batch of readBatches(run.conn, lane.plan, lane.start, { encoded: run.encoded, cut })) {
      last = batch.position;
      const written: RowBatch = lane.keep ? lane.keep(batch) : batch;
      if (rowCount(written) > 0) {
        if (!part) {
          index = lane.nextIndex();
          part = (
            await PartSet.open(pending.directory, index, run.specs, run.plan.columns, run.output)
          ).trackKeys(run.keyIndexes);
        }
        if (hooks.companion) companion ??= await hooks.companion(index);
        await part.write(written);
        await hooks.onBatch?.(written);
        await companion?.write(written);
        if (settled) settledInPart += settled(written);
        lane.openRows = part.rows;
        run.progress();
        if (batch.endsPart || part.rows >= run.maxRows) await commit();
        else if (part.bytes >= run.maxBytes) {
          cut.sinceCut = 0;
          await commit();
        }
      } else if (batch.endsPart && part) await commit();
      if (run.stopped()) {
        complete = false;
        break;
      }
    }
    if (part) await commit();
    return { complete, last };
  } finally {
    await part?.abort();
    await companion?.abort();
  }
}
