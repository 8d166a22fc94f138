/**
 * The scheduler's side of the textfile: a run rewrites it when it finishes, but only the
 * scheduler can keep `moh_etl_scheduler_heartbeat_timestamp_seconds` fresh between runs, so that
 * a stale value means the scheduler is down. Subscribe it to the scheduler's events; it rewrites
 * the textfile on a heartbeat at most every `minIntervalMs`, from the event's own time (the
 * heartbeat file is written just after the event).
 */
import type { ScheduleEventListener } from '../../schedule/events.js';
import { silentLogger, type Logger } from '../logger.js';
import { updateTextfile, type TextfileOptions } from './textfile.js';

export interface SchedulerMetricsOptions extends TextfileOptions {
  /** Least time between two rewrites on heartbeats; default 60 s. */
  minIntervalMs?: number;
  log?: Logger;
}

export interface SchedulerMetrics {
  listener: ScheduleEventListener;
  /** Wait for the rewrite in progress, if any. Never rejects. */
  flush: () => Promise<void>;
}

export function schedulerMetrics(options: SchedulerMetricsOptions): SchedulerMetrics {
  const log = options.log ?? silentLogger();
  const minInterval = options.minIntervalMs ?? 60_000;
  let last = -Infinity;
  let pending: Promise<void> = Promise.resolve();
  return {
    listener: (event) => {
      if (event.type !== 'scheduler-heartbeat') return;
      const now = Date.parse(event.at);
      if (now - last < minInterval) return;
      last = now;
      pending = pending
        .then(() => updateTextfile({ ...options, heartbeatAt: event.at }))
        .then(
          () => undefined,
          (e: unknown) => log.warn({ err: e }, 'cannot rewrite the metrics textfile'),
        );
    },
    flush: () => pending,
  };
}
