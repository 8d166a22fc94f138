/**
 * The pipeline: extract → validate → transform → load, each requested source in turn (see
 * source-pipeline.ts), and one run record for the whole run (results/runs/<run_id>.json). The
 * pipeline emits typed events (observe/events.ts) and does not know who listens: the CLI's progress
 * line and --json, metrics, alerts and library callers all take them from `onEvent`.
 *
 * Exit codes: 3 when a critical check stopped a source; 1 when a source failed (or an `error` check
 * failed); 130/143 when interrupted; 0 otherwise — an empty increment is a success.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { EXTRACTION_MODES, type ExtractionMode, type OutputFormat } from '../config/schema.js';
import { ConnectionSet } from '../db/connection.js';
import { requireDrivers } from '../db/drivers.js';
import { ExitCode, UsageError } from '../errors.js';
import type { DateRange } from '../extract/date-range.js';
import { StateStore } from '../extract/state.js';
import { openDatasetStore } from '../load/index.js';
import type { EventListener, PipelineEvent } from '../observe/events.js';
import { closeLogger, createLogger, rotationFromConfig, type Logger } from '../observe/logger.js';
import { writeReports } from '../validate/report/files.js';
import type { SourceReport } from '../validate/result.js';
import { checkRequest, runStatus } from './extract-step.js';
import { PhaseGate } from './phase-gate.js';
import { selectPhases } from './phases.js';
import { concurrencyFor, runInOrder, sourceDependencies } from './source-order.js';
import { ExtractPassChecks } from './row-checks.js';
import { newRunId } from './run-id.js';
import { runSourcePipeline, type PipelineContext, type SourceEvent } from './source-pipeline.js';
import { checkPseudonymKeys } from './stage.js';
import { RECORD_VERSION, saveSummary, type Phase, type RunRecord, type SourceResult } from './summary.js';

export interface PipelineOptions {
  /** Sources to run; default every enabled source. */
  sources?: string[];
  /** Overrides each source's mode. `refresh`: a full extraction that replaces the processed dataset. */
  mode?: ExtractionMode | 'refresh';
  /** A --start-date/--end-date slice on each source's date_column (merged into the dataset). */
  range?: DateRange;
  /** Raw output formats (default output.formats); staged files are Parquet whatever these are. */
  formats?: OutputFormat[];
  /** Phases to run, in order (default all four); see phases.ts for what may be left out. */
  phases?: Phase[];
  /** Discard unfinished runs instead of resuming them. */
  fresh?: boolean;
  /** Stop at the next part boundary; the run is recorded as interrupted. */
  signal?: AbortSignal;
  /** Every event of the run, as it happens. A listener that throws is logged, never steers the run. */
  onEvent?: EventListener;
  runId?: string;
  trigger?: RunRecord['trigger'];
  job?: string;
  /**
   * Where log lines go. Default: the configuration's `logging:` files and console level, as the
   * CLI logs (opened for the run and closed when it ends); a logger passed here stays the caller's.
   */
  log?: Logger;
}

/** A library call: the configuration (from `defineConfig` or `loadConfig`) and the run's options. */
export interface PipelineRequest extends PipelineOptions {
  config: LoadedConfig;
}

/**
 * Run the pipeline; resolves with the run record (also written to results/runs/<run_id>.json).
 * Library callers pass `{ config, sources, mode, phases, signal, onEvent }`; the CLI passes the
 * loaded config and its options apart. Requests are checked as the CLI checks its flags: unknown
 * sources, phases, modes or formats and missing drivers throw typed errors before anything runs.
 */
export function runPipeline(request: PipelineRequest): Promise<RunRecord>;
export function runPipeline(loaded: LoadedConfig, options?: PipelineOptions): Promise<RunRecord>;
export async function runPipeline(
  first: LoadedConfig | PipelineRequest,
  second: PipelineOptions = {},
): Promise<RunRecord> {
  const [loaded, options] = isLoadedConfig(first) ? [first, second] : fromRequest(first);
  checkOptions(options);
  const { config } = loaded;
  const sources = options.sources ?? Object.keys(config.sources).filter((s) => config.sources[s]!.enabled);
  checkRequest(loaded, { sources, formats: options.formats });
  const phases = selectPhases(options.phases);
  if (phases.includes('transform')) checkPseudonymKeys(loaded, sources);
  requireDrivers(config, sources);
  const log = options.log ?? configuredLog(loaded);
  try {
    return await run(loaded, options, sources, phases, log);
  } finally {
    if (!options.log) await closeLogger(log);
  }
}

async function run(
  loaded: LoadedConfig,
  options: PipelineOptions,
  sources: string[],
  phases: Phase[],
  log: Logger,
): Promise<RunRecord> {
  const { config, root } = loaded;
  const runId = options.runId ?? newRunId();
  const started = new Date();
  const emit = emitter(runId, options.onEvent, log);
  emit({
    type: 'run-started',
    command: 'run',
    sources,
    phases,
    job: options.job,
    mode: options.mode,
    range: options.range,
  });

  const connections = new ConnectionSet(config.connections, root, {
    warn: (m) => log.warn(m),
    debug: (m) => log.debug(m),
  });
  // Extractions side by side, loads alone (phase-gate.ts): a load's engine is sized from the memory
  // the process has left, which a running extraction would take back.
  const gate = new PhaseGate();
  const ctx: PipelineContext = {
    loaded,
    connections,
    store: new StateStore(path.resolve(root, config.extraction.state_dir)),
    datasets: phases.includes('load') ? openDatasetStore(config.load, root) : undefined,
    phases: new Set(phases),
    runId,
    started,
    mode: options.mode,
    range: options.range,
    formats: options.formats,
    fresh: options.fresh,
    signal: options.signal,
    rowChecks: new ExtractPassChecks(loaded, started),
    log,
    emit: (e: SourceEvent) => emit(e),
    extractions: (fn) => gate.shared(fn),
    loads: (fn) => gate.exclusive(fn),
    reports: [],
  };
  let results: SourceResult[] = [];
  try {
    results = await runInOrder(
      sources,
      sourceDependencies(config, sources),
      concurrencyFor(config, sources),
      () => options.signal?.aborted === true,
      async (name) => {
        const result = await runSourcePipeline(ctx, name);
        emit({ type: 'source-finished', result });
        return result;
      },
    );
  } finally {
    await connections.closeAll();
  }
  const record = finishRecord(loaded, ctx, options, results, started, phases);
  const file = await saveSummary(root, record);
  const level = record.status === 'succeeded' ? 'info' : 'error';
  log[level]({ run_id: runId, status: record.status, exit_code: record.exit_code }, `run ${record.status}`);
  emit({ type: 'run-finished', record, file });
  return record;
}

