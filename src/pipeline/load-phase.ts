/**
 * The load phase of one source: the run's staged (transformed) rows into the processed dataset. An
 * incremental or date-range run merges (the latest cursor wins per key); a full run — the weekly
 * refresh — replaces the dataset, which is also how hard deletes leave it. The previous version is
 * archived by the store (src/load/). Then the dataset-scope checks run over the new version.
 */
import type { LoadResult } from '../load/index.js';
import type { Logger } from '../observe/logger.js';
import type { SourceReport } from '../validate/result.js';
import { writtenRows } from '../validate/changed-scan.js';
import { impactOf } from '../validate/threshold.js';
import type { SourceOutcome } from './extract-source.js';
import { describeFailure } from './failure.js';
import { PhaseClock } from './phases.js';
import type { PipelineContext } from './source-pipeline.js';
import type { SourceStage } from './stage.js';
import type { Phase, PhaseRecord } from './summary.js';
import { failedCheck, validateLoadedDataset } from './validate-phase.js';

export interface LoadOutcome {
  /** The rows are in the processed dataset (the watermark may move). */
  loaded: boolean;
  /** The load failed, or a dataset check failed after it: the source's error and hint. */
  error?: string;
  hint?: string;
}

export async function loadPhase(
  ctx: PipelineContext,
  name: string,
  outcome: SourceOutcome & { stage?: SourceStage },
  finish: (phase: Phase, record: PhaseRecord) => void,
  log: Logger,
): Promise<LoadOutcome> {
  const clock = new PhaseClock();
  ctx.emit({ type: 'phase-started', source: name, phase: 'load' });
  const source = ctx.loaded.config.sources[name]!;
  const kind = outcome.mode === 'full' ? 'replace' : 'merge';
  const files = outcome.staged ?? [];
  let result: LoadResult | undefined;
  try {
    if (kind === 'replace' || files.length > 0) {
      result = await ctx.datasets!.load(kind, {
        source: name,
        runs: [{ run_id: outcome.run_id!, files }],
        columns: outcome.stage!.columns,
        key_columns: source.primary_key,
        ...(source.cursor_column ? { cursor_column: source.cursor_column } : {}),
        high_water: outcome.high_water ?? null,
      });
      for (const w of result.warnings) ctx.emit({ type: 'warning', source: name, message: w });
      log.info({ version: result.version, rows: result.rows_after, kind }, 'dataset loaded');
    }
  } catch (e) {
    const failure = describeFailure(e, { connection: source.connection, source: name }, undefined);
    log.error({ err: e }, 'load failed');
    const rowsIn = files.length ? outcome.rows : 0;
    finish('load', clock.done({ status: 'failed', rows_in: rowsIn, rows_out: 0, error: failure.message }));
    return { loaded: false, error: failure.message, hint: failure.hint };
  }
  // A merge into an existing dataset is checked where it can have broken something (changed-scan.ts).
  const merged =
    kind === 'merge' && (result ? result.rows_before > 0 : ctx.datasets!.current(name) !== undefined);
  const changed = merged ? writtenRows(files) : undefined;
  const report = await validateLoadedDataset(ctx, name, log, changed);
  const problem = datasetProblem(report, name);
  finish('load', clock.done({ ...loadRecord(ctx, name, result), ...datasetVerdict(report, problem) }));
  return { loaded: true, ...problem };
}

function loadRecord(ctx: PipelineContext, name: string, r: LoadResult | undefined): PhaseRecord {
  if (!r) {
    const rows = ctx.datasets?.current(name)?.rows ?? 0;
    return { status: 'succeeded', rows_in: 0, rows_out: rows, duration_ms: 0, note: 'nothing new to merge' };
  }
  return {
    status: 'succeeded',
    rows_in: r.rows_in,
    rows_out: r.rows_after,
    duration_ms: 0,
    version: r.version,
    counts: {
      rows_before: r.rows_before,
      inserted: r.inserted,
      updated: r.updated,
      deleted: r.deleted,
      soft_deleted: r.soft_deleted,
      duplicates: r.duplicates,
      stale: r.stale,
      files_written: r.files_written,
    },
  };
}

/** The dataset checks in the load's record: their verdict and the checks that did not pass. */
function datasetVerdict(
  report: SourceReport | undefined,
  problem: Omit<LoadOutcome, 'loaded'>,
): Partial<PhaseRecord> {
  if (!report) return {};
  return {
    verdict: report.verdict,
    checks: report.checks.filter((c) => c.status !== 'pass' && c.status !== 'skipped').map(failedCheck),
    ...(problem.error ? { status: 'failed' as const, error: problem.error } : {}),
  };
}

/**
 * A dataset check that failed at error or critical severity fails the source (exit 1, or 3 when
 * critical). The version is current already: the failure is reported and alerted, not undone.
 */
function datasetProblem(report: SourceReport | undefined, name: string): Omit<LoadOutcome, 'loaded'> {
  if (!report || (report.verdict !== 'error' && report.verdict !== 'critical' && !report.error)) return {};
  const first = report.checks.find((c) => impactOf(c) === 'error' || impactOf(c) === 'critical');
  return {
    error: first
      ? `${impactOf(first)} check ${first.id} failed on the processed dataset of "${name}": ${first.message}`
      : `the dataset checks of "${name}" could not run: ${report.error ?? 'unknown error'}`,
    hint: 'the new version is current; see the validation report',
  };
}
