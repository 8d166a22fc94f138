/**
 * Metrics as a pipeline listener: subscribe it with the other `onEvent` consumers. It notes the
 * CPU at `run-started` and the phase records as they finish; at `run-finished` it writes
 * results/metrics/<run_id>.json and rewrites the Prometheus textfile. Listeners are synchronous
 * and the pipeline does not wait for them, so the command awaits `flush()` before it exits.
 * Metrics never fail a run: a write that fails is logged as a warning and reported by `flush`.
 */
import path from 'node:path';
import type { RunSummary } from '../../pipeline/summary.js';
import { writeFileAtomic } from '../../write/atomic.js';
import type { EventListener } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import { bytesBySource } from '../manifest-parts.js';
import { INDEX_NAME } from './history.js';
import { resourceBaseline, resourcesSince, type ResourceBaseline } from './resources.js';
import { buildRunMetrics, type PhaseRecords, type RunMetrics } from './run-metrics.js';
import { updateTextfile } from './textfile.js';

export interface MetricsOptions {
  /** Project root (run records are under <root>/results/runs). */
  root: string;
  /** Absolute metrics.directory: <run_id>.json and the digest cache go here. */
  directory: string;
  /** Absolute metrics.textfile; null or omitted: no textfile. */
  textfile?: string | null;
  /** metrics.success_window; default 30. */
  successWindow?: number;
  /** Resolved alerts.state_file, for moh_etl_alerts_failed_total. */
  alertStateFile?: string;
  /** Resolved scheduler heartbeat file, for moh_etl_scheduler_heartbeat_timestamp_seconds. */
  heartbeatFile?: string;
  log?: Logger;
}

export interface MetricsOutcome {
  run_id: string;
  /** results/metrics/<run_id>.json, when written. */
  file?: string;
  /** The textfile, when rewritten. */
  textfile?: string;
  metrics?: RunMetrics;
  /** What failed (one line, no values). */
  error?: string;
}

export interface MetricsListener {
  listener: EventListener;
  /** For commands that emit no events (`extract`): record a finished run directly. */
  record: (record: RunSummary) => void;
  /** Wait for every write started so far. Never rejects. */
  flush: () => Promise<MetricsOutcome[]>;
}

export function metricsListener(options: MetricsOptions): MetricsListener {
  const pending: Promise<MetricsOutcome>[] = [];
  let baseline: ResourceBaseline | undefined;
  let phases: PhaseRecords = new Map();
  const finish = (record: RunSummary) => {
    // Sampled now, not after the writes below: they are not the run's work.
    const resources = resourcesSince(baseline);
    pending.push(writeRunMetrics(options, record, phases, resources));
    baseline = undefined;
    phases = new Map();
  };
  return {
    listener: (event) => {
      if (event.type === 'run-started') {
        baseline = resourceBaseline();
        phases = new Map();
      } else if (event.type === 'phase-finished') {
        phases.set(event.source, { ...phases.get(event.source), [event.phase]: event.record });
      } else if (event.type === 'run-finished') finish(event.record);
    },
    record: finish,
    flush: () => Promise.all(pending.splice(0)),
  };
}

async function writeRunMetrics(
  options: MetricsOptions,
  record: RunSummary,
  phases: PhaseRecords,
  resources: RunMetrics['resources'],
): Promise<MetricsOutcome> {
  const log = options.log ?? silentLogger();
  const outcome: MetricsOutcome = { run_id: record.run_id };
  try {
    const metrics = buildRunMetrics({
      record,
      phases,
      bytes: await bytesBySource(record.sources),
      resources,
    });
    const file = path.join(options.directory, `${record.run_id}.json`);
    await writeFileAtomic(file, JSON.stringify(metrics, null, 2) + '\n', 0o640);
    Object.assign(outcome, { file, metrics });
    if (options.textfile) {
      await updateTextfile({
        root: options.root,
        textfile: options.textfile,
        indexFile: path.join(options.directory, INDEX_NAME),
        window: options.successWindow,
        alertStateFile: options.alertStateFile,
        heartbeatFile: options.heartbeatFile,
      });
      outcome.textfile = options.textfile;
    }
  } catch (e) {
    outcome.error = (e as Error).message.split('\n')[0];
    log.warn({ err: e, run_id: record.run_id }, 'cannot write the run metrics');
  }
  return outcome;
}
