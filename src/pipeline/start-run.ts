/**
 * How a source's run begins: the unfinished run it resumes (its committed parts checked against
 * their checkpoints first), or a new run with its high-water mark frozen now and its start taken
 * from the watermark, `lookback` behind it.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { OutputFormat } from '../config/schema.js';
import type { SourceConnection } from '../db/connection.js';
import { SourceError, StateError } from '../errors.js';
import { todayIn } from '../extract/date-range.js';
import { highWaterMark } from '../extract/high-water.js';
import { cursorText, minusDuration } from '../extract/lookback.js';
import { rowsBehindStart } from '../extract/late-rows.js';
import { bounded, usablePosition, type SourcePlan } from '../extract/plan.js';
import type { SnapshotCursor } from '../extract/snapshot.js';
import { planSplit, splitSettings } from '../extract/split-plan.js';
import type {
  CommittedPartRecord,
  PendingRun,
  SourceState,
  StateStore,
  StoredValue,
  Watermark,
} from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import { foreignRunDirectory, removeUncommitted, runDirectory } from '../write/layout.js';
import { firstBadPart } from '../write/verify-parts.js';
import type { SourceRunRequest } from './extract-source.js';
import { rewindBadRanges } from './split-resume.js';

export async function startOrResume(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  plan: SourcePlan,
  req: SourceRunRequest,
  formats: OutputFormat[],
  log: Logger,
  snapshot: SnapshotCursor | undefined,
  /** Says what the user should know about the run's start (a split not made as configured). */
  warn: (message: string) => void = (m) => log.warn(m),
): Promise<PendingRun> {
  const state = store.read(req.name);
  let pending = state.pending;
  if (pending) refuseForeignDirectory(loaded, store, req.name, pending);
  if (pending && req.fresh) {
    rmSync(pending.directory, { recursive: true, force: true });
    log.info({ run_id: pending.run_id }, 'discarded the unfinished run (--fresh)');
    pending = undefined;
  }
  if (pending) {
    if (
      pending.mode !== plan.mode ||
      JSON.stringify(pending.range) !== JSON.stringify(req.range) ||
      pending.formats.join() !== formats.join() ||
      pending.stage?.fingerprint !== req.stage?.fingerprint
    ) {
      throw new SourceError(
        `source "${req.name}" has an unfinished ${describe(pending)} run ${pending.run_id} (${pending.rows} rows committed)`,
        { hint: 'run the same extraction again to resume it, or pass --fresh to discard it' },
      );
    }
    if (pending.split) await rewindBadRanges(pending, pending.split, plan, log);
    else await checkCommittedParts(pending, state, plan, log);
    const removed = removeUncommitted(pending.directory, pending.parts);
    if (pending.stage) removeUncommitted(pending.stage.directory, pending.parts.flatMap(stagedRecord));
    log.info(
      { run_id: pending.run_id, rows: pending.rows, parts: pending.parts.length, removed },
      'resuming the unfinished run',
    );
    await store.update(req.name, (s) => ({ ...s, pending }));
    return pending;
  }
  const fresh = await newRun(loaded, conn, plan, req, formats, state, snapshot, log, warn);
  await store.update(req.name, (s) => ({ ...s, pending: fresh }));
  return fresh;
}

/** Resume deletes files in the run directory: it must be where this source's runs are written. */
function refuseForeignDirectory(
  loaded: LoadedConfig,
  store: StateStore,
  name: string,
  pending: PendingRun,
): void {
  const outputDir = path.resolve(loaded.root, loaded.config.output.directory);
  const foreign = foreignRunDirectory(pending.directory, outputDir, name, pending.run_id);
  if (foreign)
    throw new StateError(
      `state file ${store.file(name)}: the unfinished run's directory ${pending.directory} is refused: ${foreign}`,
      { hint: `restore the state file, or run \`moh-etl state reset ${name}\` (no data file is deleted)` },
    );
}

/**
 * Every committed part of the run being resumed must still be whole (exists, same size and sha256
 * as at its commit): another process wrote them, and they may have been deleted or replaced since.
 * From the first bad part on, parts are dropped and re-extracted: from the position after the last
 * good part, or from the run's start when that position is not known (an older state file, or a
 * lookback run, whose window digests cannot be rewound to a part).
 */
async function checkCommittedParts(
  pending: PendingRun,
  state: SourceState,
  plan: SourcePlan,
  log: Logger,
): Promise<void> {
  const bad = await firstBadPart(pending.directory, pending.parts, true, pending.stage?.directory);
  if (!bad) return;
  const keep = pending.parts.slice(0, bad.index);
  const resumeAt = keep[keep.length - 1]?.end_position;
  const rewindable = keep.length > 0 && resumeAt !== undefined && pending.recent === undefined;
  pending.parts = rewindable ? keep : [];
  pending.rows = pending.parts.reduce((n, p) => n + p.rows, 0);
  pending.position = rewindable ? { columns: [...plan.orderColumns], values: resumeAt } : pending.start;
  if (pending.settled_rows !== undefined)
    pending.settled_rows = pending.parts.reduce((n, p) => n + (p.settled ?? 0), 0);
  if (pending.recent !== undefined) {
    pending.recent = state.recent ?? [];
    pending.skipped = 0;
  }
  log.warn(
    { run_id: pending.run_id, part: bad.index, file: bad.file, problem: bad.problem },
    `committed part ${bad.index} of unfinished run ${pending.run_id} is ${bad.problem === 'missing' ? 'missing' : 'changed'}: re-extracting from ${rewindable ? `part ${bad.index}` : 'the start of the run'}`,
  );
}

