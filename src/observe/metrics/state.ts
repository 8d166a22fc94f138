/**
 * What the Prometheus textfile says, folded from the whole run history (pure): per source and
 * schedule the last run and the last success, totals; per schedule the success ratio over its
 * last N scheduled runs; alert delivery failures per channel; the scheduler's heartbeat.
 *
 * A run without a job (a person at a terminal, a library caller) is schedule "" — in Prometheus
 * an empty label is the same as no label.
 */
import { round } from './resources.js';
import type { RunDigest } from './history.js';

export interface SeriesState {
  source: string;
  schedule: string;
  last_status: string;
  /** Seconds since the epoch. */
  last_run: number;
  last_success?: number;
  last_rows: number;
  last_duration_s: number;
  rows_total: number;
  runs_total: number;
  failures_total: number;
}

export interface ScheduleState {
  schedule: string;
  /** Scheduled runs in the window (at most the window). */
  runs: number;
  succeeded: number;
  ratio: number;
}

export interface PrometheusState {
  series: SeriesState[];
  schedules: ScheduleState[];
  /** Deliveries that failed after every retry, per alert channel (alerts state file). */
  alert_failures: { channel: string; failures: number }[];
  /** When the scheduler last wrote its heartbeat (seconds since the epoch), if it ever ran. */
  heartbeat?: number;
}

export interface StateExtras {
  /** Success ratio window: the last N scheduled runs of each job; default 30. */
  window?: number;
  alertFailures?: Record<string, number>;
  heartbeatAt?: string;
}

export const DEFAULT_SUCCESS_WINDOW = 30;

/** `digests` oldest first (as readRunDigests returns them). */
export function prometheusState(digests: readonly RunDigest[], extras: StateExtras = {}): PrometheusState {
  const series = new Map<string, SeriesState>();
  for (const run of digests) {
    const schedule = run.job ?? '';
    for (const s of run.sources) {
      const key = JSON.stringify([s.source, schedule]);
      const prev = series.get(key);
      const at = seconds(run.finished_at);
      series.set(key, {
        source: s.source,
        schedule,
        last_status: s.status,
        last_run: at,
        last_success: s.status === 'succeeded' ? at : prev?.last_success,
        last_rows: s.rows,
        last_duration_s: round(s.duration_ms / 1000),
        rows_total: (prev?.rows_total ?? 0) + s.rows,
        runs_total: (prev?.runs_total ?? 0) + 1,
        failures_total: (prev?.failures_total ?? 0) + (s.status === 'failed' ? 1 : 0),
      });
    }
  }
  const heartbeat = extras.heartbeatAt === undefined ? NaN : seconds(extras.heartbeatAt);
  return {
    series: [...series.values()],
    schedules: scheduleRatios(digests, extras.window ?? DEFAULT_SUCCESS_WINDOW),
    alert_failures: Object.entries(extras.alertFailures ?? {}).map(([channel, failures]) => ({
      channel,
      failures,
    })),
    ...(Number.isFinite(heartbeat) ? { heartbeat } : {}),
  };
}

/** Per job, its last `window` scheduled runs: how many succeeded. Interrupted is not a success. */
export function scheduleRatios(digests: readonly RunDigest[], window: number): ScheduleState[] {
  const byJob = new Map<string, RunDigest[]>();
  for (const d of digests) {
    if (d.trigger !== 'schedule' || !d.job) continue;
    const runs = byJob.get(d.job);
    if (runs) runs.push(d);
    else byJob.set(d.job, [d]);
  }
  return [...byJob].map(([schedule, runs]) => {
    const recent = runs.slice(-window);
    const succeeded = recent.filter((r) => r.status === 'succeeded').length;
    return { schedule, runs: recent.length, succeeded, ratio: succeeded / recent.length };
  });
}

function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}
