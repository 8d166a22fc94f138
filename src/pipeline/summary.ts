/**
 * The run record: what a run did, per source and per phase. Written to results/runs/<run_id>.json
 * for `moh-etl status`, monitoring, alerts and the scheduler's catch-up logic. Fields are only ever
 * added (RECORD_VERSION says which shape a reader has).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '../config/secret.js';
import { writeFileAtomic } from '../write/atomic.js';

export const RECORD_VERSION = 2;

/** The pipeline's phases, in order. */
export const PHASES = ['extract', 'validate', 'transform', 'load'] as const;
export type Phase = (typeof PHASES)[number];

export type SourceStatus = 'succeeded' | 'failed' | 'interrupted';
export type RunStatus = 'succeeded' | 'failed' | 'interrupted';
export type PhaseStatus = 'succeeded' | 'failed' | 'skipped' | 'interrupted';

/** One phase of one source. */
export interface PhaseRecord {
  status: PhaseStatus;
  rows_in: number;
  rows_out: number;
  duration_ms: number;
  /** Validate: the source's verdict (ok | warning | error | critical). */
  verdict?: string;
  /** Validate: the checks that did not pass (no values, no samples: counts and messages only). */
  checks?: FailedCheck[];
  /** Phase-specific counts: transform counters (values nulled, unrecognised codes), load counts. */
  counts?: Record<string, number>;
  /** Load: the processed dataset's version now current. */
  version?: string;
  /** Why the phase was skipped or failed, in one line. */
  note?: string;
  error?: string;
}

export interface FailedCheck {
  id: string;
  kind: string;
  severity: string;
  status: string;
  failed: number;
  rows: number;
  message: string;
}

export interface SourceResult {
  source: string;
  /** The run that produced the files: this run, or the earlier unfinished run it resumed. */
  run_id?: string;
  status: SourceStatus;
  mode: string;
  /** Rows extracted (committed to part files), including parts committed by an earlier attempt. */
  rows: number;
  files: string[];
  manifest?: string;
  duration_ms: number;
  note?: string;
  /** Things the operator should know that did not stop the source (missing index, rows changed). */
  warnings?: string[];
  error?: string;
  hint?: string;
  /** Per phase, in the order they ran (absent for a plain `extract`). */
  phases?: Partial<Record<Phase, PhaseRecord>>;
  /** Rows re-read inside the lookback window, and how many of them were new or changed (delivered). */
  lookback?: { window_rows: number; delivered: number; skipped: number };
  /** Rows committed behind the run's start since the last run, too late for any window: not delivered. */
  late_behind?: number;
}

export interface RunSummary {
  record_version?: number;
  run_id: string;
  /** The command that ran: extract | run | validate. */
  command: string;
  /** What started it: a person at a terminal, the scheduler, or a program using the library. */
  trigger?: 'cli' | 'schedule' | 'library';
  /** The scheduled job, when the run belongs to one. */
  job?: string;
  status: RunStatus;
  exit_code?: number;
  started_at: string;
  finished_at: string;
  duration_ms?: number;
  range?: { start: string; end: string };
  /** The phases this run was asked to run. */
  phases?: Phase[];
  sources: SourceResult[];
  /** Where the validation reports are (directory, and the HTML report when written). */
  reports?: { directory: string; html?: string };
  error?: string;
  hint?: string;
}

/** The run record by its other name; the file is results/runs/<run_id>.json. */
export type RunRecord = RunSummary;

export const RUNS_DIR = 'results/runs';

export async function saveSummary(root: string, summary: RunSummary): Promise<string> {
  const file = path.join(root, RUNS_DIR, `${summary.run_id}.json`);
  await writeFileAtomic(file, redactSecrets(JSON.stringify(summary, null, 2)) + '\n', 0o640);
  return file;
}

/**
 * The newest summaries first. A record that cannot be read (damaged, truncated by a full disk, not a
 * run record) is left out: one bad file must not take `status` down with it.
 */
export function recentSummaries(root: string, limit = 20): RunSummary[] {
  const dir = path.join(root, RUNS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: RunSummary[] = [];
  for (const f of names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .reverse()) {
    if (out.length >= limit) break;
    const record = readRecord(path.join(dir, f));
    if (record) out.push(record);
  }
  return out;
}

/** A run record, or undefined when the file is not one. */
export function readRecord(file: string): RunSummary | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunSummary> | null;
    const ok =
      value !== null &&
      typeof value === 'object' &&
      typeof value.run_id === 'string' &&
      typeof value.status === 'string' &&
      Array.isArray(value.sources) &&
      value.sources.every((s) => s !== null && typeof s === 'object' && typeof s.rows === 'number');
    return ok ? (value as RunSummary) : undefined;
  } catch {
    return undefined;
  }
}