async function newRun(
  loaded: LoadedConfig,
  conn: SourceConnection,
  plan: SourcePlan,
  req: SourceRunRequest,
  formats: OutputFormat[],
  state: SourceState,
  snapshot: SnapshotCursor | undefined,
  log: Logger,
  warn: (message: string) => void,
): Promise<PendingRun> {
  const { extraction, output } = loaded.config;
  const source = loaded.config.sources[req.name]!;
  const settleLag = parseDuration(extraction.settle_lag) ?? 0;
  const timeZone = source.timezone ?? extraction.timezone;
  // Only an incremental run is bounded by a high-water mark: it is what makes its watermark safe.
  const highWater =
    plan.cursor && plan.mode === 'incremental'
      ? await highWaterMark(conn, plan.template, plan.cursor.name, plan.cursor.type, settleLag, timeZone)
      : undefined;
  // Full and date-range runs are not bounded, but freeze a mark to reconcile against (snapshot.ts).
  const snapshotMark =
    snapshot && plan.mode !== 'incremental'
      ? await highWaterMark(conn, plan.template, snapshot.name, snapshot.type, settleLag, timeZone)
      : undefined;
  // A run that loads rows the dataset missed starts where it stopped (next-state.ts), and skips
  // nothing as already delivered: delivered to the raw files is not delivered to the dataset.
  const base = req.from ? (req.from.watermark ?? undefined) : state.watermark;
  const recent = req.from ? [] : (state.recent ?? []);
  const watermark = plan.mode === 'incremental' ? usablePosition(plan, base) : undefined;
  const lookbackMs = lookbackFor(loaded, plan);
  const start = watermark && lookbackMs > 0 ? behindWatermark(conn, plan, watermark, lookbackMs) : watermark;
  const lateBehind =
    start && state.max_key && sameColumns(state.max_key.columns, source.primary_key)
      ? await rowsBehindStart(
          conn,
          bounded(conn, plan, highWater),
          start,
          state.max_key,
          plan.orderTypes.slice(1),
        )
      : undefined;
  // Boundaries are fixed here, once, and stored with the run: a resume reads the same ranges.
  const split = await planSplit(conn, plan, splitSettings(loaded, req.name), start);
  for (const w of split.warnings) warn(w);
  for (const n of split.notes) log.info({ source: req.name }, n);
  const directory =
    req.shard?.directory ??
    runDirectory(
      path.resolve(loaded.root, output.directory),
      req.name,
      todayIn(extraction.timezone, req.started),
      req.runId,
    );
  return {
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
    ...(lateBehind !== undefined ? { late_behind: lateBehind } : {}),
    ...(req.stage
      ? { stage: { directory: path.join(req.stage.root, req.runId), fingerprint: req.stage.fingerprint } }
      : {}),
    ...(lookbackMs > 0
      ? {
          previous: start === watermark ? undefined : watermark?.values,
          skipped: 0,
          recent,
        }
      : {}),
    ...(split.split ? { split: split.split } : {}),
  };
}

/**
 * The lookback window of an incremental run, in ms: it needs a date or timestamp cursor (a window
 * of "the last hour" means nothing on a sequence number), so other cursors get none.
 */
export function lookbackFor(loaded: LoadedConfig, plan: SourcePlan): number {
  const kind = plan.cursor?.type.kind;
  if (plan.mode !== 'incremental' || (kind !== 'timestamp' && kind !== 'date')) return 0;
  return parseDuration(loaded.config.extraction.lookback) ?? 0;
}

/** The cursor-only position `lookback` before the watermark's cursor value. */
function behindWatermark(
  conn: SourceConnection,
  plan: SourcePlan,
  watermark: Watermark,
  ms: number,
): Watermark {
  const type = plan.orderTypes[0]!;
  const text = minusDuration(cursorText(watermark.values[0], type), type, ms);
  return {
    columns: [plan.orderColumns[0]!],
    values: [conn.dialect.formatBinding(text, type) as StoredValue],
  };
}

/** A part's staged file as removeUncommitted expects a committed part (its one file). */
const stagedRecord = (p: CommittedPartRecord): CommittedPartRecord[] =>
  p.staged
    ? [{ files: [p.staged.file], rows: p.rows, bytes: [p.staged.bytes], sha256: [p.staged.sha256] }]
    : [];

const sameColumns = (a: readonly string[], b: readonly string[]) => a.join('\0') === b.join('\0');

function describe(p: PendingRun): string {
  return p.range ? `${p.range.start}..${p.range.end} date-range` : p.mode;
}
