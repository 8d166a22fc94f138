/**
 * One source through the pipeline, under its lock from the first read to the last write:
 * extract (rows to raw parts; transformed rows staged beside them; row checks in the same pass),
 * validate the increment, then load the staged rows into the processed dataset. The watermark moves
 * only once the last phase asked for has succeeded: a run stopped by a critical check, or killed
 * before its load, is read again by the next run instead of being skipped.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ExtractionMode, OutputFormat } from '../config/schema.js';
import type { ConnectionSet } from '../db/connection.js';
import type { DateRange } from '../extract/date-range.js';
import { lockSource } from '../extract/lock.js';
import type { StateStore } from '../extract/state.js';
import type { DatasetStore } from '../load/index.js';
import type { Logger } from '../observe/logger.js';
import type { SourceReport } from '../validate/result.js';
import type { SourceOutcome } from './extract-source.js';
import { describeFailure } from './failure.js';
import { loadPhase } from './load-phase.js';
import { applyNext, loadedInFull, loadStart } from './next-state.js';
import { PhaseClock, skipped } from './phases.js';
import { releaseMemory } from './release-memory.js';
import type { ExtractPassChecks } from './row-checks.js';
import { extractWithAttempts } from './source-attempts.js';
import { SourceStage } from './stage.js';
import type { Phase, PhaseRecord, SourceResult } from './summary.js';
import { validatePhase } from './validate-phase.js';

/** What every source of a pipeline run shares. */
export interface PipelineContext {
  loaded: LoadedConfig;
  connections: ConnectionSet;
  store: StateStore;
  datasets: DatasetStore | undefined;
  phases: ReadonlySet<Phase>;
  runId: string;
  started: Date;
  mode?: ExtractionMode | 'refresh';
  range?: DateRange;
  formats?: OutputFormat[];
  fresh?: boolean;
  signal?: AbortSignal;
  rowChecks: ExtractPassChecks;
  log: Logger;
  emit: (event: SourceEvent) => void;
  /** Validation reports of the run, written together at the end. */
  reports: SourceReport[];
  /** Runs a source's extraction (with its transform) beside other extractions, never beside a load. */
  extractions: <T>(extract: () => Promise<T>) => Promise<T>;
  /** Runs a source's load (and its dataset checks) alone: no other load or extraction meanwhile. */
  loads: <T>(load: () => Promise<T>) => Promise<T>;
}

/** The events a source's phases produce; the run adds run_id and time. */
export type SourceEvent =
  | { type: 'phase-started'; source: string; phase: Phase }
  | { type: 'phase-finished'; source: string; phase: Phase; record: PhaseRecord }
  | { type: 'progress'; source: string; phase: Phase; rows: number; estimate?: number; rows_per_s: number }
  | { type: 'warning'; source: string; message: string };

export async function runSourcePipeline(outer: PipelineContext, name: string): Promise<SourceResult> {
  // Every warning of every phase (the load's schema changes, a catch-up read) is in the result too.
  const warned: string[] = [];
  const ctx: PipelineContext = {
    ...outer,
    emit: (event) => {
      if (event.type === 'warning') warned.push(event.message);
      outer.emit(event);
    },
  };
  const result = await underLock(ctx, name);
  const warnings = [...new Set([...(result.warnings ?? []), ...warned])];
  return warnings.length ? { ...result, warnings } : result;
}

