/**
 * The Prometheus textfile (metrics.textfile, default results/metrics/moh_etl.prom), rewritten
 * after every run from the whole history. node_exporter reads the directory at every scrape, so
 * the file must never be seen half-written: it is written to a temporary name in the same
 * directory (ending in .tmp, which the collector ignores) and renamed over the old one.
 *
 * Mode 0644, unlike the 0640 of everything else: node_exporter usually runs as its own user, and
 * the file holds source and job names and counts — no patient data. Its directory decides who can
 * reach it.
 */
import { loadAlertState } from '../alerts/state.js';
import { readHeartbeat } from '../../schedule/heartbeat.js';
import { writeFileAtomic } from '../../write/atomic.js';
import { readRunDigests } from './history.js';
import { renderPrometheus } from './prometheus.js';
import { prometheusState, type PrometheusState } from './state.js';

export const TEXTFILE_MODE = 0o644;

/** Write `text` to `file` atomically (temp file in the same directory, fsync, rename). */
export async function writeTextfile(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, TEXTFILE_MODE);
}

export interface TextfileOptions {
  /** Project root: run records are read from <root>/results/runs. */
  root: string;
  /** Absolute path of the textfile. */
  textfile: string;
  /** Digest cache (history.ts); default: none, every record is read. */
  indexFile?: string;
  /** Success ratio window (metrics.success_window); default 30. */
  window?: number;
  /** alerts.state_file, resolved: failed deliveries per channel. */
  alertStateFile?: string;
  /** The scheduler's heartbeat file (data/state/scheduler.heartbeat.json), resolved. */
  heartbeatFile?: string;
  /** The heartbeat's time when the caller knows it better than the file (the scheduler itself). */
  heartbeatAt?: string;
}

/** Recompute the textfile from the run history, the alert state and the heartbeat; write it. */
export async function updateTextfile(options: TextfileOptions): Promise<PrometheusState> {
  const digests = await readRunDigests(options.root, options.indexFile);
  const alerts = options.alertStateFile ? loadAlertState(options.alertStateFile).state : undefined;
  const heartbeat =
    options.heartbeatAt === undefined && options.heartbeatFile
      ? await readHeartbeat(options.heartbeatFile)
      : undefined;
  const state = prometheusState(digests, {
    window: options.window,
    alertFailures: Object.fromEntries(
      Object.entries(alerts?.channels ?? {}).map(([name, ledger]) => [name, ledger.failures ?? 0]),
    ),
    heartbeatAt: options.heartbeatAt ?? heartbeat?.at,
  });
  await writeTextfile(options.textfile, renderPrometheus(state));
  return state;
}
