/**
 * `moh-etl schedule`: the scheduler in the foreground, for systemd or a container (src/schedule/).
 * Each due job runs as its own child process, `moh-etl run --job NAME`, so a run that crashes or
 * leaks never takes the scheduler down. SIGTERM/SIGINT stop it: running jobs are asked to stop at
 * their next part boundary, then the scheduler exits 0. `--list` shows each job's next runs;
 * `--print systemd|crontab` writes the same jobs for the system scheduler instead.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode, UsageError } from '../../errors.js';
import { createAlerter, lateJobEvent, missedScheduleEvent } from '../../observe/alerts/index.js';
import type { Logger } from '../../observe/logger.js';
import { INDEX_NAME, schedulerMetrics } from '../../observe/metrics/index.js';
import {
  listJobs,
  listingTable,
  printCrontab,
  printSystemd,
  runScheduler,
  spawnJobRunner,
  unitsText,
  type ScheduleEvent,
} from '../../schedule/index.js';
import { loadContext } from '../context.js';
import { withSession } from '../session.js';
import type { CommonFlags } from '../options.js';
import { stdout, table, type Out } from '../print.js';
import { stopSignal } from '../signals.js';

export interface ScheduleFlags extends CommonFlags {
  list?: boolean;
  print?: string;
}

/** The scheduler waits this long for running jobs after a stop signal, then leaves them to finish alone. */
const STOP_TIMEOUT_MS = 45_000;

export async function scheduleCommand(flags: ScheduleFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  const jobs = loaded.config.schedules;
  if (flags.list) {
    const listing = listJobs(jobs, new Date());
    if (flags.json) out(JSON.stringify({ jobs: listing }));
    else table(listingTable(listing), out);
    return ExitCode.Success;
  }
  if (flags.print !== undefined) return printUnits(loaded, flags, out);
  return withSession(loaded, flags, 'schedule', async ({ log }) => {
    const stateDir = path.resolve(loaded.root, loaded.config.extraction.state_dir);
    const m = loaded.config.metrics;
    const metricsDir = path.resolve(loaded.root, m.directory);
    const heartbeat =
      m.textfile === null
        ? undefined
        : schedulerMetrics({
            root: loaded.root,
            textfile: path.resolve(loaded.root, m.textfile),
            window: m.success_window,
            alertStateFile: path.resolve(loaded.root, loaded.config.alerts.state_file),
            heartbeatFile: path.join(stateDir, 'scheduler.heartbeat.json'),
            indexFile: path.join(metricsDir, INDEX_NAME),
            log,
          });
    const onEvent = scheduleListener(loaded, log, heartbeat?.listener ?? (() => undefined));
    const result = await runScheduler({
      jobs,
      enabledSources: Object.keys(loaded.config.sources).filter((s) => loaded.config.sources[s]!.enabled),
      stateDir,
      ledgerFile: path.join(stateDir, 'schedule.json'),
      heartbeatFile: path.join(stateDir, 'scheduler.heartbeat.json'),
      lockFile: path.join(stateDir, 'scheduler.lock'),
      runJob: spawnJobRunner({
        command: process.execPath,
        args: (name, ctx) => [
          cliScript(),
          'run',
          '--job',
          name,
          '--scheduled-for',
          ctx.scheduledFor.toISOString(),
          '--config',
          loaded.file,
        ],
        cwd: loaded.root,
      }),
      log,
      signal: stopSignal(STOP_TIMEOUT_MS + 15_000),
      onEvent,
      stopTimeoutMs: STOP_TIMEOUT_MS,
    });
    await heartbeat?.flush();
    return { exitCode: result.exitCode };
  });
}

/** The scheduler's events in the log; a missed schedule, a passed SLA or a timeout as an alert. */
function scheduleListener(
  loaded: LoadedConfig,
  log: Logger,
  metrics: (e: ScheduleEvent) => void,
): (e: ScheduleEvent) => void {
  const alerter = createAlerter({
    config: loaded.config.alerts,
    stateFile: path.resolve(loaded.root, loaded.config.alerts.state_file),
    log,
    root: loaded.root,
  });
  return (e) => {
    metrics(e);
    if (e.type === 'scheduler-heartbeat') return;
    const level = e.type === 'job-missed' || e.type === 'job-late' ? 'warn' : 'info';
    log[level]({ event: e }, `schedule: ${e.type}${'job' in e ? ` ${e.job}` : ''}`);
    if (e.type === 'job-missed')
      void alerter.notify([
        missedScheduleEvent(e.job, { due: e.scheduled_for, count: e.count, reason: e.reason }),
      ]);
    if (e.type === 'job-late') void alerter.notify([lateJobEvent(e.job, e)]);
  };
}

function printUnits(loaded: LoadedConfig, flags: ScheduleFlags, out: Out): number {
  const common = {
    execPath: process.execPath,
    execArgs: [cliScript()],
    projectDir: loaded.root,
    configPath: loaded.file,
  };
  if (flags.print === 'systemd') {
    const units = printSystemd(loaded.config.schedules, common);
    out(unitsText([...units.scheduler, ...units.timers]));
    return ExitCode.Success;
  }
  if (flags.print === 'crontab') {
    out(printCrontab(loaded.config.schedules, common));
    return ExitCode.Success;
  }
  throw new UsageError(`--print "${flags.print}" is not a format (valid: systemd, crontab)`);
}

/** This CLI's entry script (dist/src/cli/bin.js), for the commands the scheduler and units run. */
function cliScript(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin.js');
}