async function underLock(ctx: PipelineContext, name: string): Promise<SourceResult> {
  const t0 = Date.now();
  const { loaded, store } = ctx;
  const source = loaded.config.sources[name]!;
  const log = ctx.log.child({ source: name, run_id: ctx.runId });
  const phases: Partial<Record<Phase, PhaseRecord>> = {};
  const finish = (phase: Phase, record: PhaseRecord) => {
    phases[phase] = record;
    ctx.emit({ type: 'phase-finished', source: name, phase, record });
  };
  const mode = extractionMode(ctx, name);
  let lock;
  try {
    lock = lockSource(store.directory, name, ctx.runId);
  } catch (e) {
    const failure = describeFailure(e, { connection: source.connection, source: name }, undefined);
    return {
      source: name,
      status: 'failed',
      mode,
      rows: 0,
      files: [],
      duration_ms: 0,
      error: failure.message,
      hint: failure.hint,
    };
  }
  try {
    sweepLeftovers(ctx, name, log);
    const outcome = await ctx.extractions(() => extractPhase(ctx, name, mode, finish, log));
    const result = publicResult(outcome);
    if (outcome.status !== 'succeeded') {
      for (const p of ['validate', 'transform', 'load'] as const)
        if (ctx.phases.has(p)) finish(p, skipped(`extract ${outcome.status}`));
      return { ...result, phases, duration_ms: Date.now() - t0 };
    }
    const verdict = await validatePhase(ctx, name, outcome, (p, r) => finish(p, r), log);
    if (verdict.stop) {
      // These rows are read again next time: their staged copy has no use.
      removeStaged(outcome);
      for (const p of ['transform', 'load'] as const)
        if (ctx.phases.has(p)) finish(p, skipped('a critical check failed: nothing was loaded'));
      return {
        ...result,
        status: 'failed',
        error: verdict.stop,
        hint: verdict.hint,
        phases,
        duration_ms: Date.now() - t0,
      };
    }
    if (ctx.phases.has('transform')) finish('transform', transformRecord(outcome));
    const loaded = ctx.phases.has('load')
      ? await ctx.loads(async () => {
          // Alone now (phase-gate.ts): what the extractions left behind is given back before the
          // engine's memory limit is sized from the process's resident memory.
          const memory = await releaseMemory(ctx.loaded.config.load);
          const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
          log.info(
            { rss_mb: mb(process.memoryUsage.rss()), engine_limit_mb: mb(memory.bytes) },
            memory.over ?? 'load engine sized within load.memory_budget',
          );
          return loadPhase(ctx, name, outcome, (p, r) => finish(p, r), log);
        })
      : undefined;
    const failed = loaded?.error
      ? { status: 'failed' as const, error: loaded.error, hint: loaded.hint }
      : verdict.problem
        ? { status: 'failed' as const, ...verdict.problem }
        : {};
    if (loaded && !loaded.loaded) return { ...result, ...failed, phases, duration_ms: Date.now() - t0 };
    // The rows are where the run was asked to put them: the next increment may start after them.
    const delivery = { runId: ctx.runId, loaded: Boolean(loaded?.loaded) };
    if (outcome.next) await store.update(name, (s) => applyNext(s, outcome.next!, delivery));
    else if (loaded?.loaded && outcome.mode === 'full') await store.update(name, loadedInFull);
    if (loaded && outcome.staged) removeStaged(outcome);
    return { ...result, ...failed, phases, duration_ms: Date.now() - t0 };
  } finally {
    lock.release();
  }
}

async function extractPhase(
  ctx: PipelineContext,
  name: string,
  mode: ExtractionMode,
  finish: (phase: Phase, record: PhaseRecord) => void,
  log: Logger,
): Promise<SourceOutcome & { stage?: SourceStage }> {
  const clock = new PhaseClock();
  ctx.emit({ type: 'phase-started', source: name, phase: 'extract' });
  const stage = ctx.phases.has('transform') ? new SourceStage(ctx.loaded, name) : undefined;
  const validate = ctx.phases.has('validate');
  const from = startForLoad(ctx, name, mode);
  if (from) {
    log.warn({ since: from.watermark ? 'watermark' : 'start' }, from.why);
    ctx.emit({ type: 'warning', source: name, message: from.why });
  }
  let last = 0;
  let estimate: number | undefined;
  const outcome = await extractWithAttempts(
    ctx.loaded,
    ctx.connections,
    ctx.store,
    {
      name,
      mode,
      range: ctx.range,
      formats: ctx.formats,
      fresh: ctx.fresh,
      runId: ctx.runId,
      started: ctx.started,
      signal: ctx.signal,
      lockHeld: true,
      // The watermark waits for the last phase (runSourcePipeline commits it).
      deferWatermark: ctx.phases.size > 1,
      stage: stage?.request(),
      ...(from ? { from } : {}),
      onPlan: stage ? (plan) => stage.compile(plan) : undefined,
      onEstimate: (rows) => (estimate = rows),
      observer: validate ? () => ctx.rowChecks.observer(name) : undefined,
      onProgress: (rows) => {
        const now = performance.now();
        if (now - last < PROGRESS_MS) return;
        last = now;
        const seconds = Math.max(clock.elapsedMs / 1000, 0.001);
        ctx.emit({
          type: 'progress',
          source: name,
          phase: 'extract',
          rows,
          ...(estimate !== undefined ? { estimate } : {}),
          rows_per_s: Math.round(rows / seconds),
        });
      },
    },
    log,
  );
  for (const w of outcome.warnings ?? []) ctx.emit({ type: 'warning', source: name, message: w });
  const status = outcome.status;
  finish(
    'extract',
    clock.done({
      status,
      rows_in: outcome.rows,
      rows_out: outcome.rows,
      ...(outcome.error ? { error: outcome.error } : {}),
    }),
  );
  return { ...outcome, stage };
}

