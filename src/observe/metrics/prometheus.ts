/**
 * The Prometheus text exposition format (0.0.4), as node_exporter's textfile collector reads it:
 * `# HELP` and `# TYPE` once per family, then its samples, label values escaped (\\, \", \n).
 * Pure, and sorted, so the same state always renders the same bytes.
 *
 * The label is `schedule`, not `job`: Prometheus attaches its own `job` label (the scrape job,
 * "node") to everything node_exporter serves, and a metric's own `job` would be renamed
 * `exported_job`.
 */
import type { PrometheusState, ScheduleState, SeriesState } from './state.js';

type Labels = Record<string, string>;

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: { labels: Labels; value: number }[];
}

const bySource = (s: SeriesState): Labels => ({ source: s.source, schedule: s.schedule });
const bySchedule = (s: ScheduleState): Labels => ({ schedule: s.schedule });

export function renderPrometheus(state: PrometheusState): string {
  const series = (
    name: string,
    type: Family['type'],
    help: string,
    value: (s: SeriesState) => number | undefined,
  ) =>
    family(
      name,
      type,
      help,
      state.series.flatMap((s) => sample(bySource(s), value(s))),
    );
  const families: Family[] = [
    series(
      'moh_etl_last_run_status',
      'gauge',
      'Whether the last run of this source (in this schedule) succeeded: 1 succeeded, 0 failed or interrupted.',
      (s) => (s.last_status === 'succeeded' ? 1 : 0),
    ),
    series(
      'moh_etl_last_run_timestamp_seconds',
      'gauge',
      'When the last run of this source finished.',
      (s) => s.last_run,
    ),
    series(
      'moh_etl_last_success_timestamp_seconds',
      'gauge',
      'When the last successful run of this source finished.',
      (s) => s.last_success,
    ),
    series(
      'moh_etl_last_run_rows',
      'gauge',
      'Rows the last run of this source extracted.',
      (s) => s.last_rows,
    ),
    series(
      'moh_etl_last_run_duration_seconds',
      'gauge',
      'How long the last run of this source took.',
      (s) => s.last_duration_s,
    ),
    series(
      'moh_etl_rows_total',
      'counter',
      'Rows extracted from this source, over the run records kept.',
      (s) => s.rows_total,
    ),
    series(
      'moh_etl_runs_total',
      'counter',
      'Runs of this source, over the run records kept.',
      (s) => s.runs_total,
    ),
    series(
      'moh_etl_failures_total',
      'counter',
      'Failed runs of this source, over the run records kept.',
      (s) => s.failures_total,
    ),
    family(
      'moh_etl_scheduled_success_ratio',
      'gauge',
      'Share of the recent scheduled runs of this job that succeeded (window: metrics.success_window).',
      state.schedules.flatMap((s) => sample(bySchedule(s), s.ratio)),
    ),
    family(
      'moh_etl_scheduled_runs_in_window',
      'gauge',
      'How many scheduled runs of this job the success ratio is over.',
      state.schedules.flatMap((s) => sample(bySchedule(s), s.runs)),
    ),
    family(
      'moh_etl_alerts_failed_total',
      'counter',
      'Alert deliveries that failed after every retry, per channel.',
      state.alert_failures.flatMap((a) => sample({ channel: a.channel }, a.failures)),
    ),
    family(
      'moh_etl_scheduler_heartbeat_timestamp_seconds',
      'gauge',
      'When the scheduler last wrote its heartbeat; stale means it is down or hung.',
      sample({}, state.heartbeat),
    ),
  ];
  return families
    .filter((f) => f.samples.length > 0)
    .map(renderFamily)
    .join('');
}

function family(name: string, type: Family['type'], help: string, samples: Family['samples']): Family {
  return { name, type, help, samples };
}

function sample(labels: Labels, value: number | undefined): Family['samples'] {
  return value === undefined ? [] : [{ labels, value }];
}

function renderFamily(f: Family): string {
  const lines = f.samples.map((s) => `${f.name}${renderLabels(s.labels)} ${formatValue(s.value)}`).sort();
  return `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n${lines.join('\n')}\n`;
}

function renderLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