function isLoadedConfig(value: LoadedConfig | PipelineRequest): value is LoadedConfig {
  return typeof (value as Partial<LoadedConfig>).root === 'string' && 'queries' in value;
}

function fromRequest(request: PipelineRequest): [LoadedConfig, PipelineOptions] {
  const { config, ...options } = request;
  // A JavaScript caller may hand over the raw object: say what to pass rather than fail on it later.
  if (!config || !isLoadedConfig(config))
    throw new UsageError('runPipeline: config is not a loaded configuration', {
      hint: 'pass config: defineConfig({ connections, sources, … }) or config: loadConfig()',
    });
  return [config, options];
}

/** What TypeScript would refuse, checked for JavaScript callers (the CLI has checked its flags). */
function checkOptions(options: PipelineOptions): void {
  const { sources, mode } = options;
  if (sources !== undefined && (!Array.isArray(sources) || sources.some((s) => typeof s !== 'string')))
    throw new UsageError('runPipeline: sources must be a list of source names');
  if (sources?.length === 0)
    throw new UsageError('runPipeline: sources is empty (leave it out to run every enabled source)');
  const modes: readonly string[] = [...EXTRACTION_MODES, 'refresh'];
  if (mode !== undefined && !modes.includes(mode))
    throw new UsageError(`runPipeline: mode "${String(mode)}" is not a mode (modes: ${modes.join(', ')})`);
}

/** The CLI's logger for a caller that passed none: the configured files, console level and rotation. */
function configuredLog(loaded: LoadedConfig): Logger {
  const logging = loaded.config.logging;
  return createLogger({
    level: logging.level,
    consoleLevel: logging.console_level,
    directory: path.resolve(loaded.root, logging.directory),
    rotation: rotationFromConfig(logging),
  });
}

function finishRecord(
  loaded: LoadedConfig,
  ctx: PipelineContext,
  options: PipelineOptions,
  results: SourceResult[],
  started: Date,
  phases: Phase[],
): RunRecord {
  // Sources may finish in any order: the reports follow the run's order, increment before dataset.
  const order = new Map(results.map((r, i) => [r.source, i]));
  const rank = (r: SourceReport) => (order.get(r.source) ?? 0) * 2 + (r.scope.kind === 'dataset' ? 1 : 0);
  ctx.reports.sort((a, b) => rank(a) - rank(b));
  const reports = writeRunReports(loaded, ctx.runId, ctx.reports);
  const finished = new Date();
  const status = runStatus(results, options.signal);
  return {
    record_version: RECORD_VERSION,
    run_id: ctx.runId,
    command: 'run',
    trigger: options.trigger ?? 'library',
    ...(options.job ? { job: options.job } : {}),
    status,
    exit_code: exitCode(status, results, loaded.config.validation.stop_on_critical, options.signal),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - started.getTime(),
    ...(options.range ? { range: options.range } : {}),
    phases,
    sources: results,
    ...(reports ? { reports } : {}),
  };
}

/** 3 for a critical verdict (increment or dataset), 130/143 when interrupted, 1 for any other failure. */
function exitCode(
  status: RunRecord['status'],
  results: SourceResult[],
  stopOnCritical: boolean,
  signal?: AbortSignal,
): number {
  if (status === 'interrupted')
    return signal?.reason === 'SIGINT' ? ExitCode.InterruptedBySigint : ExitCode.InterruptedBySigterm;
  const verdicts = results.flatMap((r) => [r.phases?.validate?.verdict, r.phases?.load?.verdict]);
  if (stopOnCritical && verdicts.includes('critical')) return ExitCode.CriticalValidationFailure;
  const failedCheck = results.some((r) => r.phases?.validate?.status === 'failed');
  return status === 'failed' || failedCheck ? ExitCode.RunFailure : ExitCode.Success;
}

function writeRunReports(loaded: LoadedConfig, runId: string, reports: SourceReport[]): RunRecord['reports'] {
  if (reports.length === 0) return undefined;
  const settings = loaded.config.validation;
  const files = writeReports(path.resolve(loaded.root, settings.report_dir), runId, reports, settings.html);
  return { directory: files.directory, ...(files.html ? { html: files.html } : {}) };
}

type Unstamped = PipelineEvent extends infer E
  ? E extends PipelineEvent
    ? Omit<E, 'run_id' | 'at'>
    : never
  : never;

/** Stamps events with the run id and time and hands them to the listener; a throwing listener is logged. */
function emitter(runId: string, listener: EventListener | undefined, log: Logger): (e: Unstamped) => void {
  return (e) => {
    if (!listener) return;
    try {
      listener({ ...e, run_id: runId, at: new Date().toISOString() });
    } catch (err) {
      log.warn({ err }, `an event listener failed on ${e.type}`);
    }
  };
}
