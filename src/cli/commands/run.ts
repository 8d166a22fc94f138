/**
 * `moh-etl run`: the pipeline, extract → validate → transform → load (pipeline/run-pipeline.ts).
 * `--phases`/`--skip` stop early; `--job NAME` runs a configured schedule's job (what the scheduler,
 * cron and systemd timers call); `--mode refresh` is the weekly full refresh that replaces the
 * processed datasets. Exit codes: 0, 1 (a source or an error check failed), 3 (a critical check
 * stopped a source), 130/143 (interrupted).
 */
import path from 'node:path';
import { didYouMean } from '../../config/suggest.js';
import type { LoadedConfig } from '../../config/load.js';
import type { ExtractionMode, OutputFormat } from '../../config/schema.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { DateRange } from '../../extract/date-range.js';
import { parseRangeExpression, resolveRangeExpression } from '../../extract/range-expression.js';
import { selectPhases } from '../../pipeline/phases.js';
import { checkPseudonymKeys } from '../../pipeline/stage.js';
import { runPipeline } from '../../pipeline/run-pipeline.js';
import { RUNS_DIR, type RunRecord } from '../../pipeline/summary.js';
import { createAlerter } from '../../observe/alerts/index.js';
import type { Logger } from '../../observe/logger.js';
import { loadContext } from '../context.js';
import { withSession } from '../session.js';
import {
  resolveFormats,
  resolveRange,
  resolveRunMode,
  resolveSources,
  type ExtractFlags,
} from '../options.js';
import { stdout, type Out } from '../print.js';
import { printRun } from '../print-run.js';
import { jsonListener, progressListener } from '../progress.js';
import { stopSignal } from '../signals.js';
import { extractCommand } from './extract.js';

export interface RunFlags extends ExtractFlags {
  json?: boolean;
  phases?: string[];
  skip?: string[];
  job?: string;
  /** Set by the scheduler: the time the job was due, for its range expression. */
  scheduledFor?: string;
}

export async function runCommand(flags: RunFlags, out: Out = stdout): Promise<number> {
  if (flags.dryRun) return extractCommand(flags, out);
  const loaded = loadContext(flags);
  if (flags.job !== undefined && flags.job.trim() === '')
    throw new UsageError('--job is empty: name a job of the schedules: section');
  const request = flags.job !== undefined ? jobRequest(loaded, flags) : flagRequest(loaded, flags);
  const phases = selectPhases(flags.phases, flags.skip);
  // Refused before anything is written (the log included): the key is needed to stage any row.
  if (phases.includes('transform')) checkPseudonymKeys(loaded, request.sources);
  return withSession(loaded, flags, 'run', async ({ log, metrics }) => {
    const listeners = [flags.json ? jsonListener(out) : progressListener(), metrics.listener].filter(
      (l) => l !== undefined,
    );
    const record = await runPipeline(loaded, {
      ...request,
      phases,
      fresh: flags.fresh,
      signal: stopSignal(),
      trigger: flags.job ? 'schedule' : 'cli',
      ...(flags.job ? { job: flags.job } : {}),
      log,
      onEvent: (e) => listeners.forEach((l) => l(e)),
    });
    if (!flags.json) printRun(record, out);
    if (flags.job) await alertRun(loaded, record, log);
    // A stop by a critical check is also said where cron mail and schedulers look: stderr.
    if (record.exit_code === ExitCode.CriticalValidationFailure) {
      const stopped = record.sources.find((r) => r.phases?.validate?.verdict === 'critical' && r.error);
      if (stopped)
        process.stderr.write(`error: ${stopped.error}\n${stopped.hint ? `hint: ${stopped.hint}\n` : ''}`);
    }
    return { exitCode: record.exit_code ?? ExitCode.RunFailure, record };
  });
}

interface RunRequest {
  sources: string[];
  mode?: ExtractionMode | 'refresh';
  range?: DateRange;
  formats?: OutputFormat[];
}

function flagRequest(loaded: LoadedConfig, flags: RunFlags): RunRequest {
  return {
    sources: resolveSources(loaded, flags.sources),
    range: resolveRange(flags, loaded.config.extraction.timezone),
    mode: resolveRunMode(flags.mode),
    formats: resolveFormats(flags.format),
  };
}

/** A configured job: its sources, mode, formats and range (resolved at the time it was due). */
function jobRequest(loaded: LoadedConfig, flags: RunFlags): RunRequest {
  const name = flags.job!;
  const jobs = loaded.config.schedules;
  const job = Object.hasOwn(jobs, name) ? jobs[name] : undefined;
  if (!job)
    throw new UsageError(
      `no job named "${name}" under schedules${didYouMean(name, Object.keys(jobs))} (defined: ${Object.keys(jobs).join(', ') || 'none'})`,
    );
  for (const flag of ['sources', 'mode', 'startDate', 'endDate', 'range', 'format'] as const)
    if (flags[flag] !== undefined)
      throw new UsageError(
        `--job ${name} takes its ${flag === 'format' ? 'formats' : flag} from the configuration; drop --${kebab(flag)}`,
      );
  const due = flags.scheduledFor === undefined ? new Date() : new Date(flags.scheduledFor);
  if (Number.isNaN(due.getTime()))
    throw new UsageError(`--scheduled-for "${flags.scheduledFor}" is not an ISO 8601 time`);
  const enabled = Object.keys(loaded.config.sources).filter((s) => loaded.config.sources[s]!.enabled);
  const expr = job.range === undefined ? undefined : parseRangeExpression(job.range);
  return {
    sources: job.sources ? [...job.sources] : enabled,
    ...(job.mode ? { mode: job.mode } : {}),
    ...(expr ? { range: resolveRangeExpression(expr, due, job.timezone) } : {}),
    ...(job.formats ? { formats: [...job.formats] } : {}),
  };
}

/**
 * A scheduled run (`--job`, from the scheduler, cron or a systemd timer) alerts on failure, critical
 * checks, anomalies, stale feeds, a run over its SLA, and on recovery. A channel that is down is
 * logged and counted; it never changes the run's exit code. Manual runs do not page anyone.
 */
async function alertRun(loaded: LoadedConfig, record: RunRecord, log: Logger): Promise<void> {
  const alerter = createAlerter({
    config: loaded.config.alerts,
    stateFile: path.resolve(loaded.root, loaded.config.alerts.state_file),
    log,
    root: loaded.root,
  });
  const file = path.join(loaded.root, RUNS_DIR, `${record.run_id}.json`);
  for (const o of await alerter.notifyRun(record, file))
    if (o.status === 'failed')
      log.error({ channel: o.channel, reason: o.reason }, 'an alert could not be sent');
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
