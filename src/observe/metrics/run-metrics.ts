/**
 * The metrics of one run, per source and per phase: duration, rows, bytes, rows/s; and per run:
 * peak RSS and CPU. Written to results/metrics/<run_id>.json. `buildRunMetrics` is pure: the run
 * record, the phase records seen as events, the bytes from the manifests and the resources.
 */
import type { Phase, PhaseRecord, RunSummary } from '../../pipeline/summary.js';
import { round, type RunResources } from './resources.js';

export const METRICS_VERSION = 1;

export interface PhaseMetrics {
  status: string;
  rows_in: number;
  rows_out: number;
  duration_s: number;
  /** rows_out per second; null when the phase took no measurable time. */
  rows_per_s: number | null;
  /** Bytes written, when known (extract: the parts in the manifest). */
  bytes?: number;
  counts?: Record<string, number>;
}

export interface SourceMetrics {
  status: string;
  mode: string;
  rows: number;
  bytes?: number;
  files: number;
  duration_s: number;
  rows_per_s: number | null;
  phases: Partial<Record<Phase, PhaseMetrics>>;
}

export interface RunMetrics {
  metrics_version: number;
  run_id: string;
  command: string;
  trigger?: string;
  job?: string;
  status: string;
  exit_code?: number;
  started_at: string;
  finished_at: string;
  duration_s: number;
  rows: number;
  bytes: number;
  rows_per_s: number | null;
  resources: RunResources;
  sources: Record<string, SourceMetrics>;
}

export type PhaseRecords = Map<string, Partial<Record<Phase, PhaseRecord>>>;

export interface RunMetricsInput {
  record: RunSummary;
  /** Phase records from `phase-finished` events; the run record's own phases take precedence. */
  phases?: PhaseRecords;
  /** Bytes per source, from the manifests. */
  bytes?: ReadonlyMap<string, number>;
  resources: RunResources;
}

export function buildRunMetrics(input: RunMetricsInput): RunMetrics {
  const { record } = input;
  const sources: Record<string, SourceMetrics> = {};
  for (const r of record.sources) {
    const bytes = input.bytes?.get(r.source);
    const phases = { ...input.phases?.get(r.source), ...r.phases };
    const duration = r.duration_ms / 1000;
    sources[r.source] = {
      status: r.status,
      mode: r.mode,
      rows: r.rows,
      ...(bytes === undefined ? {} : { bytes }),
      files: r.files.length,
      duration_s: round(duration),
      rows_per_s: perSecond(r.rows, duration),
      phases: Object.fromEntries(
        Object.entries(phases).map(([phase, p]) => [
          phase,
          phaseMetrics(p, phase === 'extract' ? bytes : undefined),
        ]),
      ),
    };
  }
  const duration = (Date.parse(record.finished_at) - Date.parse(record.started_at)) / 1000;
  const rows = record.sources.reduce((n, r) => n + r.rows, 0);
  return {
    metrics_version: METRICS_VERSION,
    run_id: record.run_id,
    command: record.command,
    ...(record.trigger ? { trigger: record.trigger } : {}),
    ...(record.job ? { job: record.job } : {}),
    status: record.status,
    ...(record.exit_code === undefined ? {} : { exit_code: record.exit_code }),
    started_at: record.started_at,
    finished_at: record.finished_at,
    duration_s: round(duration),
    rows,
    bytes: [...(input.bytes?.values() ?? [])].reduce((a, b) => a + b, 0),
    rows_per_s: perSecond(rows, duration),
    resources: input.resources,
    sources,
  };
}

function phaseMetrics(p: PhaseRecord, bytes: number | undefined): PhaseMetrics {
  const duration = p.duration_ms / 1000;
  return {
    status: p.status,
    rows_in: p.rows_in,
    rows_out: p.rows_out,
    duration_s: round(duration),
    rows_per_s: perSecond(p.rows_out, duration),
    ...(bytes === undefined ? {} : { bytes }),
    ...(p.counts ? { counts: p.counts } : {}),
  };
}

function perSecond(rows: number, seconds: number): number | null {
  return seconds > 0 ? Math.round(rows / seconds) : null;
}