/**
 * An incremental run that loads starts where the processed dataset stopped, when that is behind the
 * watermark (next-state.ts). An unfinished run resumes from its own checkpoint instead.
 */
function startForLoad(ctx: PipelineContext, name: string, mode: ExtractionMode) {
  if (mode !== 'incremental' || ctx.range || !ctx.datasets || !ctx.phases.has('load')) return undefined;
  const state = ctx.store.read(name);
  if (state.pending && !ctx.fresh) return undefined;
  // A link removed by hand with versions still archived is not a missing dataset: the load refuses
  // it with the command that restores the link (load/recover.ts), and nothing is re-read for it.
  const exists = ctx.datasets.current(name) !== undefined || ctx.datasets.versions(name).length > 0;
  return loadStart(state, exists);
}

/** Progress events at most this often per source. */
const PROGRESS_MS = 500;

function transformRecord(outcome: SourceOutcome & { stage?: SourceStage }): PhaseRecord {
  // The committed parts' own counts: the stage's running totals restart with every attempt.
  const counters = outcome.transformCounts ?? outcome.stage?.counters() ?? {};
  const { rows_in, rows_out, ...counts } = counters;
  return {
    status: 'succeeded',
    rows_in: rows_in ?? outcome.rows,
    rows_out: rows_out ?? outcome.rows,
    duration_ms: Math.round(outcome.stage?.elapsedMs ?? 0),
    ...(Object.keys(counts).length ? { counts } : {}),
    note: 'runs in the extraction pass; its duration is the time spent transforming and writing staged files',
  };
}

/** The mode of the extraction: a refresh extracts in full. */
function extractionMode(ctx: PipelineContext, name: string): ExtractionMode {
  const source = ctx.loaded.config.sources[name]!;
  const mode = ctx.mode ?? source.mode ?? ctx.loaded.config.extraction.default_mode;
  return mode === 'refresh' ? 'full' : mode;
}

/** The outcome as the run record keeps it (no plan, no state to commit, no staged paths). */
function publicResult(outcome: SourceOutcome & { stage?: SourceStage; failure?: unknown }): SourceResult {
  const {
    plan: _p,
    next: _n,
    staged: _s,
    stage: _t,
    failure: _f,
    increment: _a,
    high_water: _h,
    transformCounts: _c,
    ...result
  } = outcome;
  return result;
}

/**
 * What a killed process leaves of this source, removed under its lock: staging directories of runs
 * that will never load (a run killed after its extraction, or stopped by a critical check, is read
 * again by the next run under a new id; only an unfinished extraction's own directory is resumed),
 * and state temp files of an interrupted atomic write.
 */
function sweepLeftovers(ctx: PipelineContext, name: string, log: Logger): void {
  const state = ctx.store.read(name);
  const keep = state.pending?.stage?.directory;
  const staging = path.resolve(ctx.loaded.root, ctx.loaded.config.load.staging_directory, name);
  const removed: string[] = [];
  for (const entry of entries(staging)) {
    const dir = path.join(staging, entry);
    if (keep && path.resolve(keep) === dir) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  const prefix = `.${name}.json.`;
  for (const entry of entries(ctx.store.directory))
    if (entry.startsWith(prefix) && entry.endsWith('.tmp')) {
      rmSync(path.join(ctx.store.directory, entry), { force: true });
      removed.push(entry);
    }
  if (removed.length) log.info({ removed }, 'removed what an interrupted run left behind');
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Staged files are transient: once loaded, the processed dataset holds their rows. */
function removeStaged(outcome: SourceOutcome): void {
  const first = outcome.staged?.[0];
  if (first) rmSync(path.dirname(first), { recursive: true, force: true });
}
