/**
 * Run history without a cloud: one JSON line per validated source per run under
 * results/metrics/<source>.jsonl (append-only), and the row_count anomaly check that compares a
 * run with the trailing median of comparable earlier runs (same scope kind: a daily increment is
 * not compared with a full refresh; the processed dataset, scope `dataset`, with itself).
 *
 * An empty increment is recorded (`empty: true`: the history says the run happened) but is never a
 * data point: a few quiet nights would pull the median towards 0 and make the next normal day look
 * anomalous. Entries written before the flag existed are recognised by their 0 incremental rows.
 * An empty date range (`validate --range today` before the day's first visit) is no data point
 * either, for the same reason.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDirectory } from '../write/atomic.js';
import { withFs } from '../write/fs-failure.js';
import type { CheckStatus } from './result.js';

export interface MetricsEntry {
  run_id: string;
  at: string;
  source: string;
  scope: string;
  rows: number;
  /** NULL percentage per checked column. */
  null_percent: Record<string, number>;
  /** An incremental run that found no rows: kept for the record, not compared with. */
  empty?: boolean;
}

/** Whether an entry is a data point for the anomaly check (empty increments and ranges are not). */
export function comparable(entry: MetricsEntry, scope: string): boolean {
  if (entry.scope !== scope) return false;
  if (entry.scope === 'range' && entry.rows === 0) return false;
  return !(entry.empty ?? (entry.scope === 'incremental' && entry.rows === 0));
}

export class MetricsStore {
  constructor(readonly directory: string) {}

  #file(source: string): string {
    return path.join(this.directory, `${source}.jsonl`);
  }

  read(source: string): MetricsEntry[] {
    const file = this.#file(source);
    if (!existsSync(file)) return [];
    const out: MetricsEntry[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as MetricsEntry);
      } catch {
        // A torn last line (crash mid-append) loses that run's metrics, not the history.
      }
    }
    return out;
  }

  append(entry: MetricsEntry): void {
    ensureDirectory(this.directory, 'validation.metrics_dir');
    const file = this.#file(entry.source);
    withFs('append to', file, () => appendFileSync(file, JSON.stringify(entry) + '\n', { mode: 0o640 }));
  }
}

export interface AnomalySettings {
  window: number;
  min_history: number;
  warn: number;
  fail?: number;
}

export interface AnomalyOutcome {
  status: CheckStatus;
  median?: number;
  deviation?: number;
  history: number;
  message: string;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Compare `rows` with the median of the last `window` comparable runs. */
export function rowCountAnomaly(
  history: readonly MetricsEntry[],
  scope: string,
  rows: number,
  s: AnomalySettings,
): AnomalyOutcome {
  const past = history.filter((h) => comparable(h, scope)).slice(-s.window);
  if (past.length < s.min_history) {
    return {
      status: 'skipped',
      history: past.length,
      message: `not enough history: ${past.length} of ${s.min_history} comparable runs`,
    };
  }
  const m = median(past.map((h) => h.rows));
  const deviation = m === 0 ? (rows === 0 ? 0 : Infinity) : Math.abs(rows - m) / m;
  const status: CheckStatus =
    s.fail !== undefined && deviation > s.fail ? 'fail' : deviation > s.warn ? 'warn' : 'pass';
  const pct = Number.isFinite(deviation) ? `${(deviation * 100).toFixed(1)}%` : 'infinite';
  return {
    status,
    median: m,
    deviation,
    history: past.length,
    message: `${rows} rows vs trailing median ${m} of ${past.length} runs: deviation ${pct} (warn above ${s.warn * 100}%${s.fail === undefined ? '' : `, fail above ${s.fail * 100}%`})`,
  };
}

/** This run's entry: rows in scope and the NULL percentage of every checked column. */
export function metricsEntry(
  run: { runId: string; now: Date; name: string },
  scope: string,
  counts: { rows: number; nulls: ReadonlyMap<string, number> },
  empty: boolean,
): MetricsEntry {
  return {
    run_id: run.runId,
    at: run.now.toISOString(),
    source: run.name,
    scope,
    rows: counts.rows,
    null_percent: Object.fromEntries(
      [...counts.nulls].map(([c, n]) => [c, counts.rows ? Math.round((n / counts.rows) * 1e6) / 1e4 : 0]),
    ),
    ...(empty ? { empty } : {}),
  };
}
