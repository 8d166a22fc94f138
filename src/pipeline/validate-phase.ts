/**
 * The validate phase of one source: its increment-scope checks over exactly the rows the extraction
 * wrote (the row checks already ran on the batches as they were written). A failed critical check
 * stops the source before anything is loaded (with validation.stop_on_critical, the default).
 */
import type { Logger } from '../observe/logger.js';
import type { CheckResult, SourceReport } from '../validate/result.js';
import type { CheckScope } from '../validate/scope.js';
import { checksAt } from '../validate/compile.js';
import { datasetGlob } from '../load/index.js';
import { validateDataset } from '../validate/dataset.js';
import { validateSource } from '../validate/source.js';
import { impactOf } from '../validate/threshold.js';
import type { SourceOutcome } from './extract-source.js';
import { PhaseClock, skipped } from './phases.js';
import type { PipelineContext } from './source-pipeline.js';
import type { FailedCheck, Phase, PhaseRecord } from './summary.js';
import { failedReport } from './validate-step.js';

export interface Verdict {
  /** Why the source stops here (a critical check failed), or undefined to go on. */
  stop?: string;
  hint?: string;
  /**
   * An error-severity check failed (or the checks could not run): the source goes on — its rows are
   * loaded and its watermark moves — but it ends failed with this error (exit 1, alerted), as a
   * failed dataset check does.
   */
  problem?: { error: string; hint: string };
}

export async function validatePhase(
  ctx: PipelineContext,
  name: string,
  outcome: SourceOutcome,
  finish: (phase: Phase, record: PhaseRecord) => void,
  log: Logger,
): Promise<Verdict> {
  if (!ctx.phases.has('validate')) return {};
  const settings = ctx.loaded.config.validation;
  if (checksAt(settings, name, 'increment').length === 0) {
    finish('validate', skipped('no increment checks configured for this source (validation.sources)'));
    return {};
  }
  const clock = new PhaseClock();
  ctx.emit({ type: 'phase-started', source: name, phase: 'validate' });
  const scope = incrementScope(outcome);
  let report: SourceReport;
  try {
    report = await validateSource({
      loaded: ctx.loaded,
      conn: ctx.connections.get(ctx.loaded.config.sources[name]!.connection),
      name,
      scope,
      runId: ctx.runId,
      now: ctx.rowChecks.now,
      log: log.child({ step: 'validate' }),
      streamed: ctx.rowChecks.validators()[name],
    });
  } catch (e) {
    log.error({ err: e }, 'validation failed to run');
    report = failedReport(ctx.runId, name, scope, (e as Error).message);
  }
  ctx.reports.push(report);
  const critical = report.checks.filter((c) => impactOf(c) === 'critical');
  const stop = critical.length > 0 && settings.stop_on_critical;
  const failed = report.verdict === 'critical' || report.verdict === 'error' || report.error !== undefined;
  finish(
    'validate',
    clock.done({
      status: stop || failed ? 'failed' : 'succeeded',
      rows_in: report.rows,
      rows_out: report.rows,
      verdict: report.verdict,
      checks: report.checks.filter((c) => c.status !== 'pass' && c.status !== 'skipped').map(failedCheck),
      ...(report.error ? { error: report.error } : {}),
    }),
  );
  if (!stop) return failed ? { problem: incrementProblem(report, name) } : {};
  const first = critical[0]!;
  log.error(
    { check: first.id, failed: first.observed.failed },
    'critical check failed: the source is not loaded',
  );
  return {
    stop: `critical check ${first.id} failed on source "${name}": ${first.observed.failed} failing of ${first.observed.rows} rows — ${first.message}${critical.length > 1 ? ` (and ${critical.length - 1} more)` : ''}`,
    hint: 'nothing was loaded to data/processed and the watermark did not move: fix the data (or the check) and run again; see the validation report',
  };
}

function incrementProblem(report: SourceReport, name: string): { error: string; hint: string } {
  const failing = report.checks.filter((c) => impactOf(c) === 'error' || impactOf(c) === 'critical');
  const first = failing[0];
  return {
    error: first
      ? `${impactOf(first)} check ${first.id} failed on source "${name}": ${first.observed.failed} failing of ${first.observed.rows} rows — ${first.message}${failing.length > 1 ? ` (and ${failing.length - 1} more)` : ''}`
      : `the checks of "${name}" could not run: ${report.error ?? 'unknown error'}`,
    hint: 'only a critical check holds rows back: this increment went on to its next phases; see the validation report',
  };
}

/** The rows the extraction wrote, as a check scope (its manifest's range and high-water mark). */
function incrementScope(outcome: SourceOutcome): CheckScope {
  const written = outcome.rows;
  if (outcome.mode === 'range' && outcome.plan?.range)
    return { kind: 'range', range: outcome.plan.range, written };
  if (outcome.mode === 'incremental')
    return {
      kind: 'incremental',
      start: outcome.increment?.start,
      highWater: outcome.high_water,
      written: outcome.increment?.rows ?? written,
    };
  return { kind: 'full', written };
}

/** A check result as the run record keeps it: counts and the message, never samples. */
export function failedCheck(c: CheckResult): FailedCheck {
  return {
    id: c.id,
    kind: c.kind,
    severity: c.severity,
    status: c.status,
    failed: c.observed.failed,
    rows: c.observed.rows,
    message: c.message,
  };
}

/**
 * The dataset-scope checks of one source, over the processed dataset version just loaded (DuckDB).
 * They do not stop anything (the version is already current); a failure is recorded in the load
 * phase and counts towards the exit code like any failed check.
 */
export async function validateLoadedDataset(
  ctx: PipelineContext,
  name: string,
  log: Logger,
  changed?: string | null,
): Promise<SourceReport | undefined> {
  if (!ctx.datasets || checksAt(ctx.loaded.config.validation, name, 'dataset').length === 0) return undefined;
  const datasets = ctx.datasets;
  const read = datasetGlob(datasets, name);
  const report = await validateDataset({
    loaded: ctx.loaded,
    name,
    datasetSql: read?.sql,
    otherDatasets: (s) => datasetGlob(datasets, s)?.sql,
    runId: ctx.runId,
    now: ctx.rowChecks.now,
    log: log.child({ step: 'validate', scope: 'dataset' }),
    ...(read ? { version: read.version } : {}),
    ...(changed !== undefined && ctx.loaded.config.validation.dataset_scan === 'changed' ? { changed } : {}),
  });
  ctx.reports.push(report);
  return report;
}
