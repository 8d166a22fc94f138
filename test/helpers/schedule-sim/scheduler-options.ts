/**
 * runScheduler's options as `moh-etl schedule` builds them (src/cli/commands/schedule.ts): the
 * ledger, heartbeat and lock under the state directory, the scheduler's side of the Prometheus
 * textfile (schedulerMetrics on heartbeats), and a missed schedule sent as an alert — with the
 * simulation's clock, sleep and runner in place of the system's. The command keeps this wiring
 * private, so it is repeated here; keep the two in step.
 */
import path from 'node:path';
import type { LoadedConfig } from '../../../src/config/load.js';
import { createAlerter, missedScheduleEvent } from '../../../src/observe/alerts/index.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { INDEX_NAME, schedulerMetrics } from '../../../src/observe/metrics/index.js';
import type {
  Clock,
  RunJob,
  ScheduleEvent,
  SchedulerLog,
  SchedulerOptions,
  Sleep,
} from '../../../src/schedule/index.js';

/** Heartbeats (and the longest sleep) in simulated time: a few per day. */
export const SIM_HEARTBEAT_MS = 6 * 3_600_000;

export interface SimSchedulerParts {
  clock: Clock;
  sleep: Sleep;
  signal: AbortSignal;
  runJob: RunJob;
  /** Every scheduler event, in order. */
  events: ScheduleEvent[];
  /** Every line the scheduler logged at warn or error. */
  problems: string[];
}

export interface SimScheduler {
  options: SchedulerOptions;
  /** Wait for the textfile rewrite in progress, as the command does before it exits. */
  flush(): Promise<void>;
  files: { ledger: string; heartbeat: string; textfile: string; alertState: string; index: string };
}

export function simSchedulerOptions(loaded: LoadedConfig, parts: SimSchedulerParts): SimScheduler {
  const { root, config } = loaded;
  const stateDir = path.resolve(root, config.extraction.state_dir);
  const files = {
    ledger: path.join(stateDir, 'schedule.json'),
    heartbeat: path.join(stateDir, 'scheduler.heartbeat.json'),
    textfile: path.resolve(root, config.metrics.textfile!),
    alertState: path.resolve(root, config.alerts.state_file),
    index: path.join(path.resolve(root, config.metrics.directory), INDEX_NAME),
  };
  const metrics = schedulerMetrics({
    root,
    textfile: files.textfile,
    window: config.metrics.success_window,
    alertStateFile: files.alertState,
    heartbeatFile: files.heartbeat,
    indexFile: files.index,
    // The command's default (60 s) is far below a simulated heartbeat: every heartbeat rewrites.
  });
  const alerter = createAlerter({
    config: config.alerts,
    stateFile: files.alertState,
    log: silentLogger(),
    root,
  });
  const log: SchedulerLog = {
    info: () => undefined,
    warn: (fields, message) => parts.problems.push(`warn: ${message} ${JSON.stringify(fields)}`),
    error: (fields, message) => parts.problems.push(`error: ${message} ${JSON.stringify(fields)}`),
  };
  const options: SchedulerOptions = {
    jobs: config.schedules,
    enabledSources: Object.keys(config.sources).filter((s) => config.sources[s]!.enabled),
    stateDir,
    ledgerFile: files.ledger,
    heartbeatFile: files.heartbeat,
    lockFile: path.join(stateDir, 'scheduler.lock'),
    runJob: parts.runJob,
    clock: parts.clock,
    sleep: parts.sleep,
    signal: parts.signal,
    log,
    heartbeatMs: SIM_HEARTBEAT_MS,
    maxSleepMs: SIM_HEARTBEAT_MS,
    onEvent: (e) => {
      parts.events.push(e);
      metrics.listener(e);
      if (e.type === 'job-missed')
        void alerter.notify([
          missedScheduleEvent(e.job, { due: e.scheduled_for, count: e.count, reason: e.reason }),
        ]);
    },
  };
  return { options, flush: metrics.flush, files };
}
